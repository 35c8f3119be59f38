import Foundation

/// An exclusive advisory lock (`flock`) on a file, shared by every gantry process on the machine.
public enum FileLock {
    /// Runs `body` while holding an exclusive lock on `path` (created if missing); waits for other holders.
    public static func withExclusiveLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw InfrastructureError("cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw InfrastructureError("cannot lock \(path): \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
