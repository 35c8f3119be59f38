/// What to start: an executable with arguments, an environment and a working directory.
public struct ProcessSpec: Sendable {
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String
    /// The `GANTRY_OWNER` mark the child and its descendants carry; a fresh one when nil. Set it (from
    /// `ProcessRunner.newOwnerMark()`) to stop what the child left even after this process died.
    public var ownerMark: String?

    public init(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: String,
        ownerMark: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.ownerMark = ownerMark
    }
}

/// How a child process ended.
public struct ProcessOutcome: Sendable, Hashable {
    /// Exit status when it exited normally.
    public var exitCode: Int32?
    /// Signal number when a signal killed it.
    public var signal: Int32?
    /// The timeout fired and the process group was terminated.
    public var timedOut: Bool
    /// The run was cancelled and the process group was terminated.
    public var cancelled: Bool

    /// True when it exited with status 0 and was neither timed out nor cancelled.
    public var succeeded: Bool { exitCode == 0 && !timedOut && !cancelled }
}

/// Which output stream a chunk came from.
public enum ProcessStream: String, Sendable {
    case stdout, stderr
}
