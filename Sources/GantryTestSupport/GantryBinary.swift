import Foundation

/// Runs the built `gantry` executable, as a user would.
public enum GantryBinary {
    /// The package root (two levels above this file's folder).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `GANTRY_BIN` if set, else `.build/debug/gantry`.
    public static var path: String {
        if let custom = ProcessInfo.processInfo.environment["GANTRY_BIN"], !custom.isEmpty { return custom }
        return packageRoot.appendingPathComponent(".build/debug/gantry").path
    }

    /// What a finished command produced.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        /// stdout parsed as JSON (for `--json` output), or nil when it is not JSON.
        public var stdoutJSON: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
    }

    /// Runs gantry as an unprivileged user, so permission checks apply: as root (CI) through
    /// `setpriv` as `nobody`, after handing `directory` to that user; otherwise as the current user.
    public static func runUnprivileged(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:]
    ) throws -> Result {
        guard geteuid() == 0 else { return try run(arguments, in: directory, environment: environment) }
        try runChecked("chown", ["-R", "65534:65534", directory.path])
        return try run(
            arguments, in: directory, environment: environment.merging(["HOME": directory.path]) { $1 },
            wrapper: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"])
    }

    /// Runs gantry with `arguments` in `directory`; `environment` is added to a minimal CI-like one.
    /// `wrapper` is a command line that runs gantry (e.g. setpriv).
    public static func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], wrapper: [String] = []
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrapper.first ?? path)
        process.arguments = wrapper.isEmpty ? arguments : Array(wrapper.dropFirst()) + [path] + arguments
        process.currentDirectoryURL = directory
        var env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "CI": "true", "NO_COLOR": "1",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/root",
        ]
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var stderrData = Data()
        group.enter()
        DispatchQueue.global().async {
            stderrData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }
}
