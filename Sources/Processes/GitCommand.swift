import Foundation

/// Runs the real `git` to completion and returns what it printed: the engine's commit and diff
/// queries and the server's repository mirrors use this one runner. Output is bounded (4 MiB of
/// stdout, 16 KiB of stderr kept for the error); the locale is fixed so messages can be quoted.
package enum GitCommand {
    /// Git exited non-zero (or was stopped).
    package struct Failure: Error, CustomStringConvertible {
        /// Its standard error, trimmed (empty when it printed none).
        package let stderr: String
        package let exitCode: Int32?

        package var description: String { stderr.isEmpty ? "exit \(exitCode ?? -1)" : stderr }
    }

    /// `git arguments` in `directory` for a synchronous caller (which it blocks), its stdout delivered
    /// to `onOutput` as it comes; supervised as every child is (process group, parent-death signal,
    /// timeout). Throws `Failure` with its stderr when git fails.
    package static func runBlocking(
        _ arguments: [String], in directory: URL, timeout: Duration,
        onOutput: @escaping @Sendable (UnsafeRawBufferPointer) -> Void
    ) throws {
        let errors = OutputCollector(limit: 16 * 1024)
        let inherited = ProcessInfo.processInfo.environment
        let outcome = try ProcessRunner(killGrace: .seconds(1)).runBlocking(
            ProcessSpec(
                executable: "git", arguments: arguments,
                environment: [
                    "PATH": inherited["PATH"] ?? "/usr/bin:/bin", "LC_ALL": "C", "HOME": inherited["HOME"] ?? "/",
                ],
                workingDirectory: directory.path),
            timeout: timeout
        ) { stream, bytes in
            if stream == .stdout { onOutput(bytes) } else { errors.append(bytes) }
        }
        guard outcome.succeeded else {
            throw Failure(
                stderr: errors.text.trimmingCharacters(in: .whitespacesAndNewlines), exitCode: outcome.exitCode)
        }
    }

    /// `git arguments` in `directory`; stdout as printed. `environment` is added to PATH, HOME and LC_ALL.
    @discardableResult
    package static func run(
        _ arguments: [String], in directory: URL, timeout: Duration,
        cancellation: CancellationFlag = CancellationFlag(),
        killGrace: Duration = .seconds(1), environment: [String: String] = [:]
    ) async throws -> String {
        let output = OutputCollector(limit: 4 << 20)
        let errors = OutputCollector(limit: 16 * 1024)
        let inherited = ProcessInfo.processInfo.environment
        let outcome = try await ProcessRunner(killGrace: killGrace).run(
            ProcessSpec(
                executable: "git", arguments: arguments,
                environment: [
                    "PATH": inherited["PATH"] ?? "/usr/bin:/bin", "LC_ALL": "C", "HOME": inherited["HOME"] ?? "/",
                ].merging(environment) { $1 },
                workingDirectory: directory.path),
            timeout: timeout, cancellation: cancellation
        ) { stream, bytes in
            if stream == .stdout { output.append(bytes) } else { errors.append(bytes) }
        }
        guard outcome.succeeded else {
            throw Failure(
                stderr: errors.text.trimmingCharacters(in: .whitespacesAndNewlines), exitCode: outcome.exitCode)
        }
        return output.text
    }
}
