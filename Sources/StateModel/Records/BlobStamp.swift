/// What `stat` said about a blob file: size, modification and change times, inode. The change time is
/// set by the kernel on every write or metadata change and cannot be set back by user tools.
public struct BlobStamp: Sendable, Hashable {
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var ctimeNanoseconds: Int64
    public var inode: Int64

    public init(size: Int64, mtimeNanoseconds: Int64, ctimeNanoseconds: Int64, inode: Int64) {
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.ctimeNanoseconds = ctimeNanoseconds
        self.inode = inode
    }
}
