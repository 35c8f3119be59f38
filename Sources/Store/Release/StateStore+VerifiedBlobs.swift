import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// The stamp a blob had when its content was last found to match its digest.
    public func verifiedBlobStamp(_ digest: String) throws -> BlobStamp? {
        try read("read verified blobs") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM verifiedBlobs WHERE digest = ?", arguments: [digest]).map {
                BlobStamp(
                    size: $0["size"], mtimeNanoseconds: $0["mtimeNs"], ctimeNanoseconds: $0["ctimeNs"],
                    inode: $0["inode"])
            }
        }
    }

    /// Remembers that the blob with `stamp` matched its digest.
    public func recordVerifiedBlob(_ digest: String, stamp: BlobStamp) throws {
        try write("record a verified blob") { db in
            try db.execute(
                sql: """
                    INSERT INTO verifiedBlobs (digest, size, mtimeNs, ctimeNs, inode) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(digest) DO UPDATE SET size = excluded.size, mtimeNs = excluded.mtimeNs,
                        ctimeNs = excluded.ctimeNs, inode = excluded.inode
                    """,
                arguments: [digest, stamp.size, stamp.mtimeNanoseconds, stamp.ctimeNanoseconds, stamp.inode])
        }
    }
}
