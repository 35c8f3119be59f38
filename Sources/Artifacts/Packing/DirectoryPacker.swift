import Foundation
import GantryCore

/// Packs a directory into a deterministic tar layer: the same content gives the same bytes on any
/// machine, whatever the umask, file times, owners or directory listing order.
///
/// Entries are sorted by their byte-wise path; directories get mode 0755, files 0755 when any execute
/// bit is set and 0644 otherwise, symlinks 0777 and keep their target as written. Devices, FIFOs and
/// sockets are refused, and so are symlinks that lead out of the tree (resolved through the tree's
/// own symlinks) unless `allowOutsideLinks`: unpacking would refuse them anyway.
public struct DirectoryPacker: Sendable {
    /// Every entry's mtime: `SOURCE_DATE_EPOCH` when set, else 0.
    public var mtime: Int64
    /// Pack symlinks whose target leaves the tree (`/etc/passwd`, `../..`) instead of refusing them.
    public var allowOutsideLinks: Bool
    /// Told how many bytes of file content are packed.
    public var progress: ProgressHandler?

    public init(mtime: Int64 = DirectoryPacker.sourceDateEpoch(), allowOutsideLinks: Bool = false) {
        self.mtime = mtime
        self.allowOutsideLinks = allowOutsideLinks
    }

    /// `SOURCE_DATE_EPOCH` from the environment, or 0.
    public static func sourceDateEpoch(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int64 {
        environment["SOURCE_DATE_EPOCH"].flatMap { Int64($0) }.map { max(0, $0) } ?? 0
    }

    /// The entries of `root` in archive order.
    public func entries(of root: URL) throws -> [TarEntry] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw ArtifactError.badPath("\(root.path): no such directory")
        }
        guard isDirectory.boolValue else { throw ArtifactError.badPath("\(root.path): not a directory") }
        var entries: [TarEntry] = []
        try walk(root, relative: "", into: &entries)
        if !allowOutsideLinks {
            var resolver = LinkResolver()
            for entry in entries { if case .symlink(let target) = entry.kind { resolver.links[entry.path] = target } }
            for (path, target) in resolver.links.sorted(by: { $0.key < $1.key }) {
                if let escape = resolver.escape(of: path, target: target) {
                    throw ArtifactError.badPath(
                        "\(root.appendingPathComponent(path).path): symlink \(escape); unpacking would refuse it "
                            + "(pack what it points to, or pass --allow-outside-links to keep it as it is)")
                }
            }
        }
        return entries.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
    }

    private func walk(_ directory: URL, relative: String, into entries: inout [TarEntry]) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw ArtifactError.badPath("\(directory.path): cannot be read (\(FileErrorText.describe(error)))")
        }
        for name in names {
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            let url = directory.appendingPathComponent(name)
            var info = stat()
            guard lstat(url.path, &info) == 0 else {
                throw ArtifactError.badPath("\(url.path): cannot be read (\(String(cString: strerror(errno))))")
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                entries.append(TarEntry(path: path, kind: .directory, mode: 0o755))
                try walk(url, relative: path, into: &entries)
            case S_IFREG:
                let executable = info.st_mode & 0o111 != 0
                entries.append(
                    TarEntry(path: path, kind: .file(size: Int64(info.st_size)), mode: executable ? 0o755 : 0o644))
            case S_IFLNK:
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: url.path)
                entries.append(TarEntry(path: path, kind: .symlink(target: target), mode: 0o777))
            case S_IFCHR: throw ArtifactError.unsupportedFile(path: url.path, kind: "a character device")
            case S_IFBLK: throw ArtifactError.unsupportedFile(path: url.path, kind: "a block device")
            case S_IFIFO: throw ArtifactError.unsupportedFile(path: url.path, kind: "a FIFO")
            case S_IFSOCK: throw ArtifactError.unsupportedFile(path: url.path, kind: "a socket")
            default: throw ArtifactError.unsupportedFile(path: url.path, kind: "an unknown file type")
            }
        }
    }

    /// Writes the tar of `root` to `sink` and returns the entries written.
    func write(_ root: URL, to sink: HashingFileSink) throws -> [TarEntry] {
        let entries = try entries(of: root)
        let writer = TarWriter(sink: sink, mtime: mtime)
        let total = entries.reduce(Int64(0)) { sum, entry in
            if case .file(let size) = entry.kind { return sum + size }
            return sum
        }
        var packed: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        for entry in entries {
            try writer.writeHeader(for: entry)
            guard case .file(let size) = entry.kind else { continue }
            let path = root.appendingPathComponent(entry.path).path
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw ArtifactError.badPath("\(path): cannot be read (\(String(cString: strerror(errno))))")
            }
            defer { close(fd) }
            var remaining = size
            while remaining > 0 {
                let count = read(fd, buffer.baseAddress, Int(min(Int64(buffer.count), remaining)))
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw ArtifactError.badPath("\(path): changed while it was being packed") }
                try sink.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                remaining -= Int64(count)
                packed += Int64(count)
                progress?(ProgressUpdate(label: "pack \(root.lastPathComponent)", done: packed, total: total))
            }
            try writer.pad(size)
        }
        try writer.finish()
        return entries
    }
}
