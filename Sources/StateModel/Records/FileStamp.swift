/// What a file looked like when its digest was computed: if size, modification time and inode are
/// unchanged, the digest is reused instead of reading the file again (as git's index does).
public struct FileStamp: Hashable, Sendable {
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var inode: Int64

    public init(size: Int64, mtimeNanoseconds: Int64, inode: Int64) {
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.inode = inode
    }
}
