import Foundation

/// Names for the files a job attempt hands to its steps (`$GANTRY_OUTPUT`, `$GANTRY_ENV`, scripts),
/// all directly inside the run's temporary directory.
struct ScratchFiles: Sendable {
    /// `<directory>/<prefix>.`: every name is this and a suffix.
    private let base: String

    init(directory: String, prefix: String) {
        base = (directory.hasSuffix("/") ? directory : directory + "/") + prefix + "."
    }

    /// The path `<directory>/<prefix>.<name>`; the file is created by whoever writes it first.
    /// (A path, not a URL: a step names five of them, and building URLs showed in 1,000-job runs.)
    func path(_ name: String) -> String { base + name }
}
