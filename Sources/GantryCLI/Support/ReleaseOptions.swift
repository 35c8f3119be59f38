import ArgumentParser
import Artifacts
import Attestation
import Composition
import Engine
import Foundation
import GantryCore
import Pipeline
import Policy
import Processes
import Release
import Store

/// Options shared by the release commands (`promote`, `approve`, `rollback`, …).
struct ReleaseOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "The pipeline file whose 'environments:' apply.")
    var file: String = "gantry.yml"

    @Option(help: "A trusted public key (PEM). Repeatable. Default: .gantry/keys/signing.pub.")
    var key: [String] = []

    @Option(help: "Waivers for the policy gate (default: .gantry/waivers.yml when it exists).")
    var waivers: String?

    @Flag(help: "Print JSON on stdout (progress and command output go to stderr).")
    var json = false

    /// The waivers file, when one is given or the default exists.
    func loadWaivers() throws -> WaiverSet { try WaiverFile.load(waivers) }

    /// Loads the pipeline and opens the stores.
    /// With `readOnly`, nothing is created: a directory without state is an error (exit 2).
    /// `cancellation` is what SIGINT/SIGTERM set (see `SignalTrap`) to stop a deployment cleanly.
    func context(
        needsKeys: Bool = true, readOnly: Bool = false, cancellation: CancellationFlag = CancellationFlag(),
        secrets: [String: String] = [:]
    ) throws -> ReleaseContext {
        let pipeline = try PipelineParser.load(path: file)
        let services = StateLocation.services
        let keys = needsKeys ? try services.trustedKeys(flags: key) : []
        let toStderr = json
        let reporter = ReleaseReporter(
            line: { toStderr ? Terminal.printError($0) : Terminal.printOut($0) },
            commandOutput: { data, isError in
                Terminal.write(isError || toStderr ? 2 : 1, data)
            })
        return try services.releaseContext(
            pipeline: pipeline, workingDirectory: URL(fileURLWithPath: file).deletingLastPathComponent(),
            actor: AuditActor.current(), keys: keys, waivers: try loadWaivers(), reporter: reporter,
            cancellation: cancellation, readOnly: readOnly, secrets: secrets)
    }

    /// Runs one deploying release operation on this machine: SIGINT/SIGTERM stop its commands cleanly,
    /// the environment's secrets come from `secretOptions`, and the outcome is printed.
    /// `adjust` changes the context first (e.g. the acting approver).
    func runLocally(
        secrets secretOptions: SecretOptions, adjust: (inout ReleaseContext) -> Void = { _ in },
        _ operation: (Promoter) async throws -> Promoter.Outcome
    ) async throws {
        let cancellation = CancellationFlag()
        let signals = SignalTrap(cancellation: cancellation, what: "the deployment")
        defer { signals.release() }
        var context = try context(
            cancellation: cancellation,
            secrets: try secretOptions.load(environment: ProcessInfo.processInfo.environment))
        adjust(&context)
        report(try await operation(Promoter(context: context)))
    }

    /// Prints a promotion outcome as JSON, or its final line.
    func report(_ outcome: Promoter.Outcome) {
        if json {
            var object = ReleaseJSON.promotion(outcome.promotion)
            object["checks"] = outcome.checks.map {
                ["name": $0.name, "result": $0.result.rawValue, "detail": $0.detail]
            }
            Terminal.printOut(Terminal.json(object))
        } else {
            let record = outcome.promotion
            Terminal.printOut(
                "\(record.kind == .rollback ? "rollback" : "promotion") \(record.id): \(record.status.rawValue) — \(record.detail)"
            )
        }
    }
}

/// JSON shapes of release records, shared by the commands (digests are written as text by
/// `Terminal.json`).
enum ReleaseJSON {
    static func promotion(_ record: PromotionRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": record.id, "kind": record.kind.rawValue, "app": record.app, "environment": record.environment,
            "digest": record.digest, "status": record.status.rawValue, "requested_by": record.requestedBy,
            "requested_at": Timestamp.iso8601(record.requestedAt), "approvals_required": record.approvalsRequired,
            "detail": record.detail,
        ]
        object["tag"] = record.tag
        object["commit"] = record.commit
        object["finished_at"] = record.finishedAt.map(Timestamp.iso8601)
        object["previous_digest"] = record.previousDigest
        object["reason"] = record.reason
        object["irreversible"] = record.irreversible
        if record.status.isOpen {
            object["lease_expires_at"] = record.leaseExpiresAt.map(Timestamp.iso8601)
            object["fencing_token"] = record.fencingToken
        }
        return object
    }

    static func pointer(_ pointer: EnvironmentPointer) -> [String: Any] {
        var object: [String: Any] = [
            "digest": pointer.digest, "promotion": pointer.promotionID,
            "deployed_at": Timestamp.iso8601(pointer.deployedAt), "deployed_by": pointer.deployedBy,
        ]
        object["tag"] = pointer.tag
        object["commit"] = pointer.commit
        object["last_known_good"] = pointer.lastKnownGood
        return object
    }
}
