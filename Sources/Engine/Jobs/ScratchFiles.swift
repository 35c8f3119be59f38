import Foundation

/// Names for the files a job attempt hands to its steps (`$GANTRY_OUTPUT`, `$GANTRY_ENV`, scripts),
/// all directly inside the run's temporary directory.
struct ScratchFiles: Sendable {
    let directory: URL
    let prefix: String

    /// `<directory>/<prefix>.<name>`; the file is created by whoever writes it first.
    /// (A file, said so: without the hint Foundation asks the filesystem, a `stat` per name per step.)
    func file(_ name: String) -> URL { directory.appendingPathComponent("\(prefix).\(name)", isDirectory: false) }
}
