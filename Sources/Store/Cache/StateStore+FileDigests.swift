import Foundation
import GRDB

extension StateStore {
    /// Every remembered file digest, by absolute path.
    public func fileDigests() throws -> [String: (FileStamp, String)] {
        try read("read file digests") { db in
            var result: [String: (FileStamp, String)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM fileDigests") {
                result[row["path"]] = (
                    FileStamp(size: row["size"], mtimeNanoseconds: row["mtimeNs"], inode: row["inode"]), row["digest"]
                )
            }
            return result
        }
    }

    /// Remembers digests (one transaction).
    public func saveFileDigests(_ entries: [(path: String, stamp: FileStamp, digest: String)]) throws {
        guard !entries.isEmpty else { return }
        try write("save file digests") { db in
            let statement = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO fileDigests (path, size, mtimeNs, inode, digest) VALUES (?, ?, ?, ?, ?)")
            for entry in entries {
                try statement.execute(arguments: [
                    entry.path, entry.stamp.size, entry.stamp.mtimeNanoseconds, entry.stamp.inode, entry.digest,
                ])
            }
        }
    }
}
