public import Artifacts
import Attestation
public import Foundation
import GantryCore
public import Pipeline
public import StateModel

/// Retention for the artifact store (`gantry gc`). Keeps, per app and environment, the last `keep`
/// digests deployed there, whatever an environment points to, every last-known-good and anything in an
/// open promotion. Removes artifacts deployed once but now beyond every environment's retention, and
/// never-promoted artifacts built on a branch other than the default ones once older than the TTL.
/// Then sweeps blobs nothing reaches.
public struct GarbageCollector: Sendable {
    public var state: any StateRepositories
    public var artifacts: ArtifactStore
    /// Gives each environment's `retention.keep` (10 for environments the pipeline does not define).
    public var pipeline: PipelineDefinition?
    /// How long never-promoted branch and pull-request artifacts live.
    public var ttl: TimeInterval
    /// Branches whose artifacts do not expire by TTL.
    public var defaultBranches: Set<String>
    /// Unreachable blobs younger than this are left alone (a concurrent pack may be writing them).
    public var grace: TimeInterval

    public init(
        state: any StateRepositories, artifacts: ArtifactStore, pipeline: PipelineDefinition?,
        ttl: TimeInterval = 7 * 86400,
        defaultBranches: Set<String> = ["main", "master"], grace: TimeInterval = 600
    ) {
        self.state = state
        self.artifacts = artifacts
        self.pipeline = pipeline
        self.ttl = ttl
        self.defaultBranches = defaultBranches
        self.grace = grace
    }

    /// One artifact removed (or to be removed) and why.
    public struct Removal: Sendable, Hashable {
        public var app: String
        public var digest: Digest
        public var tags: [String]
        public var reason: String
    }

    /// What a collection did.
    public struct Report: Sendable {
        public var removed: [Removal]
        public var kept: Int
        public var blobs: [SweptBlob]
        public var dryRun: Bool
        /// Temporary files of killed packs and pulls removed from `oci/.tmp`.
        public var temporaryBytesFreed: Int64 = 0
        public var bytesFreed: Int64 { blobs.reduce(0) { $0 + $1.size } + temporaryBytesFreed }

        /// Nothing collected (no artifact store to look at).
        public static func nothing(dryRun: Bool) -> Report { Report(removed: [], kept: 0, blobs: [], dryRun: dryRun) }
    }

    /// Decides, removes (unless `dryRun`), sweeps, and writes one audit row.
    public func collect(dryRun: Bool, actor: String, now: Date = Date()) async throws -> Report {
        let protected = try await protectedDigests()
        let deployed = Set(
            try await state.promotions(app: nil, environment: nil, limit: Int.max).filter { $0.status == .succeeded }
                .map(\.digest))
        let verifier = Verifier(store: artifacts, keys: [])
        var removed: [Removal] = []
        var kept = 0
        for artifact in try artifacts.artifacts() {
            let key = artifact.digest
            if protected.contains(key) {
                kept += 1
                continue
            }
            if deployed.contains(key) {
                removed.append(
                    Removal(
                        app: artifact.app, digest: artifact.digest, tags: artifact.tags,
                        reason: "deployed before, now beyond every environment's retention"))
                continue
            }
            guard let provenance = verifier.unverifiedProvenance(of: artifact),
                let reference = provenance.gitReference, let finished = provenance.finishedOn
            else {
                kept += 1
                continue
            }
            let branch = reference.hasPrefix("refs/heads/") ? String(reference.dropFirst("refs/heads/".count)) : nil
            let age = now.timeIntervalSince(finished)
            if !(branch.map(defaultBranches.contains) ?? false), age > ttl {
                removed.append(
                    Removal(
                        app: artifact.app, digest: artifact.digest, tags: artifact.tags,
                        reason:
                            "never promoted, built from \(reference) \(Int(age / 86400))d ago (TTL \(Int(ttl / 86400))d)"
                    ))
            } else {
                kept += 1
            }
        }
        if !dryRun {
            for removal in removed { try artifacts.remove(app: removal.app, digest: removal.digest) }
        }
        // A dry run changes nothing, so it computes what the index would reach without the removals.
        // An index that cannot be read throws here: nothing is swept on a guess.
        let reachable = try artifacts.reachableBlobs(without: dryRun ? removed.map { ($0.app, $0.digest) } : [])
        // What the state database needs must be in the index; if it is not, the index is damaged or
        // was replaced, and sweeping would delete what environments run.
        let missing = protected.filter { !reachable.contains($0) }.sorted { $0.description < $1.description }
        if let first = missing.first {
            throw InfrastructureError(
                "refusing to sweep: \(missing.count) digest(s) that environments run, last-known-good or retention "
                    + "keep (e.g. \(first)) are not in \(artifacts.layout.root.path)/index.json; restore the index "
                    + "from a backup or pull the artifacts again, then run gc")
        }
        let blobs = try artifacts.sweep(reachable: reachable, grace: grace, now: now, dryRun: dryRun)
        var report = Report(removed: removed, kept: kept, blobs: blobs, dryRun: dryRun)
        if !dryRun { report.temporaryBytesFreed = artifacts.layout.sweepTemporaryFiles(olderThan: 3600, now: now) }
        if !dryRun {
            try await state.appendAudit(
                actor: actor, action: "gc", subject: "store",
                details: [
                    "removed": removed.map { "\($0.app)@\($0.digest)" }.joined(separator: ","),
                    "kept": "\(kept)", "blobs": "\(blobs.count)", "bytes": "\(report.bytesFreed)",
                ])
        }
        return report
    }

    /// Digests that must stay: pointers, last-known-good, open promotions, the last `keep` per environment.
    func protectedDigests() async throws -> Set<Digest> {
        var protected = Set<Digest>()
        for pointer in try await state.pointers() {
            protected.insert(pointer.digest)
            if let good = pointer.lastKnownGood { protected.insert(good) }
        }
        protected.formUnion(try await state.digestsInOpenPromotions())
        var targets = Set<[String]>()
        for record in try await state.promotions(app: nil, environment: nil, limit: Int.max) {
            targets.insert([record.app, record.environment])
        }
        for target in targets {
            let keep = pipeline?.environment(target[1])?.retention ?? 10
            var recent: [Digest] = []
            for deployment in try await state.deployments(app: target[0], environment: target[1])
            where !recent.contains(deployment.digest) {
                recent.append(deployment.digest)
                if recent.count == keep { break }
            }
            protected.formUnion(recent)
        }
        return protected
    }
}
