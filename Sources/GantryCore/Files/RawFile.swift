import Foundation

/// Writing through a raw file descriptor.
public enum RawFile {
    /// Writes every byte, retrying after short writes and `EINTR`. Returns false on any other error,
    /// with `errno` left as the failing `write(2)` set it.
    public static func writeAll(_ fd: Int32, _ bytes: some ContiguousBytes) -> Bool {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return true }
            var offset = 0
            while offset < raw.count {
                let written = write(fd, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }
}
