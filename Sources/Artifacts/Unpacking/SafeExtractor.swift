import Foundation

/// Extracts a tar layer into a directory, refusing anything that could land outside it: absolute
/// paths, `..` components, entries below a symlink, symlinks whose target leaves the directory (resolved
/// through the archive's other symlinks, as the kernel would), hard links to outside paths, and device
/// files. Files are opened with `O_NOFOLLOW`.
struct SafeExtractor {
    let destination: URL
    /// The archive's symlinks so far; shared across the layers of one artifact.
    var links = LinkResolver()

    /// Extracts every entry of the tar at `archive`; returns how many entries were written.
    @discardableResult
    mutating func extract(_ archive: URL) throws -> Int {
        var reader = try TarReader(url: archive)
        defer { reader.close() }
        var count = 0
        while let header = try reader.next() {
            let path = try Self.normalize(header.path)
            guard !path.isEmpty else {
                try reader.skipData(size: header.size)
                continue
            }
            // Never write through a symlink the archive created (or one that was already there).
            try checkParents(of: path, symlinks: links.links)
            let target = destination.appendingPathComponent(path).path
            let mode = mode_t(header.mode & 0o777)
            switch header.typeflag {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                // A fresh inode: never truncate a file that exists there (it may be a hard link to one outside).
                var existing = stat()
                if lstat(target, &existing) == 0, existing.st_mode & S_IFMT != S_IFDIR { unlink(target) }
                let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
                guard fd >= 0 else {
                    throw ArtifactError.unsafeEntry(
                        path: header.path, reason: "cannot create file (\(String(cString: strerror(errno))))")
                }
                defer { close(fd) }
                try reader.copyData(size: header.size, to: fd)
                fchmod(fd, mode)
            case UInt8(ascii: "5"):
                if mkdir(target, 0o755) != 0 && errno != EEXIST {
                    throw ArtifactError.io("cannot create directory \(target): \(String(cString: strerror(errno)))")
                }
                var info = stat()
                guard lstat(target, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                    throw ArtifactError.unsafeEntry(path: header.path, reason: "a non-directory is in the way")
                }
                chmod(target, mode | 0o700)
                try reader.skipData(size: header.size)
            case UInt8(ascii: "2"):
                try Self.checkLinkTarget(header.linkName, of: path, entry: header.path)
                var extended = links
                extended.links[path] = header.linkName
                if let escape = extended.escape(of: path, target: header.linkName) {
                    throw ArtifactError.unsafeEntry(path: header.path, reason: "symlink: \(escape)")
                }
                links = extended
                unlink(target)
                guard symlink(header.linkName, target) == 0 else {
                    throw ArtifactError.io("cannot create symlink \(target): \(String(cString: strerror(errno)))")
                }
                try reader.skipData(size: header.size)
            case UInt8(ascii: "1"):
                let linked = try Self.normalize(header.linkName)
                guard !linked.isEmpty else {
                    throw ArtifactError.unsafeEntry(path: header.path, reason: "hard link without a target")
                }
                try checkParents(of: linked, symlinks: links.links)
                guard links.links[linked] == nil else {
                    throw ArtifactError.unsafeEntry(path: header.path, reason: "hard link to a symlink")
                }
                unlink(target)
                guard link(destination.appendingPathComponent(linked).path, target) == 0 else {
                    throw ArtifactError.unsafeEntry(
                        path: header.path, reason: "hard link target '\(header.linkName)' is not in the archive")
                }
                try reader.skipData(size: header.size)
            default:
                throw ArtifactError.unsafeEntry(
                    path: header.path,
                    reason: "device, FIFO or unknown entry type '\(Character(Unicode.Scalar(header.typeflag)))'")
            }
            count += 1
        }
        return count
    }

    /// After the last entry: every symlink must still resolve inside, now that every other link is
    /// known (a later link can change where an earlier one leads).
    func checkAllLinks() throws {
        for (path, target) in links.links.sorted(by: { $0.key < $1.key }) {
            if let escape = links.escape(of: path, target: target) {
                throw ArtifactError.unsafeEntry(path: path, reason: "symlink: \(escape)")
            }
        }
    }

    /// `./a//b/` → `a/b`; throws for absolute paths and `..` components.
    static func normalize(_ raw: String) throws -> String {
        if raw.hasPrefix("/") { throw ArtifactError.unsafeEntry(path: raw, reason: "absolute path") }
        var parts: [Substring] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { throw ArtifactError.unsafeEntry(path: raw, reason: "'..' leaves the target directory") }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    /// A symlink's target, taken relative to the link's directory, must stay inside the destination.
    static func checkLinkTarget(_ target: String, of path: String, entry: String) throws {
        if target.hasPrefix("/") {
            throw ArtifactError.unsafeEntry(
                path: entry, reason: "symlink to the absolute path '\(target)' leaves the target directory")
        }
        var depth = path.split(separator: "/").count - 1
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            depth += part == ".." ? -1 : 1
            if depth < 0 {
                throw ArtifactError.unsafeEntry(
                    path: entry, reason: "symlink to '\(target)' leaves the target directory")
            }
        }
    }

    /// Each parent directory of `path` must be a real directory (or not exist yet, then it is created).
    private func checkParents(of path: String, symlinks: [String: String]) throws {
        var current = ""
        for part in path.split(separator: "/").dropLast() {
            current = current.isEmpty ? String(part) : current + "/" + part
            if symlinks[current] != nil {
                throw ArtifactError.unsafeEntry(path: path, reason: "it is below the symlink '\(current)'")
            }
            let full = destination.appendingPathComponent(current).path
            var info = stat()
            if lstat(full, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw ArtifactError.unsafeEntry(path: path, reason: "'\(current)' is not a directory")
                }
            } else if mkdir(full, 0o755) != 0 && errno != EEXIST {
                throw ArtifactError.io("cannot create directory \(full): \(String(cString: strerror(errno)))")
            }
        }
    }
}
