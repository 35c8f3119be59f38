/// One entry of a normalized tar stream.
public struct TarEntry: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case file(size: Int64)
        case directory
        case symlink(target: String)
    }

    /// Path relative to the archive root, `/`-separated, no leading `./`; directories end without `/`.
    public var path: String
    public var kind: Kind
    /// Permission bits after normalization: 0755 or 0644 for files, 0755 for directories, 0777 for links.
    public var mode: Int

    public init(path: String, kind: Kind, mode: Int) {
        self.path = path
        self.kind = kind
        self.mode = mode
    }
}
