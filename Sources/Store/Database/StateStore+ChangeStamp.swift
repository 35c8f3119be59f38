import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// A number that changes whenever anything in the state changes — a commit by this process or by
    /// any other — and stays the same otherwise, so a server can reuse a response it built from the
    /// same state. Read through a connection of its own that never writes: SQLite's `data_version`
    /// moves when another connection commits.
    public func changeStamp() throws -> Int64 {
        do {
            let queue = try stampConnection.withLock { connection in
                if let connection { return connection }
                var configuration = Configuration()
                configuration.readonly = true
                configuration.busyMode = .timeout(30)
                configuration.label = "gantry-state-stamp"
                let opened = try DatabaseQueue(path: path, configuration: configuration)
                connection = opened
                return opened
            }
            return try queue.read { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        } catch let error as DatabaseError {
            throw StoreError("cannot read the state's change stamp: \(error.message ?? error.description)")
        }
    }
}
