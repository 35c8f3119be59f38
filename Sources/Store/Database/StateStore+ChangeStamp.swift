import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// How long a `data_version` read stands for other processes' commits: they show in
    /// `changeStamp()` within this time; this process's own commits show at once.
    public static let externalChangeDelay = Duration.milliseconds(100)

    /// A number that changes whenever anything in the state changes — at once for a commit through
    /// this store, within `externalChangeDelay` for one by another process — and stays the same
    /// otherwise, so a server can reuse a response it built from the same state.
    public func changeStamp() throws -> Int64 {
        if let stamp = recentChangeStamp() { return stamp }
        let commits = localCommits.load(ordering: .acquiring)
        let version = try dataVersion()
        stampSample.withLock { $0 = (commits, version, .now) }
        return Self.stamp(commits: commits, version: version)
    }

    /// The stamp without touching the database, when the last `data_version` read is recent enough;
    /// nil when it has to be read again (`changeStamp()`).
    public func recentChangeStamp() -> Int64? {
        let commits = localCommits.load(ordering: .acquiring)
        return stampSample.withLock { sample -> Int64? in
            guard let sample, ContinuousClock.now - sample.at < Self.externalChangeDelay else { return nil }
            // A local commit since the read: SQLite's counter moved too; read it again.
            guard sample.commits == commits else { return nil }
            return Self.stamp(commits: commits, version: sample.version)
        }
    }

    private static func stamp(commits: Int64, version: Int64) -> Int64 { (version << 32) ^ commits }

    /// SQLite's `data_version` on a connection of its own that never writes: it moves when another
    /// connection (this store's pool, or another process) commits.
    private func dataVersion() throws -> Int64 {
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
            // No transaction: a pragma read needs none.
            return try queue.inDatabase { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        } catch let error as DatabaseError {
            throw StoreError("cannot read the state's change stamp: \(error.message ?? error.description)")
        }
    }
}
