public import Foundation
import GRDB
public import GantryCore

extension StateStore {
    /// Records that alert `fingerprint` acted on `digest`; false when it already had.
    public func claimAlertAction(
        fingerprint: String, digest: Digest, app: String, environment: String, at date: Date = Date()
    ) throws -> Bool {
        try write("record an alert's action") { db in
            try db.execute(
                sql: """
                    INSERT INTO alertActions (fingerprint, digest, app, environment, at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """,
                arguments: [fingerprint, digest, app, environment, date])
            return db.changesCount == 1
        }
    }
}
