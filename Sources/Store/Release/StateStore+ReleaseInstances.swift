public import Foundation
import GRDB
public import GantryCore

/// Releases run as processes behind `gantry proxy`: promotions write what they want (role, weight),
/// the proxy's host writes what it sees (state, port) and beats its heartbeat.
extension StateStore {
    /// Every release instance of `app` in `environment`, stable first.
    public func releaseInstances(app: String, environment: String) throws -> [ReleaseInstance] {
        try read("list the releases of \(app) in \(environment)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM releaseInstances WHERE app = ? AND environment = ?
                    ORDER BY CASE role WHEN 'stable' THEN 0 WHEN 'canary' THEN 1 ELSE 2 END, desiredAt
                    """,
                arguments: [app, environment]
            ).map(Self.releaseInstance)
        }
    }

    /// Starts `digest` as a canary at `weight` (0: ready but without traffic), or changes its weight.
    /// A retired instance of the same digest is brought back (it may still be running).
    public func wantCanary(app: String, environment: String, digest: Digest, weight: Int, at date: Date = Date()) throws
    {
        try write("start \(app)@\(digest.short) in \(environment)") { db in
            try db.execute(
                sql: """
                    INSERT INTO releaseInstances (app, environment, digest, role, weight, desiredAt, state)
                    VALUES (?, ?, ?, 'canary', ?, ?, 'pending')
                    ON CONFLICT (app, environment, digest) DO UPDATE SET
                        role = CASE role WHEN 'stable' THEN 'stable' ELSE 'canary' END,
                        weight = CASE role WHEN 'stable' THEN weight ELSE excluded.weight END,
                        desiredAt = excluded.desiredAt, generation = generation + 1, applied = 0
                    """,
                arguments: [app, environment, digest, weight, date])
        }
    }

    /// Gives the canary `digest` `weight` percent of new requests and the stable release the rest, in
    /// one transaction.
    public func setCanaryWeight(app: String, environment: String, digest: Digest, weight: Int, at date: Date = Date())
        throws
    {
        try write("set the weight of \(app)@\(digest.short) in \(environment)") { db in
            try db.execute(
                sql: """
                    UPDATE releaseInstances SET weight = ?, desiredAt = ?, generation = generation + 1, applied = 0
                    WHERE app = ? AND environment = ? AND digest = ? AND role = 'canary'
                    """,
                arguments: [weight, date, app, environment, digest])
            guard db.changesCount == 1 else {
                throw StoreError("\(app)@\(digest.short) is not a canary in \(environment)")
            }
            try db.execute(
                sql: """
                    UPDATE releaseInstances SET weight = ?, desiredAt = ?, generation = generation + 1, applied = 0
                    WHERE app = ? AND environment = ? AND role = 'stable'
                    """,
                arguments: [100 - weight, date, app, environment])
        }
    }

    /// The host's latest counters for one release.
    public func recordTraffic(
        app: String, environment: String, digest: Digest, _ traffic: TrafficCounters, at date: Date = Date()
    ) throws {
        let data = try JSONEncoder().encode(traffic)
        try write("record the traffic of \(app)@\(digest.short) in \(environment)") { db in
            try db.execute(
                sql:
                    "UPDATE releaseInstances SET traffic = ?, trafficAt = ? WHERE app = ? AND environment = ? AND digest = ?",
                arguments: [String(decoding: data, as: UTF8.self), date, app, environment, digest])
        }
    }

    /// Asks the rollout of `app` in `environment` to go on or to stop (the latest request wins).
    public func sendRolloutSignal(
        app: String, environment: String, _ signal: RolloutSignal, actor: String, at date: Date = Date()
    ) throws {
        try write("send \(signal.rawValue) to the rollout of \(app) in \(environment)") { db in
            try db.execute(
                sql: """
                    INSERT INTO rolloutSignals (app, environment, signal, actor, at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (app, environment) DO UPDATE SET
                        signal = excluded.signal, actor = excluded.actor, at = excluded.at
                    """,
                arguments: [app, environment, signal.rawValue, actor, date])
        }
    }

    /// Takes the pending request for the rollout of `app` in `environment`, if any (it is removed).
    /// A rollout polls this every 100 ms: it reads first and takes a write transaction only when there
    /// is a request.
    public func takeRolloutSignal(app: String, environment: String) throws -> (signal: RolloutSignal, actor: String)? {
        guard try pendingRolloutSignal(app: app, environment: environment) != nil else { return nil }
        return try write("read the rollout requests of \(app) in \(environment)") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT signal, actor FROM rolloutSignals WHERE app = ? AND environment = ?",
                    arguments: [app, environment])
            else { return nil }
            try db.execute(
                sql: "DELETE FROM rolloutSignals WHERE app = ? AND environment = ?", arguments: [app, environment])
            return RolloutSignal(rawValue: row["signal"]).map { ($0, row["actor"]) }
        }
    }

    /// The pending request for the rollout of `app` in `environment`, left in place.
    public func pendingRolloutSignal(app: String, environment: String) throws -> RolloutSignal? {
        try read("look for rollout requests of \(app) in \(environment)") { db in
            try String.fetchOne(
                db, sql: "SELECT signal FROM rolloutSignals WHERE app = ? AND environment = ?",
                arguments: [app, environment]
            ).flatMap(RolloutSignal.init(rawValue:))
        }
    }

    /// Forgets requests sent before a rollout started.
    public func clearRolloutSignal(app: String, environment: String) throws {
        try write("clear the rollout requests of \(app) in \(environment)") { db in
            try db.execute(
                sql: "DELETE FROM rolloutSignals WHERE app = ? AND environment = ?", arguments: [app, environment])
        }
    }

    /// Records where the rollout of `app` in `environment` is (one row per app and environment).
    public func recordRolloutProgress(app: String, environment: String, _ progress: RolloutProgress) throws {
        try write("record the progress of \(progress.promotionID)") { db in
            try db.execute(
                sql: """
                    INSERT INTO rolloutProgress (app, environment, promotionID, step, steps, phase, pausedBy, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (app, environment) DO UPDATE SET
                        promotionID = excluded.promotionID, step = excluded.step, steps = excluded.steps,
                        phase = excluded.phase, pausedBy = excluded.pausedBy, at = excluded.at
                    """,
                arguments: [
                    app, environment, progress.promotionID, progress.step, progress.steps, progress.phase,
                    progress.pausedBy, progress.at,
                ])
        }
    }

    /// Where the latest rollout of `app` in `environment` got to, if one ran.
    public func rolloutProgress(app: String, environment: String) throws -> RolloutProgress? {
        try read("read the progress of the rollout of \(app) in \(environment)") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM rolloutProgress WHERE app = ? AND environment = ?",
                arguments: [app, environment]
            ).map {
                RolloutProgress(
                    promotionID: $0["promotionID"], step: $0["step"], steps: $0["steps"], phase: $0["phase"],
                    pausedBy: $0["pausedBy"], at: $0["at"])
            }
        }
    }

    /// Keeps one analysis of a rollout.
    public func recordAnalysis(_ analysis: RolloutAnalysisRecord) throws {
        let encoder = JSONEncoder()
        let canary = String(decoding: try encoder.encode(analysis.canary), as: UTF8.self)
        let stable = String(decoding: try encoder.encode(analysis.stable), as: UTF8.self)
        try write("record an analysis of \(analysis.promotionID)") { db in
            try db.execute(
                sql: """
                    INSERT INTO rolloutAnalyses (promotionID, step, at, passed, detail, canary, stable)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    analysis.promotionID, analysis.step, analysis.at, analysis.passed, analysis.detail, canary, stable,
                ])
        }
    }

    /// The analyses of a promotion, in the order they ran.
    public func analyses(promotionID: String) throws -> [RolloutAnalysisRecord] {
        try read("list the analyses of \(promotionID)") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM rolloutAnalyses WHERE promotionID = ? ORDER BY id", arguments: [promotionID]
            ).map { row in
                let decoder = JSONDecoder()
                return RolloutAnalysisRecord(
                    promotionID: row["promotionID"], step: row["step"], at: row["at"], passed: row["passed"],
                    detail: row["detail"],
                    canary: (try? decoder.decode(TrafficCounters.self, from: Data((row["canary"] as String).utf8)))
                        ?? TrafficCounters(),
                    stable: (try? decoder.decode(TrafficCounters.self, from: Data((row["stable"] as String).utf8)))
                        ?? TrafficCounters())
            }
        }
    }

    /// Makes `digest` the stable release with all the traffic and retires every other instance (they
    /// drain, then stop), in one transaction: the proxy never sees two stable releases.
    public func makeStable(app: String, environment: String, digest: Digest, at date: Date = Date()) throws {
        try write("switch \(app) in \(environment) to \(digest.short)") { db in
            try db.execute(
                sql: """
                    UPDATE releaseInstances SET role = 'retired', weight = 0, desiredAt = ?, generation = generation + 1, applied = 0
                    WHERE app = ? AND environment = ? AND digest != ? AND role != 'retired'
                    """,
                arguments: [date, app, environment, digest])
            try db.execute(
                sql: """
                    INSERT INTO releaseInstances (app, environment, digest, role, weight, desiredAt, state)
                    VALUES (?, ?, ?, 'stable', 100, ?, 'pending')
                    ON CONFLICT (app, environment, digest) DO UPDATE SET
                        role = 'stable', weight = 100, desiredAt = excluded.desiredAt, generation = generation + 1, applied = 0
                    """,
                arguments: [app, environment, digest, date])
        }
    }

    /// Aborts a canary: it is retired (it drains, then stops) and the stable release takes all the
    /// traffic again, in one transaction.
    public func abortCanary(app: String, environment: String, digest: Digest, at date: Date = Date()) throws {
        try write("abort the canary \(app)@\(digest.short) in \(environment)") { db in
            try db.execute(
                sql: """
                    UPDATE releaseInstances SET role = 'retired', weight = 0, desiredAt = ?, generation = generation + 1,
                        applied = 0
                    WHERE app = ? AND environment = ? AND digest = ? AND role = 'canary'
                    """,
                arguments: [date, app, environment, digest])
            try db.execute(
                sql: """
                    UPDATE releaseInstances SET weight = 100, desiredAt = ?, generation = generation + 1, applied = 0
                    WHERE app = ? AND environment = ? AND role = 'stable' AND weight != 100
                    """,
                arguments: [date, app, environment])
        }
    }

    /// Retires one instance (a canary that is abandoned or failed): it drains, then stops.
    public func retireInstance(app: String, environment: String, digest: Digest, at date: Date = Date()) throws {
        try write("retire \(app)@\(digest.short) in \(environment)") { db in
            try db.execute(
                sql: """
                    UPDATE releaseInstances SET role = 'retired', weight = 0, desiredAt = ?, generation = generation + 1, applied = 0
                    WHERE app = ? AND environment = ? AND digest = ? AND role != 'stable'
                    """,
                arguments: [date, app, environment, digest])
        }
    }

    /// What the host sees of one instance. `appliedGeneration`: the proxy routes by the role and
    /// weight of that generation; recorded only if they did not change since (so a newer wish is
    /// never marked applied by an older observation).
    public func observeInstance(
        app: String, environment: String, digest: Digest, state: ReleaseInstance.State, port: Int?, detail: String,
        appliedGeneration: Int?, at date: Date = Date()
    ) throws {
        try write("record the state of \(app)@\(digest.short) in \(environment)") { db in
            try db.execute(
                sql: """
                    UPDATE releaseInstances SET state = ?, port = ?, detail = ?, observedAt = ?,
                        applied = CASE WHEN ? IS NOT NULL AND generation = ? THEN 1 ELSE applied END
                    WHERE app = ? AND environment = ? AND digest = ?
                    """,
                arguments: [
                    state.rawValue, port, detail, date, appliedGeneration, appliedGeneration, app, environment, digest,
                ])
        }
    }

    /// Forgets an instance the host stopped.
    public func removeInstance(app: String, environment: String, digest: Digest) throws {
        try write("forget \(app)@\(digest.short) in \(environment)") { db in
            try db.execute(
                sql:
                    "DELETE FROM releaseInstances WHERE app = ? AND environment = ? AND digest = ? AND role = 'retired'",
                arguments: [app, environment, digest])
        }
    }

    /// The host's heartbeat; fails when another live host serves the same app and environment.
    ///
    /// A beat is stamped when it is written (or with the time it carries, when that is later): a
    /// write that waited for the database (a checkpoint's fsync on a busy disk) lands fresh, rather
    /// than with the time it was asked for, which could already be older than the timeout.
    public func beat(_ host: EnvironmentHostRecord) throws {
        try write("record the heartbeat of the \(host.environment) host") { db in
            var host = host
            host.heartbeatAt = max(host.heartbeatAt, Date())
            if let row = try Row.fetchOne(
                db, sql: "SELECT * FROM environmentHosts WHERE app = ? AND environment = ?",
                arguments: [host.app, host.environment]),
                let other = try? Self.environmentHost(row),
                other.pid != host.pid || other.host != host.host, other.isAlive(at: host.heartbeatAt)
            {
                throw StoreError(
                    "gantry proxy (pid \(other.pid) on \(other.host), listening on \(other.listen)) already hosts \(host.app) in \(host.environment)"
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO environmentHosts (app, environment, pid, host, listen, heartbeatAt) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (app, environment) DO UPDATE SET
                        pid = excluded.pid, host = excluded.host, listen = excluded.listen, heartbeatAt = excluded.heartbeatAt
                    """,
                arguments: [host.app, host.environment, host.pid, host.host, host.listen, host.heartbeatAt])
        }
    }

    /// The host of `app` in `environment`, alive or not.
    public func environmentHost(app: String, environment: String) throws -> EnvironmentHostRecord? {
        try read("look up the \(environment) host") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM environmentHosts WHERE app = ? AND environment = ?",
                arguments: [app, environment]
            ).map(Self.environmentHost)
        }
    }

    /// Removes the heartbeat of a host that stops.
    public func removeEnvironmentHost(app: String, environment: String, pid: Int32) throws {
        try write("remove the \(environment) host") { db in
            try db.execute(
                sql: "DELETE FROM environmentHosts WHERE app = ? AND environment = ? AND pid = ?",
                arguments: [app, environment, pid])
        }
    }

    static func releaseInstance(_ row: Row) throws -> ReleaseInstance {
        guard let role = ReleaseInstance.Role(rawValue: row["role"]),
            let state = ReleaseInstance.State(rawValue: row["state"])
        else {
            throw StoreError("the state database holds an unknown release role or state: it is damaged or newer")
        }
        return ReleaseInstance(
            app: row["app"], environment: row["environment"], digest: try digest(row, "digest"), role: role,
            weight: row["weight"], desiredAt: row["desiredAt"], generation: row["generation"], state: state,
            port: row["port"], detail: row["detail"],
            applied: row["applied"], observedAt: row["observedAt"],
            traffic: (row["traffic"] as String?).flatMap {
                try? JSONDecoder().decode(TrafficCounters.self, from: Data($0.utf8))
            })
    }

    static func environmentHost(_ row: Row) throws -> EnvironmentHostRecord {
        EnvironmentHostRecord(
            app: row["app"], environment: row["environment"], pid: row["pid"], host: row["host"],
            listen: row["listen"], heartbeatAt: row["heartbeatAt"])
    }
}
