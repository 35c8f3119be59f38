import Artifacts
import Foundation
import GantryCore
import Pipeline
import Proxy
import StateModel
import Synchronization

/// `gantry proxy --env ENV`: runs an app's releases in an environment as processes and serves
/// their traffic through the proxy, following what promotions write in the state (which release is
/// stable, which is a canary at what weight, which are retired) and reporting what it sees.
///
/// Every 100 ms it reconciles: starts releases that should run (each unpacked into a folder of its
/// own), routes traffic to those that are ready by their weights, lets retired ones drain for
/// `drain` and then stops them, and writes their state back. Its heartbeat (every second, on a thread
/// of its own) tells promotions a host is there; a second host for the same app and environment is
/// refused. The releases are children of this process: they stop with it (they never outlive their
/// owner).
public final class EnvironmentHost: Sendable {
    public let app: String
    public let environment: String
    private let definition: ProcessDeployDefinition
    private let state: any StateRepositories
    /// Writes the heartbeat synchronously (from the heartbeat's own thread, never the cooperative pool).
    private let heartbeat: @Sendable (EnvironmentHostRecord) throws -> Void
    private let artifacts: ArtifactStore
    private let stateDirectory: URL
    private let baseEnvironment: [String: String]
    public let routes: RouteTable
    private let releases = Mutex<[Digest: ReleaseProcess]>([:])
    private let listen: String
    private let stickyCookie: String?
    /// The environment's `secrets:`, given to its releases as variables and masked in their logs.
    private let secrets: [String: String]
    private let identity = ProcessIdentity.current
    /// The heartbeat thread, from the claim (or the start of `run`) until `run` ends.
    private let beating = Mutex<HostHeartbeat?>(nil)
    private let reporter = Mutex<(@Sendable (String) -> Void)?>(nil)
    private let beatProblem = Mutex<String?>(nil)

    public init(
        app: String, environment: String, definition: ProcessDeployDefinition, state: any StateRepositories,
        heartbeat: @escaping @Sendable (EnvironmentHostRecord) throws -> Void,
        artifacts: ArtifactStore, stateDirectory: URL, baseEnvironment: [String: String], routes: RouteTable,
        listen: String, stickyCookie: String? = nil, secrets: [String: String] = [:]
    ) {
        self.stickyCookie = stickyCookie
        self.secrets = secrets
        self.app = app
        self.environment = environment
        self.definition = definition
        self.state = state
        self.heartbeat = heartbeat
        self.artifacts = artifacts
        self.stateDirectory = stateDirectory
        self.baseEnvironment = baseEnvironment.filter { !$0.key.hasPrefix("GANTRY_SECRET_") }
        self.routes = routes
        self.listen = listen
    }

    /// Claims the app and environment (throws when another live host has them) and keeps beating
    /// from then on: a promotion started right after the claim finds the host alive even when the
    /// task that runs the host is slow to start.
    public func claim() throws {
        try beat()
        startBeating()
    }

    private func beat() throws {
        try heartbeat(
            EnvironmentHostRecord(
                app: app, environment: environment, pid: identity.pid, host: identity.host, listen: listen))
    }

    /// Starts the heartbeat thread once; a failed beat is reported (once per distinct problem) to the
    /// reporter `run` was given.
    private func startBeating() {
        beating.withLock { current in
            guard current == nil else { return }
            current = HostHeartbeat(interval: .seconds(1)) { [self] in
                do {
                    try beat()
                    beatProblem.withLock { $0 = nil }
                } catch {
                    let problem = "warning: \(error)"
                    let changed = beatProblem.withLock { last in
                        defer { last = problem }
                        return last != problem
                    }
                    if changed { reporter.withLock { $0 }?(problem) }
                }
            }
        }
    }

    /// Reconciles until the task is cancelled, then stops every release and removes the heartbeat.
    public func run(report: @escaping @Sendable (String) -> Void) async {
        reporter.withLock { $0 = report }
        startBeating()
        var lastCheck = ContinuousClock.now
        var applied = ProxyRoutes()
        var observed: [Digest: String] = [:]
        var reported: [Digest: TrafficCounters] = [:]
        var lastTraffic = ContinuousClock.now
        while !Task.isCancelled {
            do {
                if ContinuousClock.now - lastCheck >= .seconds(1) {
                    try await abortOrphanedCanaries(report: report)
                    lastCheck = ContinuousClock.now
                }
                try await reconcile(applied: &applied, observed: &observed, report: report)
                if ContinuousClock.now - lastTraffic >= .milliseconds(250) {
                    try await reportTraffic(&reported)
                    lastTraffic = ContinuousClock.now
                }
            } catch {
                report("warning: \(error)")
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        let running = releases.withLock { releases in
            defer { releases.removeAll() }
            return Array(releases.values)
        }
        routes.update(ProxyRoutes())
        for release in running { await release.stop() }
        await beating.withLock { current in
            defer { current = nil }
            return current
        }?.stop()
        try? await state.removeEnvironmentHost(app: app, environment: environment, pid: identity.pid)
    }

    private func reconcile(
        applied: inout ProxyRoutes, observed: inout [Digest: String], report: @escaping @Sendable (String) -> Void
    ) async throws {
        let instances = try await state.releaseInstances(app: app, environment: environment)
        let now = Date()
        var backends: [ProxyBackend] = []
        var wanted: Set<Digest> = []
        for instance in instances {
            if instance.role == .retired {
                if now.timeIntervalSince(instance.desiredAt) >= definition.drain.seconds
                    || running(instance.digest) == nil
                {
                    retire(instance, report: report)
                } else {
                    wanted.insert(instance.digest)
                }
                continue
            }
            wanted.insert(instance.digest)
            let release: ReleaseProcess
            do {
                release = try running(instance.digest) ?? start(instance, report: report)
            } catch {
                // Reported once per distinct problem; the promotion waiting for it fails with it.
                let detail = "cannot start: \(error)"
                if observed[instance.digest] != detail {
                    observed[instance.digest] = detail
                    report("\(app)@\(instance.digest.short) \(detail)")
                    try await state.observeInstance(
                        app: app, environment: environment, digest: instance.digest, state: .failed, port: nil,
                        detail: detail, appliedGeneration: nil, at: Date())
                }
                continue
            }
            let current = release.current
            if current.state == .ready, let port = current.port {
                backends.append(
                    ProxyBackend(
                        name: instance.digest.short, role: instance.role == .stable ? .stable : .canary, port: port,
                        weight: instance.weight))
            }
        }
        // Releases nobody wants any more (their rows were removed): stop them.
        for (digest, release) in releases.withLock({ $0 }) where !wanted.contains(digest) {
            releases.withLock { _ = $0.removeValue(forKey: digest) }
            Task { await release.stop() }
        }
        let next = ProxyRoutes(backends: backends, stickyCookie: stickyCookie)
        if next != applied {
            routes.update(next)
            applied = next
            report(
                "routes: "
                    + (backends.isEmpty
                        ? "none ready"
                        : backends.map { "\($0.name) (\($0.role.rawValue)) \($0.weight)" }.joined(separator: ", ")))
        }
        // Report what changed; an instance is applied when the routes follow its role and weight.
        for instance in instances where instance.role != .retired {
            guard let release = running(instance.digest) else { continue }
            let current = release.current
            let routed = backends.contains { $0.name == instance.digest.short }
            let isApplied = routed || (current.state == .ready && instance.weight == 0 && instance.role == .canary)
            let key =
                "\(current.state.rawValue)|\(current.port ?? 0)|\(current.detail)|\(isApplied)|\(instance.generation)"
            guard observed[instance.digest] != key else { continue }
            let previousState = observed[instance.digest]?.split(separator: "|").first.map(String.init)
            observed[instance.digest] = key
            if previousState != current.state.rawValue {
                report("\(app)@\(instance.digest.short) \(current.state.rawValue): \(current.detail)")
            }
            try await state.observeInstance(
                app: app, environment: environment, digest: instance.digest, state: current.state, port: current.port,
                detail: current.detail, appliedGeneration: isApplied ? instance.generation : nil, at: Date())
        }
    }

    /// A canary belongs to the promotion rolling it out; when none is alive (it was closed, or its
    /// process died and its lease expired), the canary is aborted: the stable release takes all the
    /// traffic again. A split of traffic never outlives the rollout that made it.
    private func abortOrphanedCanaries(report: @escaping @Sendable (String) -> Void) async throws {
        let canaries = try await state.releaseInstances(app: app, environment: environment).filter {
            $0.role == .canary
        }
        guard !canaries.isEmpty else { return }
        let open = try await state.openPromotion(app: app, environment: environment)
        let alive = open.map { $0.leaseExpiresAt.map { $0 > Date() } ?? true } ?? false
        guard !alive else { return }
        for canary in canaries {
            try await state.abortCanary(app: app, environment: environment, digest: canary.digest)
            report("aborted canary \(app)@\(canary.digest.short): no live promotion owns it any more")
        }
    }

    /// Writes the proxy's counters of each running release that served requests since the last report
    /// (a rollout's analysis reads them).
    private func reportTraffic(_ reported: inout [Digest: TrafficCounters]) async throws {
        for digest in releases.withLock({ Array($0.keys) }) {
            guard let counters = routes.stats(digest.short)?.snapshot, counters != reported[digest] else { continue }
            try await state.recordTraffic(app: app, environment: environment, digest: digest, counters, at: Date())
            reported[digest] = counters
        }
    }

    private func running(_ digest: Digest) -> ReleaseProcess? { releases.withLock { $0[digest] } }

    /// Unpacks the release into its folder (once) and starts it.
    private func start(_ instance: ReleaseInstance, report: @escaping @Sendable (String) -> Void) throws
        -> ReleaseProcess
    {
        let folder = stateDirectory.appendingPathComponent("releases/\(app)/\(environment)/\(instance.digest.hex)")
        if !FileManager.default.fileExists(atPath: folder.path) {
            let artifact = try artifacts.resolve(.digest(app: app, instance.digest))
            let staging = folder.deletingLastPathComponent().appendingPathComponent(".\(instance.digest.hex).tmp")
            try? FileManager.default.removeItem(at: staging)
            try FileManager.default.createDirectory(
                at: staging.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = try artifacts.unpack(artifact, into: staging)
            try FileManager.default.moveItem(at: staging, to: folder)
        }
        let logs = stateDirectory.appendingPathComponent("logs/releases")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        var variables = baseEnvironment
        variables["GANTRY_APP"] = app
        variables["GANTRY_ENV"] = environment
        variables["GANTRY_DIGEST"] = instance.digest.description
        variables.merge(secrets) { _, secret in secret }
        let release = ReleaseProcess(
            digest: instance.digest, folder: folder, definition: definition, environment: variables,
            masker: SecretMasker(secrets: Array(secrets.values)),
            log: logs.appendingPathComponent("\(app)-\(environment)-\(instance.digest.short).log"))
        releases.withLock { $0[instance.digest] = release }
        release.start()
        report("starting \(app)@\(instance.digest.short) (\(instance.role.rawValue)) in \(folder.path)")
        return release
    }

    /// A retired release whose drain time is over: stop it, forget it, remove its folder.
    private func retire(_ instance: ReleaseInstance, report: @escaping @Sendable (String) -> Void) {
        let release = releases.withLock { $0.removeValue(forKey: instance.digest) }
        let state = self.state
        let (app, environment) = (self.app, self.environment)
        Task {
            if let release {
                report("stopping \(app)@\(instance.digest.short) (drained)")
                await release.stop()
                try? FileManager.default.removeItem(at: release.folder)
            }
            try? await state.removeInstance(app: app, environment: environment, digest: instance.digest)
        }
    }
}
