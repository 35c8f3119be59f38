public import Foundation
public import GantryCore

// The state a Gantry installation keeps, per concern, as async protocols: the SQLite store implements
// them today (`Store.SQLiteRepositories`), PostgreSQL will implement the same protocols for a shared
// server, and one conformance suite (Tests/StoreConformanceTests) holds every implementation to the
// same behaviour, concurrency included.

/// Runs, their jobs and the job artifacts they stored.
public protocol RunRepository: Sendable {
    /// A number that changes whenever anything in the state changes and stays the same otherwise:
    /// equal stamps mean a response built from the state is still true. A write through this
    /// repository moves it at once; one by another process or connection within a short delay
    /// (SQLite: `StateStore.externalChangeDelay`).
    func changeStamp() async throws -> Int64
    func beginRun(_ run: RunRecord) async throws
    func finishRun(id: String, status: RunStatus, finishedAt: Date, durationMs: Int64) async throws
    /// Records finished jobs (with attempts and steps) in one transaction.
    func recordJobs(_ jobs: [JobRecord]) async throws
    /// The newest runs first.
    func runs(limit: Int) async throws -> [RunRecord]
    /// One page of runs, newest first, filtered by `query`.
    func runs(_ query: RunQuery) async throws -> [RunRecord]
    /// A run by id, by unique prefix, or `latest`.
    func run(matching idOrPrefix: String) async throws -> RunRecord?
    func jobs(runID: String) async throws -> [JobRecord]
    /// How each job of these runs ended (no attempts or steps), in one read.
    func jobOutcomes(runIDs: [String]) async throws -> [JobOutcome]
    /// Keeps the jobs a begun run planned with their needs (a later record replaces an earlier one).
    func recordRunGraph(runID: String, _ graph: [RunGraphNode]) async throws
    /// The jobs the run planned with their needs (nil for runs recorded before graphs were kept).
    func runGraph(runID: String) async throws -> [RunGraphNode]?
    /// Fails (`StoreError`) when the run already has an artifact by that name.
    func addJobArtifact(_ record: JobArtifactRecord) async throws
    func jobArtifacts(runID: String, jobIDs: [String]?) async throws -> [JobArtifactRecord]
}

/// Promotions and the environment pointers they move. At most one promotion is open per app and
/// environment, whoever asks (another process, another host): the store enforces it. A promotion
/// that deploys holds a lease with a fencing token (`PromotionRecord.leaseExpiresAt`, `fencingToken`,
/// granted when it is opened or taken over): its process renews it, and once it has expired any
/// process may close the promotion as abandoned.
public protocol PromotionRepository: Sendable {
    /// Records `record` as the open promotion of its app and environment; throws `PromotionConflict`
    /// naming the open one when there is one. An open promotion `isStale` judges abandoned (its
    /// process is gone, its lease expired) is first closed as `abandoned` — after `stopLeftovers` has
    /// stopped what its deploy left running, so an orphaned deploy never finishes after a newer one —
    /// and the lock taken.
    func openPromotion(
        _ record: PromotionRecord, isStale: @escaping @Sendable (PromotionRecord) -> Bool,
        stopLeftovers: @escaping @Sendable (PromotionRecord) -> Void
    ) async throws -> PromotionRecord
    func openPromotion(app: String, environment: String) async throws -> PromotionRecord?
    /// Every open promotion (awaiting approval, deploying, verifying, rolling back), optionally of one app.
    func openPromotions(app: String?) async throws -> [PromotionRecord]
    func promotion(id: String) async throws -> PromotionRecord?
    func promotions(app: String?, environment: String?, limit: Int) async throws -> [PromotionRecord]
    /// Compare-and-set: moves the promotion to `status` only if it is in one of `from`; true if it did.
    /// With an owner (`pid`, `ownerStart`, `ownerMark`) and a `lease`, the calling process takes the
    /// promotion over: the lease runs until then, with a new fencing token.
    func transition(
        _ id: String, from: [PromotionStatus], to status: PromotionStatus, detail: String, pid: Int32?,
        ownerStart: Int64?, ownerMark: String?, lease: Date?
    ) async throws -> Bool
    /// Extends the lease of an open promotion if `token` still holds it; false otherwise.
    func renewLease(_ id: String, token: Int64, until: Date) async throws -> Bool
    /// Closes a deploying or verifying promotion; a verified one moves the pointer (and last-known-good).
    func completePromotion(_ id: String, verified: Bool, detail: String, at date: Date) async throws
    /// Closes a promotion whose deployment failed and whose environment was redeployed to `restored`
    /// (last-known-good), in one transaction.
    func closeRolledBack(_ id: String, restored: PromotionRecord, detail: String, at date: Date) async throws
    /// Succeeded deployments of `app` in `environment`, newest first (one per promotion).
    func deployments(app: String, environment: String) async throws -> [PromotionRecord]
    /// Digests any open promotion refers to (garbage collection keeps them).
    func digestsInOpenPromotions() async throws -> Set<Digest>
    func pointer(app: String, environment: String) async throws -> EnvironmentPointer?
    func pointers(app: String?) async throws -> [EnvironmentPointer]
    /// Whether `digest` was verified in that environment (for `requires:`).
    func hasPassed(app: String, environment: String, digest: Digest) async throws -> Bool
}

extension PromotionRepository {
    /// Compare-and-set: moves the promotion to `status` only if it is in one of `from`; true if it did.
    @discardableResult
    public func transition(_ id: String, from: [PromotionStatus], to status: PromotionStatus, detail: String)
        async throws -> Bool
    {
        try await transition(
            id, from: from, to: status, detail: detail, pid: nil, ownerStart: nil, ownerMark: nil, lease: nil)
    }

    /// Records `record` as the open promotion of its app and environment; throws `PromotionConflict`
    /// naming the open one when there is one (none is judged abandoned).
    public func openPromotion(_ record: PromotionRecord) async throws -> PromotionRecord {
        try await openPromotion(record, isStale: { _ in false }, stopLeftovers: { _ in })
    }
}

/// Users, approvals and rejections.
public protocol ApprovalRepository: Sendable {
    func upsertUser(name: String, role: String, at date: Date) async throws
    func user(_ name: String) async throws -> UserRecord?
    func users() async throws -> [UserRecord]
    /// Fails when the approver already approved that promotion.
    func addApproval(_ approval: ApprovalRecord) async throws
    func approvals(of promotionID: String) async throws -> [ApprovalRecord]
    /// Records a rejection (the first one for a digest stands); returns the one in force.
    func reject(_ rejection: RejectionRecord) async throws -> RejectionRecord
    func rejection(app: String, digest: Digest) async throws -> RejectionRecord?
    /// Stores a new TOTP secret for a user (as given: the caller encrypts it), forgetting the previous
    /// one. A lockout and the count of wrong codes stay: enrolling again never lifts them.
    func setTOTPSecret(_ secret: String, for name: String) async throws
    /// Takes one of `limit` attempts at a TOTP code, counted inside one transaction, so any number of
    /// concurrent guesses get at most `limit` checks before a lockout of `lockout` seconds.
    func beginTOTPAttempt(for name: String, limit: Int, lockout: TimeInterval, at now: Date) async throws
        -> TOTPAttempt
    /// After a good code: the attempts taken so far (and a lock the last of them set) are forgiven.
    func resetTOTPFailures(for name: String) async throws
    /// Marks TOTP time step `step` used by `name`. False when that step or a later one was already
    /// used: a code is accepted once, and never one older than the last accepted.
    func consumeTOTPStep(_ step: Int64, for name: String) async throws -> Bool
}

/// The append-only, hash-chained audit log.
public protocol AuditLog: Sendable {
    /// Appends an entry after the current head; concurrent appends are serialized, never forked.
    func appendAudit(actor: String, action: String, subject: String, details: [String: String], at timestamp: Date)
        async throws -> AuditEntry
    func auditEntries(subjectPrefix: String?, limit: Int) async throws -> [AuditEntry]
    func auditHead() async throws -> (sequence: Int64, hash: String)?
    /// Checks the whole chain; with an `anchor` (a signed checkpoint), also that the entry at its
    /// sequence still has its hash.
    func verifyAudit(anchor: (sequence: Int64, hash: String)?) async throws -> AuditVerification
}

extension AuditLog {
    /// Checks the whole chain.
    public func verifyAudit() async throws -> AuditVerification { try await verifyAudit(anchor: nil) }
}

/// Cache entries (key → snapshot), build-avoidance entries and where snapshots were made.
public protocol CacheIndex: Sendable {
    func cacheDigest(forKey key: String) async throws -> Digest?
    /// Entries whose key starts with `prefix`, newest first.
    func cacheEntries(withPrefix prefix: String, limit: Int) async throws -> [(key: String, digest: Digest)]
    /// The first writer of a key wins.
    func saveCacheEntry(key: String, digest: Digest, size: Int64) async throws
    func avoidance(forKey key: String) async throws -> AvoidanceEntry?
    func saveAvoidance(_ entry: AvoidanceEntry) async throws
    func recordSnapshotOrigin(digest: Digest, workspace: String, pathBound: Bool) async throws
    func snapshotOrigin(digest: Digest) async throws -> (workspace: String, pathBound: Bool)?
    /// Keeps the parts of job `job`'s avoidance key at its latest success in `workspace`.
    func saveAvoidanceManifest(workspace: String, job: String, key: String, manifest: String, runID: String)
        async throws
    /// The parts of job `job`'s avoidance key at its latest success in `workspace`, by label.
    func avoidanceManifest(workspace: String, job: String) async throws -> (
        key: String, parts: [String: String], runID: String
    )?
    /// Marks cache and avoidance entries as used at `date` (one transaction for a whole run's hits).
    func markUsed(cacheKeys: Set<String>, avoidanceKeys: Set<String>, at date: Date) async throws
    /// Removes cache and avoidance entries neither saved nor used since `unusedSince`, and job
    /// artifacts stored before `artifactsBefore`; with `dryRun`, only counts them.
    func expireCache(unusedSince: Date, artifactsBefore: Date, dryRun: Bool) async throws -> CacheExpiry
    /// Every snapshot blob something still points at: cache entries, avoidance entries, job artifacts.
    /// With cutoffs (a dry run of `expireCache`), what it would remove does not count.
    func referencedSnapshots(unusedSince: Date?, artifactsBefore: Date?) async throws -> Set<String>
    /// Forgets where swept snapshots were made.
    func forgetSnapshotOrigins(_ digests: [String]) async throws
    /// The remembered digests of input files, by path, with the stamp each file had.
    func fileDigests() async throws -> [String: (FileStamp, String)]
    /// Remembers input file digests (a path's newer entry replaces its older one).
    func saveFileDigests(_ entries: [(path: String, stamp: FileStamp, digest: String)]) async throws
}

/// The offline OSV database.
public protocol VulnerabilityDatabase: Sendable {
    /// Stores records (a loaded one is replaced only by a newer `modified`); returns how many changed.
    func importOSV(_ records: [StoredOSVRecord]) async throws -> Int
    /// The JSON of every record affecting a package.
    func osvRecords(ecosystem: String, name: String) async throws -> [Data]
    func osvStatus() async throws -> [(ecosystem: String, records: Int, newest: String)]
}

/// Blobs of the artifact store whose content was found to match their digest, with the file's stamp
/// then: an unchanged file need not be hashed again.
public protocol VerifiedBlobLog: Sendable {
    /// The stamp a blob had when its content was last found to match its digest.
    func verifiedBlobStamp(_ digest: String) async throws -> BlobStamp?
    /// Remembers that the blob with `stamp` matched its digest.
    func recordVerifiedBlob(_ digest: String, stamp: BlobStamp) async throws
}

/// Which registries and repositories a digest was pushed to.
public protocol RegistryPushLog: Sendable {
    func recordPush(registry: String, repository: String, digest: Digest, at date: Date) async throws
    func pushedRepositories(registry: String, digest: Digest) async throws -> [String]
}

/// A server's API tokens (only their hashes).
public protocol TokenRepository: Sendable {
    /// Fails (`StoreError`) when a token with that id or hash exists.
    func addToken(_ token: APITokenRecord) async throws
    /// The token whose secret hashes to `hash`, valid or not (the caller judges expiry and revocation).
    func token(hash: String) async throws -> APITokenRecord?
    /// Every token, newest first.
    func tokens() async throws -> [APITokenRecord]
    /// Revokes a token by id; false when there is none or it was already revoked.
    func revokeToken(id: String, at date: Date) async throws -> Bool
    /// Notes that a token was used (at most once a minute is written).
    func touchToken(id: String, at date: Date) async throws
}

/// The runs a server was asked for, and the webhook deliveries it has seen.
public protocol RunQueueRepository: Sendable {
    /// Queues `run`; with a `delivery`, only if that delivery was not seen before (recorded in the same
    /// transaction). Returns false for a replayed delivery: nothing was queued.
    func enqueue(_ run: QueuedRun, delivery: WebhookDelivery?) async throws -> Bool
    /// Takes the oldest queued run (queued → started) for a worker, or nil when none waits. Two
    /// workers never take the same run.
    func claimQueuedRun(at date: Date) async throws -> QueuedRun?
    /// Links a started entry to the run the engine recorded.
    func attachRun(queueID: String, runID: String) async throws
    /// Closes a queue entry with `status` (finished, skipped, failed, cancelled); false when it was
    /// already closed.
    func closeQueuedRun(id: String, status: QueuedRun.Status, detail: String?, at date: Date) async throws -> Bool
    func queuedRun(id: String) async throws -> QueuedRun?
    /// Entries newest first, optionally only those in `statuses`.
    func queuedRuns(statuses: [QueuedRun.Status]?, limit: Int) async throws -> [QueuedRun]
    /// After a server restart: entries left `started` become `interrupted`; returns them.
    func interruptStartedRuns(at date: Date) async throws -> [QueuedRun]
}

/// What alerts already did: an Alertmanager notification repeats while the alert fires, and must roll
/// a release back once.
public protocol AlertActionLog: Sendable {
    /// Records that the alert `fingerprint` acted on `digest` of `app` in `environment`; false when it
    /// already had (nothing recorded then).
    func claimAlertAction(fingerprint: String, digest: Digest, app: String, environment: String, at date: Date)
        async throws -> Bool
}

/// Releases run as processes behind `gantry proxy`, and requests to a rollout in progress.
public protocol RolloutRepository: Sendable {
    /// The releases of `app` in `environment`, stable first.
    func releaseInstances(app: String, environment: String) async throws -> [ReleaseInstance]
    /// Asks the rollout of `app` in `environment` to go on or to stop (the latest request wins).
    func sendRolloutSignal(app: String, environment: String, _ signal: RolloutSignal, actor: String, at date: Date)
        async throws
    /// Takes the pending request, if any: each request is taken once.
    func takeRolloutSignal(app: String, environment: String) async throws -> (signal: RolloutSignal, actor: String)?
    /// Records where the rollout of `app` in `environment` is.
    func recordRolloutProgress(app: String, environment: String, _ progress: RolloutProgress) async throws
    /// Where the latest rollout of `app` in `environment` got to.
    func rolloutProgress(app: String, environment: String) async throws -> RolloutProgress?
    /// The pending request for the rollout of `app` in `environment`, left in place.
    func pendingRolloutSignal(app: String, environment: String) async throws -> RolloutSignal?
    /// Forgets requests sent before a rollout started.
    func clearRolloutSignal(app: String, environment: String) async throws
    /// Keeps one analysis of a rollout.
    func recordAnalysis(_ analysis: RolloutAnalysisRecord) async throws
    /// The analyses of a promotion, in the order they ran.
    func analyses(promotionID: String) async throws -> [RolloutAnalysisRecord]
    /// Starts `digest` as a canary at `weight` (0: ready but without traffic), or changes its weight.
    /// A retired instance of the same digest is brought back (it may still be running).
    func wantCanary(app: String, environment: String, digest: Digest, weight: Int, at date: Date) async throws
    /// Gives the canary `digest` `weight` percent of new requests and the stable release the rest, in
    /// one transaction.
    func setCanaryWeight(app: String, environment: String, digest: Digest, weight: Int, at date: Date) async throws
    /// Makes `digest` the stable release with all the traffic and retires every other instance (they
    /// drain, then stop), in one transaction: the proxy never sees two stable releases.
    func makeStable(app: String, environment: String, digest: Digest, at date: Date) async throws
    /// Aborts a canary: it is retired (it drains, then stops) and the stable release takes all the
    /// traffic again, in one transaction.
    func abortCanary(app: String, environment: String, digest: Digest, at date: Date) async throws
    /// Retires one instance that is not the stable release (a canary that is abandoned or failed): it
    /// drains, then stops.
    func retireInstance(app: String, environment: String, digest: Digest, at date: Date) async throws
    /// The `gantry proxy` hosting `app` in `environment`, alive or not.
    func environmentHost(app: String, environment: String) async throws -> EnvironmentHostRecord?
    /// The host's heartbeat; fails when another live host serves the same app and environment. It is
    /// stamped when written, or with the time it carries when that is later.
    func beat(_ host: EnvironmentHostRecord) async throws
    /// Removes the heartbeat of a host that stops (only its own: `pid`).
    func removeEnvironmentHost(app: String, environment: String, pid: Int32) async throws
    /// What the host sees of one instance. `appliedGeneration`: the proxy routes by the role and
    /// weight of that generation; recorded only if they did not change since (so a newer wish is
    /// never marked applied by an older observation).
    func observeInstance(
        app: String, environment: String, digest: Digest, state: ReleaseInstance.State, port: Int?, detail: String,
        appliedGeneration: Int?, at date: Date
    ) async throws
    /// The host's latest counters for one release.
    func recordTraffic(app: String, environment: String, digest: Digest, _ traffic: TrafficCounters, at date: Date)
        async throws
    /// Forgets a retired instance the host stopped.
    func removeInstance(app: String, environment: String, digest: Digest) async throws
}

/// Notifications waiting to be delivered. The store writes them itself, in the transaction of the
/// change they report (a run finished, a promotion succeeded or failed, an approval was requested).
public protocol Outbox: Sendable {
    /// Pending events due at `date`, oldest first.
    func dueEvents(at date: Date, limit: Int) async throws -> [OutboxEvent]
    func markDelivered(_ id: String, at date: Date) async throws
    /// Records a failed attempt: the event is tried again at `retryAt`, or becomes dead when `retryAt`
    /// is nil.
    func markFailed(_ id: String, error: String, retryAt: Date?) async throws
    /// Events in `state`, newest first.
    func outboxEvents(state: OutboxEvent.State, limit: Int) async throws -> [OutboxEvent]
    /// Sends a dead event again (pending, due now, attempts reset); false when it is not dead.
    func retryEvent(_ id: String, at date: Date) async throws -> Bool
    /// Deletes delivered events written before `delivered` and dead ones written before `dead`
    /// (pending ones are never deleted); returns how many.
    func pruneOutbox(deliveredBefore delivered: Date, deadBefore dead: Date) async throws -> Int
}

/// Aggregates over the state (for `/metrics`), computed by the store.
public protocol StateStatistics: Sendable {
    func stateCounts() async throws -> StateCounts
}

/// Every concern of the state, as one implementation provides them.
public typealias StateRepositories =
    RunRepository & PromotionRepository & ApprovalRepository & AuditLog & CacheIndex & VulnerabilityDatabase
    & RegistryPushLog & VerifiedBlobLog & TokenRepository & RunQueueRepository & AlertActionLog & RolloutRepository
    & Outbox
    & StateStatistics
