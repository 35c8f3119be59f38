import Foundation

/// Turns the errors Foundation throws for file operations ("NSCocoaErrorDomain error 256", "You don't
/// have permission") into what happened, in the words of the underlying system call.
public enum FileErrorText {
    /// A short description of `error`, e.g. "it is a directory" or "permission denied".
    public static func describe(_ error: any Error) -> String {
        if let code = posixCode(of: error) { return text(forErrno: code) }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileReadCorruptFile: return "the file could not be read"
            case .fileWriteOutOfSpace: return "no space left on the device"
            case .fileWriteVolumeReadOnly: return "the file system is read-only"
            case .fileReadTooLarge: return "the file is too large to read into memory"
            default: break
            }
        }
        return "\(error)"
    }

    /// Why reading the file at `path` failed, checked against the file itself: Foundation reports
    /// reading a directory as a generic error 256, and `/dev/null` as a permission problem.
    public static func describeRead(_ error: any Error, path: String) -> String {
        var info = stat()
        if stat(path, &info) != 0 { return text(forErrno: errno) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return "it is a directory, not a file"
        case S_IFREG: return describe(error)
        default: return "it is not a regular file"
        }
    }

    private static func posixCode(of error: any Error) -> Int32? {
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return Int32(nsError.code) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            return Int32(underlying.code)
        }
        return nil
    }

    private static func text(forErrno code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file or directory"
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "it is a directory, not a file"
        case ENOTDIR: return "a part of the path is not a directory"
        case ENOSPC: return "no space left on the device"
        case EROFS: return "the file system is read-only"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}
