import GRDB
import GantryCore

/// A digest is bound as its text (`sha256:<hex>`), as it was stored before it was typed.
extension Digest: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Digest? {
        String.fromDatabaseValue(dbValue).flatMap(Digest.init(parsing:))
    }
}

extension StateStore {
    /// The digest in `column`; text that is not one means the database was damaged or edited by hand,
    /// which is an error to report, not a record to make up (nor a crash).
    static func digest(_ row: Row, _ column: String) throws -> Digest {
        guard let digest = try optionalDigest(row, column) else {
            throw StoreError("the state database has no digest in \(column) of a row that needs one: it is damaged")
        }
        return digest
    }

    static func optionalDigest(_ row: Row, _ column: String) throws -> Digest? {
        try digest(text: row[column], column: column)
    }

    /// `text` read from `column` as a digest (nil stays nil).
    static func digest(text: String?, column: String) throws -> Digest? {
        guard let text else { return nil }
        guard let digest = Digest(parsing: text) else {
            throw StoreError(
                "the state database holds '\(text.prefix(80))' in \(column), which is not a digest: it is damaged or was edited by hand"
            )
        }
        return digest
    }
}
