public import Artifacts
public import Attestation
import BuiltinActions
public import Engine
public import Foundation
import GantryCore
public import Pipeline
public import Policy
public import Processes
public import Proxy
public import Release
public import Serving
public import Store
import Synchronization

/// The composition root: configuration turned into Gantry's services once, then handed to the
/// pipeline runner, the built-in actions, the release operations and the scanners. The CLI builds one
/// per process; a server builds one the same way. Nothing below this module opens a store from a path.
///
/// Stores open on first use and are shared afterwards (one database pool per process, migrations run
/// once); a command that only reads never creates state it did not find.
public final class GantryServices: Sendable {
    /// Where everything lives, from the environment.
    public struct Configuration: Sendable {
        /// The state directory: runs, logs, caches, keys, the artifact store.
        public var stateDirectory: URL
        /// The state directory holding the vulnerability database (`GANTRY_VULNDB`); usually `stateDirectory`.
        public var vulnerabilityDatabase: URL
        /// Gantry's own environment (`GANTRY_SIGNING_KEY`, `SOURCE_DATE_EPOCH`, …).
        public var environment: [String: String]

        public init(stateDirectory: URL, vulnerabilityDatabase: URL? = nil, environment: [String: String]) {
            self.stateDirectory = stateDirectory
            self.vulnerabilityDatabase = vulnerabilityDatabase ?? stateDirectory
            self.environment = environment
        }

        /// `GANTRY_HOME` (else `.gantry/` in `currentDirectory`) and `GANTRY_VULNDB` from `environment`.
        public static func from(environment: [String: String], currentDirectory: URL) -> Configuration {
            let home = environment["GANTRY_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            let vulndb = environment["GANTRY_VULNDB"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            return Configuration(
                stateDirectory: home ?? currentDirectory.appendingPathComponent(".gantry"),
                vulnerabilityDatabase: vulndb, environment: environment)
        }
    }

    public let configuration: Configuration

    private struct Opened {
        var state: StateStore?
        var vulnerabilities: StateStore?
        var artifacts: ArtifactStore?
        var signingKey: Result<SigningKey?, any Error>?
    }

    private let opened = Mutex(Opened())

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// The state store, created on first use. Runs whose process died are closed as `abandoned` when
    /// it is opened.
    public func state() throws -> StateStore {
        try openState { try StateStore(directory: $0) }
    }

    /// The state store when state exists: never creates `.gantry/`; an `InputError` (exit 2) when there is none.
    public func existingState() throws -> StateStore {
        try openState { try StateStore(existingIn: $0) }
    }

    /// The shared state store, opened by `open` the first time (closing abandoned runs on the way).
    private func openState(_ open: (URL) throws -> StateStore) throws -> StateStore {
        try opened.withLock { opened in
            if let state = opened.state { return state }
            let store = try open(configuration.stateDirectory)
            try store.closeAbandonedRuns()
            opened.state = store
            return store
        }
    }

    /// The state through its async repository protocols (what a server uses), on the shared store.
    public func repositories() throws -> SQLiteRepositories { SQLiteRepositories(store: try state()) }

    /// The existing state through its repository protocols: never creates `.gantry/`.
    public func existingRepositories() throws -> SQLiteRepositories {
        SQLiteRepositories(store: try existingState())
    }

    /// The state store when state exists, nil otherwise (`gantry plan`: nothing can be avoided yet).
    public func stateIfPresent() throws -> StateStore? {
        let database = configuration.stateDirectory.appendingPathComponent("state.db").path
        return FileManager.default.fileExists(atPath: database) ? try existingState() : nil
    }

    /// The store holding the vulnerability database: the state store unless `GANTRY_VULNDB` names another.
    public func vulnerabilities(createState: Bool = true) throws -> StateStore {
        if sharesState { return try createState ? state() : existingState() }
        return try opened.withLock { opened in
            if let store = opened.vulnerabilities { return store }
            let store = try StateStore(directory: configuration.vulnerabilityDatabase)
            opened.vulnerabilities = store
            return store
        }
    }

    /// The vulnerability database through its repository protocol (what scans read).
    public func vulnerabilityDatabase(createState: Bool = true) throws -> any VulnerabilityDatabase {
        SQLiteRepositories(store: try vulnerabilities(createState: createState))
    }

    private var sharesState: Bool {
        configuration.vulnerabilityDatabase.standardizedFileURL == configuration.stateDirectory.standardizedFileURL
    }

    /// The artifact store; with `create: false` a missing store is an error instead of being created.
    public func artifacts(create: Bool = true) throws -> ArtifactStore {
        try opened.withLock { opened in
            if let store = opened.artifacts { return store }
            let store = try ArtifactStore(stateDirectory: configuration.stateDirectory, create: create)
            opened.artifacts = store
            return store
        }
    }

    /// The key packs, policy reports and audit checkpoints are signed with (`GANTRY_SIGNING_KEY`, else
    /// `keys/signing.key` in the state); nil without one. Loaded once.
    public func signingKey() throws -> SigningKey? {
        let result = opened.withLock { opened in
            if let loaded = opened.signingKey { return loaded }
            let loaded = Result {
                try KeyLocation.signingKey(
                    flag: nil, environment: configuration.environment, stateDirectory: configuration.stateDirectory)
            }
            opened.signingKey = loaded
            return loaded
        }
        return try result.get()
    }

    /// The keys signatures are checked against: `flags` (`--key`), else the state's public key.
    public func trustedKeys(flags: [String]) throws -> [VerificationKey] {
        try KeyLocation.trustedKeys(flags: flags, stateDirectory: configuration.stateDirectory)
    }

    /// The signing key's ID for avoidance keys: `unsigned` without one, `unreadable` when it cannot be loaded.
    public var signingKeyID: String {
        do {
            return try signingKey()?.publicKey.keyID ?? "unsigned"
        } catch {
            return "unreadable"
        }
    }

    /// Cache snapshots and job artifacts (blobs under the state's `cache/`).
    public var snapshots: SnapshotStore { SnapshotStore(stateDirectory: configuration.stateDirectory) }

    /// The built-in actions, on these services' stores and keys.
    public var actions: ActionRegistry {
        BuiltinActionSet.registry(
            ActionServices(
                state: { [self] in try repositories() }, artifacts: { [self] in try artifacts() },
                vulnerabilities: { [self] in SQLiteRepositories(store: try vulnerabilities()) },
                signingKey: { [self] in try signingKey() }))
    }

    /// What a release operation (promote, approve, rollback, reject, status) works with: `pipeline`'s
    /// environments, deploy commands running in `workingDirectory`, these services' stores, keys and
    /// waivers. With `readOnly`, nothing is created (no state: an `InputError`).
    public func releaseContext(
        pipeline: PipelineDefinition, workingDirectory: URL, actor: String, keys: [VerificationKey],
        waivers: WaiverSet, reporter: ReleaseReporter = .silent, cancellation: CancellationFlag = CancellationFlag(),
        readOnly: Bool = false, secrets: [String: String] = [:]
    ) throws -> ReleaseContext {
        ReleaseContext(
            pipeline: pipeline, state: SQLiteRepositories(store: try readOnly ? existingState() : state()),
            artifacts: try artifacts(create: !readOnly), keys: keys, actor: actor,
            stateDirectory: configuration.stateDirectory, workingDirectory: workingDirectory, reporter: reporter,
            cancellation: cancellation, waivers: waivers, signingKey: try signingKey(),
            vulnerabilities: SQLiteRepositories(store: try vulnerabilities(createState: !readOnly)), secrets: secrets)
    }

    /// The host of `gantry proxy --env`: `app`'s releases in `environment`, run as `definition` says,
    /// on these services' state and artifact store, served through `routes`.
    public func environmentHost(
        app: String, environment: String, definition: ProcessDeployDefinition, routes: RouteTable, listen: String,
        stickyCookie: String? = nil, secrets: [String: String] = [:]
    ) throws -> EnvironmentHost {
        let store = try state()
        return EnvironmentHost(
            app: app, environment: environment, definition: definition, state: SQLiteRepositories(store: store),
            heartbeat: { try store.beat($0) },
            artifacts: try artifacts(), stateDirectory: configuration.stateDirectory,
            baseEnvironment: configuration.environment, routes: routes, listen: listen, stickyCookie: stickyCookie,
            secrets: secrets)
    }

    /// The app `gantry proxy --env` serves when none is named: the only one deployed to `environment`,
    /// else the only one packed; nil when that is not one app.
    public func onlyApp(in environment: String) throws -> String? {
        let deployed = Set(try state().pointers().filter { $0.environment == environment }.map(\.app))
        if deployed.count == 1 { return deployed.first }
        guard deployed.isEmpty else { return nil }
        let packed = Set(try artifacts().list().map(\.app))
        return packed.count == 1 ? packed.first : nil
    }

    /// `RunOptions` for `file` with this configuration's state, environment and signing key.
    public func runOptions(file: String) -> RunOptions {
        var options = RunOptions(file: file, stateDirectory: configuration.stateDirectory)
        options.signingKeyID = signingKeyID
        return options
    }

    /// A pipeline runner on these services' state store and built-in actions.
    public func pipelineRunner(
        options: RunOptions, observer: any RunObserver = SilentObserver(),
        cancellation: CancellationFlag = CancellationFlag()
    ) -> PipelineRunner {
        PipelineRunner(
            options: options, store: { [self] in try repositories() }, snapshots: snapshots, observer: observer,
            cancellation: cancellation, actions: actions)
    }
}
