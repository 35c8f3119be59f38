import Artifacts
import Attestation
import Foundation
import GantryTestSupport
import Pipeline
import Release
import Store
import Synchronization

/// A project with a state directory, a signing key, a pipeline with environments, and helpers to pack
/// signed artifacts and promote them. Deploy commands append to `deploys.log`; health checks read
/// `health/<env>`.
struct ReleaseFixture {
    let directory: TemporaryDirectory
    let key = SigningKey()
    let state: StateStore
    let artifacts: ArtifactStore
    var pipeline: PipelineDefinition

    static let defaultPipeline = """
        jobs:
          build:
            steps: [{ run: "true" }]
        environments:
          dev:
            deploy: 'echo "$GANTRY_ENV $GANTRY_DIGEST prev=$GANTRY_PREVIOUS_DIGEST $(cat "$GANTRY_ARTIFACT_DIR/VERSION")" >> deploys.log'
            verify:
              command: 'grep -qx ok "health/$GANTRY_ENV"'
              retries: 0
          staging:
            requires: dev
            approvals: { count: 1, roles: [releaser] }
            deploy: 'echo "$GANTRY_ENV $GANTRY_DIGEST" >> deploys.log'
          prod:
            requires: staging
            approvals: { count: 2, roles: [releaser, admin], totp: true }
            deploy: 'echo "$GANTRY_ENV $GANTRY_DIGEST" >> deploys.log'
        """

    init(pipeline text: String = Self.defaultPipeline) throws {
        directory = try TemporaryDirectory(prefix: "gantry-release")
        let stateURL = directory.url.appendingPathComponent(".gantry")
        state = try StateStore(directory: stateURL)
        artifacts = try ArtifactStore(stateDirectory: stateURL)
        pipeline = try PipelineParser.parse(text: text, file: directory.url.appendingPathComponent("gantry.yml").path)
        try setHealth("dev", "ok")
    }

    var stateDirectory: URL { directory.url.appendingPathComponent(".gantry") }
    /// The state through the repository protocols (what release operations are given).
    var repositories: SQLiteRepositories { SQLiteRepositories(store: state) }

    func setHealth(_ environment: String, _ value: String) throws {
        try directory.write("health/\(environment)", value + "\n")
    }

    /// Packs `VERSION` = `version` as `web` and attaches signed provenance and SBOM; returns the digest.
    func pack(
        _ version: String, app: String = "web", sign: Bool = true, branch: String? = nil, finished: Date = Date(),
        files: [String: String] = [:]
    ) throws -> String {
        let source = directory.url.appendingPathComponent("src-\(version)")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try Data((version + "\n").utf8).write(to: source.appendingPathComponent("VERSION"))
        try Data("requests==2.31.0\n".utf8).write(to: source.appendingPathComponent("requirements.txt"))
        for (path, content) in files {
            let url = source.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
        let packed = try artifacts.pack(source, app: app, tag: version)
        if sign {
            var context = BuildContext(
                app: app, tag: version, invocationID: "corr-\(version)", startedOn: finished, finishedOn: finished)
            context.commit = String(repeating: "c", count: 40)
            context.branch = branch
            _ = try Attestor(store: artifacts, key: key).attest(
                packed, directory: source, context: context, timestamp: 0)
        }
        return packed.digest.description
    }

    /// `output` receives what deploy and health commands print, as text.
    func context(
        actor: String = "dana", keys: [VerificationKey]? = nil, lines: LineRecorder? = nil,
        output: LineRecorder? = nil, secrets: [String: String] = [:], environment: [String: String] = [:]
    ) -> ReleaseContext {
        ReleaseContext(
            pipeline: pipeline, state: repositories, artifacts: artifacts, keys: keys ?? [key.publicKey], actor: actor,
            stateDirectory: stateDirectory, workingDirectory: directory.url,
            reporter: ReleaseReporter(
                line: { lines?.append($0) },
                commandOutput: { data, _ in output?.append(String(decoding: data, as: UTF8.self)) }),
            processEnvironment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            secrets: secrets)
    }

    func promoter(
        actor: String = "dana", keys: [VerificationKey]? = nil, lines: LineRecorder? = nil,
        output: LineRecorder? = nil, secrets: [String: String] = [:], environment: [String: String] = [:]
    ) -> Promoter {
        Promoter(
            context: context(
                actor: actor, keys: keys, lines: lines, output: output, secrets: secrets, environment: environment))
    }

    func deploys() -> [String] {
        ((try? directory.read("deploys.log")) ?? "").split(separator: "\n").map(String.init)
    }

    func remove() { directory.remove() }
}

/// Collects progress lines from a reporter.
final class LineRecorder: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
