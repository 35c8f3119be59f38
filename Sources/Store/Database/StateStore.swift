public import Foundation
import GRDB
import GantryCore
import Synchronization

/// The embedded state database (`.gantry/state.db`): SQLite in WAL mode, migrated on open.
///
/// Several `gantry` processes may use one database at once: SQLite serialises writers, and each
/// logical change (a run's start, a finished job with its attempts and steps) is one transaction.
public final class StateStore: Sendable {
    let pool: DatabasePool
    /// The read-only connection `changeStamp()` asks, opened on first use.
    let stampConnection = Mutex<DatabaseQueue?>(nil)
    /// Commits through this store (moves `changeStamp()` at once, without asking SQLite).
    let localCommits = Atomic<Int64>(0)
    /// The last `data_version` read, with the local commit count then and when it was read.
    let stampSample = Mutex<(commits: Int64, version: Int64, at: ContinuousClock.Instant)?>(nil)
    /// The database file.
    public let path: String

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "gantry-state"
        // WAL with synchronous=NORMAL: a commit is atomic and consistent; only the last transactions
        // before a power loss may be lost, never the database's integrity. Saves an fsync per job.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            try PrivateState.prepareDirectory(URL(fileURLWithPath: path).deletingLastPathComponent())
            // SQLite gives the WAL and shared-memory files the database file's mode: create it 0600 first.
            PrivateState.prepareFile(path)
            // Two gantry processes opening a new database at once would both switch it to WAL and create
            // its tables: open and migrate under an exclusive file lock; the second finds the work done.
            pool = try FileLock.withExclusiveLock(path + ".lock") {
                let pool = try DatabasePool(path: path, configuration: configuration)
                try StateStore.migrator.migrate(pool)
                return pool
            }
            for suffix in ["-wal", "-shm", ".lock"] { PrivateState.restrict(path + suffix, to: 0o600) }
        } catch let error as DatabaseError {
            throw StoreError("cannot open state database \(path): \(error.message ?? error.description)")
        } catch let error as InfrastructureError {
            throw error
        } catch {
            throw StoreError("cannot open state database \(path): \(FileErrorText.describe(error))")
        }
    }

    /// Opens `<directory>/state.db`.
    public convenience init(directory: URL) throws {
        try self.init(path: directory.appendingPathComponent("state.db").path)
    }

    /// Opens `<directory>/state.db` only when it exists: read-only commands never create state.
    /// - Throws: `InputError` (exit 2) saying there is no state there and how to point at it.
    public convenience init(existingIn directory: URL) throws {
        let path = directory.appendingPathComponent("state.db").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError(
                "no Gantry state in \(directory.path) (nothing has run or been promoted here): run the command "
                    + "in the project directory, or set GANTRY_HOME to the state directory")
        }
        try self.init(path: path)
    }

    /// Runs a write transaction, turning database errors into `StoreError`.
    func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            defer { localCommits.add(1, ordering: .releasing) }
            return try pool.write(body)
        } catch let error as DatabaseError {
            throw StoreError("cannot \(what): \(error.message ?? error.description)")
        }
    }

    /// Runs a read, turning database errors into `StoreError`.
    func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as DatabaseError {
            throw StoreError("cannot \(what): \(error.message ?? error.description)")
        }
    }
}
