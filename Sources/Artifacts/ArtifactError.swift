import GantryCore

/// What can go wrong with artifacts, each with a message a user can act on.
public enum ArtifactError: GantryError, Equatable {
    /// The path given to pack or unpack is unusable.
    case badPath(String)
    /// A file type that cannot be packed (devices, FIFOs, sockets).
    case unsupportedFile(path: String, kind: String)
    /// An archive entry would land outside the target directory.
    case unsafeEntry(path: String, reason: String)
    /// A reference that does not name an artifact in the store.
    case notFound(String)
    /// A malformed reference or name.
    case invalidReference(String, reason: String)
    /// Stored content no longer matches its digest.
    case corrupt(String)
    /// A malformed tar stream or OCI document.
    case malformed(String)
    /// Disk or locking failure.
    case io(String)

    public var description: String {
        switch self {
        case .badPath(let message): message
        case .unsupportedFile(let path, let kind):
            "\(path): \(kind) cannot be packed (only files, directories and symlinks)"
        case .unsafeEntry(let path, let reason): "refusing archive entry '\(path)': \(reason)"
        case .notFound(let reference): "no artifact matches '\(reference)' (see 'gantry artifact list')"
        case .invalidReference(let reference, let reason): "invalid artifact reference '\(reference)': \(reason)"
        case .corrupt(let message): message
        case .malformed(let message): message
        case .io(let message): message
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .io, .corrupt: .infrastructure
        default: .inputError
        }
    }
}
