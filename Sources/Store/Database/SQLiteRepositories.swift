import Dispatch
public import Foundation
import GantryCore

/// The SQLite implementation of the state's repository protocols: a `StateStore` (one GRDB pool)
/// whose blocking database work runs on a dispatch queue, off Swift's cooperative thread pool, so a
/// server's tasks never wait behind SQLite.
public struct SQLiteRepositories: StateRepositories {
    public let store: StateStore

    public init(store: StateStore) { self.store = store }

    /// Work the database does for one call, on a thread of its own rather than a cooperative one.
    private static let queue = DispatchQueue(label: "gantry.sqlite", attributes: .concurrent)

    private func blocking<T: Sendable>(_ body: @escaping @Sendable (StateStore) throws -> T) async throws -> T {
        let store = self.store
        return try await withCheckedThrowingContinuation { continuation in
            Self.queue.async { continuation.resume(with: Result { try body(store) }) }
        }
    }

    // MARK: RunRepository

    public func changeStamp() async throws -> Int64 {
        // Most requests find a recent reading: no hop to the database queue.
        if let stamp = store.recentChangeStamp() { return stamp }
        return try await blocking { try $0.changeStamp() }
    }

    public func beginRun(_ run: RunRecord) async throws { try await blocking { try $0.beginRun(run) } }

    public func finishRun(id: String, status: RunStatus, finishedAt: Date, durationMs: Int64) async throws {
        try await blocking { try $0.finishRun(id: id, status: status, finishedAt: finishedAt, durationMs: durationMs) }
    }

    public func recordJobs(_ jobs: [JobRecord]) async throws { try await blocking { try $0.recordJobs(jobs) } }

    public func runs(limit: Int) async throws -> [RunRecord] { try await blocking { try $0.runs(limit: limit) } }

    public func runs(_ query: RunQuery) async throws -> [RunRecord] { try await blocking { try $0.runs(query) } }

    public func run(matching idOrPrefix: String) async throws -> RunRecord? {
        try await blocking { try $0.run(matching: idOrPrefix) }
    }

    public func jobOutcomes(runIDs: [String]) async throws -> [JobOutcome] {
        try await blocking { try $0.jobOutcomes(runIDs: runIDs) }
    }

    public func runGraph(runID: String) async throws -> [RunGraphNode]? {
        try await blocking { try $0.runGraph(runID: runID) }
    }

    public func jobs(runID: String) async throws -> [JobRecord] { try await blocking { try $0.jobs(runID: runID) } }

    public func addJobArtifact(_ record: JobArtifactRecord) async throws {
        try await blocking { try $0.addJobArtifact(record) }
    }

    public func jobArtifacts(runID: String, jobIDs: [String]?) async throws -> [JobArtifactRecord] {
        try await blocking { try $0.jobArtifacts(runID: runID, jobIDs: jobIDs) }
    }

    // MARK: PromotionRepository

    public func openPromotion(
        _ record: PromotionRecord, isStale: @escaping @Sendable (PromotionRecord) -> Bool,
        stopLeftovers: @escaping @Sendable (PromotionRecord) -> Void
    ) async throws -> PromotionRecord {
        try await blocking { try $0.openPromotion(record, isStale: isStale, stopLeftovers: stopLeftovers) }
    }

    public func closeRolledBack(_ id: String, restored: PromotionRecord, detail: String, at date: Date) async throws {
        try await blocking { try $0.closeRolledBack(id, restored: restored, detail: detail, at: date) }
    }

    public func deployments(app: String, environment: String) async throws -> [PromotionRecord] {
        try await blocking { try $0.deployments(app: app, environment: environment) }
    }

    public func digestsInOpenPromotions() async throws -> Set<Digest> {
        try await blocking { try $0.digestsInOpenPromotions() }
    }

    public func openPromotion(app: String, environment: String) async throws -> PromotionRecord? {
        try await blocking { try $0.openPromotion(app: app, environment: environment) }
    }

    public func openPromotions(app: String?) async throws -> [PromotionRecord] {
        try await blocking { try $0.openPromotions(app: app) }
    }

    public func promotion(id: String) async throws -> PromotionRecord? {
        try await blocking { try $0.promotion(id: id) }
    }

    public func promotions(app: String?, environment: String?, limit: Int) async throws -> [PromotionRecord] {
        try await blocking { try $0.promotions(app: app, environment: environment, limit: limit) }
    }

    public func transition(
        _ id: String, from: [PromotionStatus], to status: PromotionStatus, detail: String, pid: Int32?,
        ownerStart: Int64?, ownerMark: String?, lease: Date?
    ) async throws -> Bool {
        try await blocking {
            try $0.transition(
                id, from: from, to: status, detail: detail, pid: pid, ownerStart: ownerStart, ownerMark: ownerMark,
                lease: lease)
        }
    }

    public func renewLease(_ id: String, token: Int64, until: Date) async throws -> Bool {
        try await blocking { try $0.renewLease(id, token: token, until: until) }
    }

    public func completePromotion(_ id: String, verified: Bool, detail: String, at date: Date) async throws {
        try await blocking { try $0.completePromotion(id, verified: verified, detail: detail, at: date) }
    }

    public func pointer(app: String, environment: String) async throws -> EnvironmentPointer? {
        try await blocking { try $0.pointer(app: app, environment: environment) }
    }

    public func pointers(app: String?) async throws -> [EnvironmentPointer] {
        try await blocking { try $0.pointers(app: app) }
    }

    public func hasPassed(app: String, environment: String, digest: Digest) async throws -> Bool {
        try await blocking { try $0.hasPassed(app: app, environment: environment, digest: digest) }
    }

    // MARK: ApprovalRepository

    public func upsertUser(name: String, role: String, at date: Date) async throws {
        try await blocking { try $0.upsertUser(name: name, role: role, at: date) }
    }

    public func user(_ name: String) async throws -> UserRecord? { try await blocking { try $0.user(name) } }

    public func users() async throws -> [UserRecord] { try await blocking { try $0.users() } }

    public func addApproval(_ approval: ApprovalRecord) async throws {
        try await blocking { try $0.addApproval(approval) }
    }

    public func approvals(of promotionID: String) async throws -> [ApprovalRecord] {
        try await blocking { try $0.approvals(of: promotionID) }
    }

    public func reject(_ rejection: RejectionRecord) async throws -> RejectionRecord {
        try await blocking { try $0.reject(rejection) }
    }

    public func rejection(app: String, digest: Digest) async throws -> RejectionRecord? {
        try await blocking { try $0.rejection(app: app, digest: digest) }
    }

    // MARK: AuditLog

    public func appendAudit(
        actor: String, action: String, subject: String, details: [String: String], at timestamp: Date
    ) async throws -> AuditEntry {
        try await blocking {
            try $0.appendAudit(actor: actor, action: action, subject: subject, details: details, at: timestamp)
        }
    }

    public func auditEntries(subjectPrefix: String?, limit: Int) async throws -> [AuditEntry] {
        try await blocking { try $0.auditEntries(subjectPrefix: subjectPrefix, limit: limit) }
    }

    public func auditHead() async throws -> (sequence: Int64, hash: String)? {
        let head = try await blocking { store -> AuditHead? in try store.auditHead().map(AuditHead.init) }
        return head.map { ($0.sequence, $0.hash) }
    }

    public func verifyAudit(anchor: (sequence: Int64, hash: String)?) async throws -> AuditVerification {
        try await blocking { try $0.verifyAudit(anchor: anchor) }
    }

    // MARK: CacheIndex

    public func cacheDigest(forKey key: String) async throws -> Digest? {
        try await blocking { try $0.cacheDigest(forKey: key) }
    }

    public func cacheEntries(withPrefix prefix: String, limit: Int) async throws -> [(key: String, digest: Digest)] {
        try await blocking { store in
            try store.cacheEntries(withPrefix: prefix, limit: limit).map { KeyDigest(key: $0.key, digest: $0.digest) }
        }.map { ($0.key, $0.digest) }
    }

    public func saveCacheEntry(key: String, digest: Digest, size: Int64) async throws {
        try await blocking { try $0.saveCacheEntry(key: key, digest: digest, size: size) }
    }

    public func avoidance(forKey key: String) async throws -> AvoidanceEntry? {
        try await blocking { try $0.avoidance(forKey: key) }
    }

    public func saveAvoidance(_ entry: AvoidanceEntry) async throws {
        try await blocking { try $0.saveAvoidance(entry) }
    }

    public func recordSnapshotOrigin(digest: Digest, workspace: String, pathBound: Bool) async throws {
        try await blocking { try $0.recordSnapshotOrigin(digest: digest, workspace: workspace, pathBound: pathBound) }
    }

    public func snapshotOrigin(digest: Digest) async throws -> (workspace: String, pathBound: Bool)? {
        try await blocking { store in
            try store.snapshotOrigin(digest: digest).map { Origin(workspace: $0.workspace, pathBound: $0.pathBound) }
        }.map { ($0.workspace, $0.pathBound) }
    }

    // MARK: VulnerabilityDatabase

    public func importOSV(_ records: [StoredOSVRecord]) async throws -> Int {
        try await blocking { try $0.importOSV(records) }
    }

    public func osvRecords(ecosystem: String, name: String) async throws -> [Data] {
        try await blocking { try $0.osvRecords(ecosystem: ecosystem, name: name) }
    }

    public func osvStatus() async throws -> [(ecosystem: String, records: Int, newest: String)] {
        try await blocking { store in
            try store.osvStatus().map {
                EcosystemCount(ecosystem: $0.ecosystem, records: $0.records, newest: $0.newest)
            }
        }.map { ($0.ecosystem, $0.records, $0.newest) }
    }

    // MARK: RegistryPushLog

    public func recordPush(registry: String, repository: String, digest: Digest, at date: Date) async throws {
        try await blocking { try $0.recordPush(registry: registry, repository: repository, digest: digest, at: date) }
    }

    public func pushedRepositories(registry: String, digest: Digest) async throws -> [String] {
        try await blocking { try $0.pushedRepositories(registry: registry, digest: digest) }
    }

    // Sendable carriers for the tuples the protocols return.
    private struct AuditHead: Sendable {
        var sequence: Int64
        var hash: String
    }
    private struct KeyDigest: Sendable {
        var key: String
        var digest: Digest
    }
    private struct Origin: Sendable {
        var workspace: String
        var pathBound: Bool
    }
    private struct EcosystemCount: Sendable {
        var ecosystem: String
        var records: Int
        var newest: String
    }

    // MARK: TokenRepository

    public func addToken(_ token: APITokenRecord) async throws { try await blocking { try $0.addToken(token) } }

    public func token(hash: String) async throws -> APITokenRecord? {
        try await blocking { try $0.token(hash: hash) }
    }

    public func tokens() async throws -> [APITokenRecord] { try await blocking { try $0.tokens() } }

    public func revokeToken(id: String, at date: Date) async throws -> Bool {
        try await blocking { try $0.revokeToken(id: id, at: date) }
    }

    public func touchToken(id: String, at date: Date) async throws {
        try await blocking { try $0.touchToken(id: id, at: date) }
    }

    // MARK: RunQueueRepository

    public func enqueue(_ run: QueuedRun, delivery: WebhookDelivery?) async throws -> Bool {
        try await blocking { try $0.enqueue(run, delivery: delivery) }
    }

    public func claimQueuedRun(at date: Date) async throws -> QueuedRun? {
        try await blocking { try $0.claimQueuedRun(at: date) }
    }

    public func attachRun(queueID: String, runID: String) async throws {
        try await blocking { try $0.attachRun(queueID: queueID, runID: runID) }
    }

    public func closeQueuedRun(id: String, status: QueuedRun.Status, detail: String?, at date: Date) async throws
        -> Bool
    {
        try await blocking { try $0.closeQueuedRun(id: id, status: status, detail: detail, at: date) }
    }

    public func queuedRun(id: String) async throws -> QueuedRun? { try await blocking { try $0.queuedRun(id: id) } }

    public func queuedRuns(statuses: [QueuedRun.Status]?, limit: Int) async throws -> [QueuedRun] {
        try await blocking { try $0.queuedRuns(statuses: statuses, limit: limit) }
    }

    public func interruptStartedRuns(at date: Date) async throws -> [QueuedRun] {
        try await blocking { try $0.interruptStartedRuns(at: date) }
    }

    // MARK: RolloutRepository

    public func releaseInstances(app: String, environment: String) async throws -> [ReleaseInstance] {
        try await blocking { try $0.releaseInstances(app: app, environment: environment) }
    }

    public func sendRolloutSignal(
        app: String, environment: String, _ signal: RolloutSignal, actor: String, at date: Date
    ) async throws {
        try await blocking {
            try $0.sendRolloutSignal(app: app, environment: environment, signal, actor: actor, at: date)
        }
    }

    public func takeRolloutSignal(app: String, environment: String) async throws -> (
        signal: RolloutSignal, actor: String
    )? {
        try await blocking { try $0.takeRolloutSignal(app: app, environment: environment) }
    }

    public func recordRolloutProgress(app: String, environment: String, _ progress: RolloutProgress) async throws {
        try await blocking { try $0.recordRolloutProgress(app: app, environment: environment, progress) }
    }

    public func rolloutProgress(app: String, environment: String) async throws -> RolloutProgress? {
        try await blocking { try $0.rolloutProgress(app: app, environment: environment) }
    }

    // MARK: AlertActionLog

    public func claimAlertAction(fingerprint: String, digest: Digest, app: String, environment: String, at date: Date)
        async throws -> Bool
    {
        try await blocking {
            try $0.claimAlertAction(
                fingerprint: fingerprint, digest: digest, app: app, environment: environment, at: date)
        }
    }

    // MARK: Outbox

    public func dueEvents(at date: Date, limit: Int) async throws -> [OutboxEvent] {
        try await blocking { try $0.dueEvents(at: date, limit: limit) }
    }

    public func markDelivered(_ id: String, at date: Date) async throws {
        try await blocking { try $0.markDelivered(id, at: date) }
    }

    public func markFailed(_ id: String, error: String, retryAt: Date?) async throws {
        try await blocking { try $0.markFailed(id, error: error, retryAt: retryAt) }
    }

    public func outboxEvents(state: OutboxEvent.State, limit: Int) async throws -> [OutboxEvent] {
        try await blocking { try $0.outboxEvents(state: state, limit: limit) }
    }

    public func pruneOutbox(deliveredBefore delivered: Date, deadBefore dead: Date) async throws -> Int {
        try await blocking { try $0.pruneOutbox(deliveredBefore: delivered, deadBefore: dead) }
    }

    public func stateCounts() async throws -> StateCounts { try await blocking { try $0.stateCounts() } }

    public func retryEvent(_ id: String, at date: Date) async throws -> Bool {
        try await blocking { try $0.retryEvent(id, at: date) }
    }

    // MARK: TOTP

    public func setTOTPSecret(_ secret: String, for name: String) async throws {
        try await blocking { try $0.setTOTPSecret(secret, for: name) }
    }

    public func beginTOTPAttempt(for name: String, limit: Int, lockout: TimeInterval, at now: Date) async throws
        -> TOTPAttempt
    {
        try await blocking { try $0.beginTOTPAttempt(for: name, limit: limit, lockout: lockout, at: now) }
    }

    public func resetTOTPFailures(for name: String) async throws {
        try await blocking { try $0.resetTOTPFailures(for: name) }
    }

    public func consumeTOTPStep(_ step: Int64, for name: String) async throws -> Bool {
        try await blocking { try $0.consumeTOTPStep(step, for: name) }
    }

    // MARK: VerifiedBlobLog

    public func verifiedBlobStamp(_ digest: String) async throws -> BlobStamp? {
        try await blocking { try $0.verifiedBlobStamp(digest) }
    }

    public func recordVerifiedBlob(_ digest: String, stamp: BlobStamp) async throws {
        try await blocking { try $0.recordVerifiedBlob(digest, stamp: stamp) }
    }

    // MARK: RolloutRepository (deploys)

    public func pendingRolloutSignal(app: String, environment: String) async throws -> RolloutSignal? {
        try await blocking { try $0.pendingRolloutSignal(app: app, environment: environment) }
    }

    public func clearRolloutSignal(app: String, environment: String) async throws {
        try await blocking { try $0.clearRolloutSignal(app: app, environment: environment) }
    }

    public func recordAnalysis(_ analysis: RolloutAnalysisRecord) async throws {
        try await blocking { try $0.recordAnalysis(analysis) }
    }

    public func analyses(promotionID: String) async throws -> [RolloutAnalysisRecord] {
        try await blocking { try $0.analyses(promotionID: promotionID) }
    }

    public func wantCanary(app: String, environment: String, digest: Digest, weight: Int, at date: Date) async throws {
        try await blocking {
            try $0.wantCanary(app: app, environment: environment, digest: digest, weight: weight, at: date)
        }
    }

    public func setCanaryWeight(app: String, environment: String, digest: Digest, weight: Int, at date: Date)
        async throws
    {
        try await blocking {
            try $0.setCanaryWeight(app: app, environment: environment, digest: digest, weight: weight, at: date)
        }
    }

    public func makeStable(app: String, environment: String, digest: Digest, at date: Date) async throws {
        try await blocking { try $0.makeStable(app: app, environment: environment, digest: digest, at: date) }
    }

    public func abortCanary(app: String, environment: String, digest: Digest, at date: Date) async throws {
        try await blocking { try $0.abortCanary(app: app, environment: environment, digest: digest, at: date) }
    }

    public func retireInstance(app: String, environment: String, digest: Digest, at date: Date) async throws {
        try await blocking { try $0.retireInstance(app: app, environment: environment, digest: digest, at: date) }
    }

    public func environmentHost(app: String, environment: String) async throws -> EnvironmentHostRecord? {
        try await blocking { try $0.environmentHost(app: app, environment: environment) }
    }

    // MARK: Runs and caches (the engine)

    public func recordRunGraph(runID: String, _ graph: [RunGraphNode]) async throws {
        try await blocking { try $0.recordRunGraph(runID: runID, graph) }
    }

    public func saveAvoidanceManifest(workspace: String, job: String, key: String, manifest: String, runID: String)
        async throws
    {
        try await blocking {
            try $0.saveAvoidanceManifest(workspace: workspace, job: job, key: key, manifest: manifest, runID: runID)
        }
    }

    public func avoidanceManifest(workspace: String, job: String) async throws -> (
        key: String, parts: [String: String], runID: String
    )? {
        try await blocking { try $0.avoidanceManifest(workspace: workspace, job: job) }
    }

    public func markUsed(cacheKeys: Set<String>, avoidanceKeys: Set<String>, at date: Date) async throws {
        try await blocking { try $0.markUsed(cacheKeys: cacheKeys, avoidanceKeys: avoidanceKeys, at: date) }
    }

    public func expireCache(unusedSince: Date, artifactsBefore: Date, dryRun: Bool) async throws -> CacheExpiry {
        try await blocking {
            try $0.expireCache(unusedSince: unusedSince, artifactsBefore: artifactsBefore, dryRun: dryRun)
        }
    }

    public func referencedSnapshots(unusedSince: Date?, artifactsBefore: Date?) async throws -> Set<String> {
        try await blocking { try $0.referencedSnapshots(unusedSince: unusedSince, artifactsBefore: artifactsBefore) }
    }

    public func forgetSnapshotOrigins(_ digests: [String]) async throws {
        try await blocking { try $0.forgetSnapshotOrigins(digests) }
    }

    public func fileDigests() async throws -> [String: (FileStamp, String)] {
        try await blocking { try $0.fileDigests() }
    }

    public func saveFileDigests(_ entries: [(path: String, stamp: FileStamp, digest: String)]) async throws {
        try await blocking { try $0.saveFileDigests(entries) }
    }

    // MARK: RolloutRepository (the environment host)

    public func beat(_ host: EnvironmentHostRecord) async throws { try await blocking { try $0.beat(host) } }

    public func removeEnvironmentHost(app: String, environment: String, pid: Int32) async throws {
        try await blocking { try $0.removeEnvironmentHost(app: app, environment: environment, pid: pid) }
    }

    public func observeInstance(
        app: String, environment: String, digest: Digest, state: ReleaseInstance.State, port: Int?, detail: String,
        appliedGeneration: Int?, at date: Date
    ) async throws {
        try await blocking {
            try $0.observeInstance(
                app: app, environment: environment, digest: digest, state: state, port: port, detail: detail,
                appliedGeneration: appliedGeneration, at: date)
        }
    }

    public func recordTraffic(
        app: String, environment: String, digest: Digest, _ traffic: TrafficCounters, at date: Date
    )
        async throws
    {
        try await blocking {
            try $0.recordTraffic(app: app, environment: environment, digest: digest, traffic, at: date)
        }
    }

    public func removeInstance(app: String, environment: String, digest: Digest) async throws {
        try await blocking { try $0.removeInstance(app: app, environment: environment, digest: digest) }
    }
}
