public import GantryCore

/// Why a release operation stopped. Input mistakes exit 2; refused checks and failed deployments exit 1.
public enum ReleaseError: GantryError, Sendable {
    /// The request itself is wrong (unknown environment, digest not deployed there, missing flag).
    case input(String)
    /// A gate refused the promotion; the message names the check.
    case checkFailed(check: String, detail: String)
    /// An approval was refused (self-approval, wrong role, bad or replayed code).
    case approvalRefused(String)
    /// The deployment or its verification failed; what happened to the environment is in the message.
    case deploymentFailed(String)
    /// A signal (SIGINT or SIGTERM) stopped the deployment; the promotion is recorded `cancelled`.
    case cancelled(String, signal: Int32?)

    public var description: String {
        switch self {
        case .input(let message): message
        case .checkFailed(let check, let detail): "promotion refused: \(check): \(detail)"
        case .approvalRefused(let message): "approval refused: \(message)"
        case .deploymentFailed(let message): message
        case .cancelled(let message, _): message
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .input: .inputError
        case .checkFailed, .approvalRefused, .deploymentFailed: .failure
        case .cancelled(_, let signal): signal == 15 ? .terminated : .interrupted
        }
    }
}
