import Foundation

/// Gantry's state is private to the user running it: the state directory is 0700 and the files that
/// hold secrets (the database and its WAL and shared-memory files, keys) are 0600, whichever command
/// creates them. Every state writer goes through here before it creates anything.
public enum PrivateState {
    /// Creates `directory` (and missing parents) if needed and makes it 0700 when this user owns it.
    /// - Throws: `InfrastructureError` naming the directory when it cannot be created.
    public static func prepareDirectory(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw InfrastructureError(
                "cannot create the state directory \(directory.path): \(FileErrorText.describe(error))")
        }
        restrict(directory.path, to: 0o700)
    }

    /// Creates the file at `path` empty with mode 0600 if it does not exist, else tightens it to 0600.
    public static func prepareFile(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
        restrict(path, to: 0o600)
    }

    /// Sets `mode` on `path` when it exists and this user owns it (an older Gantry created it 0644).
    public static func restrict(_ path: String, to mode: mode_t) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o777 != mode else { return }
        chmod(path, mode)
    }
}
