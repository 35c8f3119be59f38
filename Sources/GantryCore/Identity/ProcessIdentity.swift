import Foundation

/// A process, named so that it can be recognised later even after its pid is reused: the host, the
/// pid and the process's start time (clock ticks after boot, from `/proc/<pid>/stat`).
///
/// Records that a process drives (a run, a promotion) carry one, so any later command can tell that
/// the process is gone (killed with -9, crashed, the machine rebooted) and close the record.
public struct ProcessIdentity: Sendable, Hashable, Codable {
    public var host: String
    public var pid: Int32
    /// Start time in clock ticks after boot; 0 when unknown (then only the pid is compared).
    public var startTicks: Int64

    public init(host: String, pid: Int32, startTicks: Int64) {
        self.host = host
        self.pid = pid
        self.startTicks = startTicks
    }

    /// This process.
    public static let current = ProcessIdentity(
        host: ProcessInfo.processInfo.hostName, pid: getpid(), startTicks: startTicks(of: getpid()) ?? 0)

    /// True when the process is known to be gone: same host, and no process with that pid, or one that
    /// started at another time (the pid was reused). A process on another host is never judged gone.
    public var isGone: Bool {
        guard host == Self.current.host else { return false }
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        guard startTicks != 0, let now = Self.startTicks(of: pid) else { return false }
        return now != startTicks
    }

    /// Field 22 of `/proc/<pid>/stat` (after the command name, which may itself hold spaces and parentheses).
    static func startTicks(of pid: Int32) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return Int64(fields[19])
    }
}
