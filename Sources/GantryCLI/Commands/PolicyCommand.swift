import ArgumentParser
import Artifacts
import Attestation
import Composition
import Foundation
import GantryCore
import Pipeline
import Policy
import Release
import Store

/// `gantry policy check APP@DIGEST --env ENV`.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Evaluate an environment's policy rules for an exact digest.",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Evaluate every rule of environments.ENV.policy for APP@DIGEST: pass, fail or waived.",
            discussion: """
                Rules read the digest's attestations (signatures, SBOM seal) and scan its own content \
                (vulnerabilities, secrets, Dockerfiles, Terraform plans), so a result is always about that \
                digest. Waivers from --waivers (default .gantry/waivers.yml) apply. The decision and every \
                waiver used are written to the audit log. Exit 0 pass, 1 fail, 2 input error.
                """)

        @Argument(help: "APP@sha256:….")
        var reference: String

        @Option(help: "The environment whose policy applies.")
        var env: String

        @OptionGroup var options: ReleaseOptions

        func run() async throws {
            guard case .digest(let app?, let digest) = try ArtifactReference(parsing: reference) else {
                throw InputError("'\(reference)': name the digest as APP@sha256:…")
            }
            let context = try options.context(readOnly: true)
            guard let environment = context.pipeline.environment(env) else {
                throw InputError(
                    "unknown environment '\(env)' in \(options.file) (defined: \(context.pipeline.environments.map(\.name).joined(separator: ", ")))"
                )
            }
            guard environment.policy != nil else {
                throw InputError("environments.\(env) has no 'policy:' in \(options.file)")
            }
            let evaluator = PolicyEvaluator(
                artifacts: context.artifacts, state: context.state, keys: context.keys,
                waivers: try options.loadWaivers(), signingKey: context.signingKey,
                vulnerabilities: try StateLocation.services.vulnerabilityDatabase())
            let (decision, evaluation) = try await PolicyRulesGate(evaluator: evaluator, actor: context.actor).decide(
                app: app, digest: digest, environment: environment)
            if options.json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "artifact": "\(app)@\(digest)", "environment": env, "passed": decision.passed,
                            "rules": evaluation.results.map {
                                ["rule": $0.rule, "outcome": $0.outcome.rawValue, "detail": $0.detail]
                            },
                        ] as [String: Any]))
            } else {
                print("\(app)@\(digest) → \(env)")
                for result in evaluation.results {
                    let mark = result.outcome == .pass ? "✓" : result.outcome == .waived ? "~" : "✗"
                    print("  \(mark) \(result.rule): \(result.outcome.rawValue) — \(result.detail)")
                }
                print(decision.passed ? "policy: pass" : "policy: FAIL")
            }
            if !decision.passed { throw CommandExit(status: .failure) }
        }
    }
}
