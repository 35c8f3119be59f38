import CGantrySystem
import Foundation
import Synchronization

/// Marks every process Gantry starts, so none outlives the command that started it.
///
/// Each child gets `GANTRY_OWNER=<token>/<serial>/` in its environment, which its descendants inherit
/// even when they leave the child's process group (`setsid`, double forks). Two mechanisms use it:
/// - While Gantry lives, it is a child subreaper: a descendant whose parent dies is re-parented to it.
///   When a step ends, its leftovers — re-parented children carrying the step's mark — are stopped
///   with the rest of its process group (`strays(of:)`).
/// - When Gantry dies, even by `kill -9`, the **sentinel** (a small forked process waiting on a pipe
///   only Gantry holds) sees end-of-file and SIGKILLs every process carrying Gantry's token. Each
///   step's leader also gets SIGKILL from the kernel (PR_SET_PDEATHSIG).
///
/// This is Jenkins' "process tree killer" cookie, chosen over cgroups because cgroup v2 delegation is
/// not available to an unprivileged user on most CI hosts (this one mounts cgroup v1). Its limit: a
/// process that clears its own environment (`env -i`) is not recognised once it leaves the group.
enum ProcessOwnership {
    /// The environment variable carrying the mark.
    static let variable = "GANTRY_OWNER"

    /// Unique to this Gantry process: its pid and 64 random bits.
    static let token: String = "\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"

    private static let serial = Atomic<UInt64>(0)

    /// The sentinel's pipe; kept open (close-on-exec) for the life of the process. Started on first use.
    private static let sentinel: Int32 = gantry_start_sentinel("\(variable)=\(token)/")

    /// A new mark for one child: `<token>/<serial>/` (the trailing slash keeps `/1/` from matching `/12/`).
    static func newMark() -> String {
        _ = sentinel
        let number = serial.add(1, ordering: .relaxed).newValue
        return "\(token)/\(number)/"
    }

    /// Orphans re-parented to this process whose environment carries `mark`.
    static func strays(of mark: String) -> [pid_t] {
        var children = [pid_t](repeating: 0, count: 256)
        let count = Int(gantry_orphans(&children, Int32(children.count)))
        guard count > 0 else { return [] }
        let needle = "\(variable)=\(mark)"
        return children.prefix(min(count, children.count)).filter { gantry_environ_has_prefix($0, needle) == 1 }
    }

    /// Every process, anywhere, carrying `mark` (a /proc walk). For closing what a dead process left.
    @discardableResult
    static func signalAll(carrying mark: String, signal: Int32) -> Int {
        Int(gantry_signal_owned("\(variable)=\(mark)", signal))
    }
}
