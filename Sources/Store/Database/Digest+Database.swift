import GRDB
import GantryCore

/// A digest is stored as its text (`sha256:<hex>`), as it was before it was typed; text that is not a
/// digest does not decode (a column that should hold one and does not is corrupt).
extension Digest: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Digest? {
        String.fromDatabaseValue(dbValue).flatMap(Digest.init(parsing:))
    }
}
