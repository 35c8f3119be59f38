public import Artifacts
public import Attestation
import Foundation
import GantryCore
public import Pipeline
public import Policy
public import StateModel

/// Evaluates an environment's `policy:` rules for one exact digest: signatures and the SBOM seal from
/// its attestations, and vulnerabilities, secrets, Dockerfiles and Terraform plans from its own
/// content (unpacked and scanned now, so no report made for another digest can count). Waivers apply
/// to findings; each one used is reported.
public struct PolicyEvaluator: Sendable {
    public var artifacts: ArtifactStore
    public var state: any StateRepositories
    /// Where vulnerability data is read (`GANTRY_VULNDB`); the state itself by default.
    public var vulnerabilities: any VulnerabilityDatabase
    public var keys: [VerificationKey]
    public var waivers: WaiverSet
    /// Signs the policy report attached to the digest; without it the report is attached unsigned.
    public var signingKey: SigningKey?

    public init(
        artifacts: ArtifactStore, state: any StateRepositories, keys: [VerificationKey],
        waivers: WaiverSet = WaiverSet(),
        signingKey: SigningKey? = nil, vulnerabilities: (any VulnerabilityDatabase)? = nil
    ) {
        self.artifacts = artifacts
        self.state = state
        self.vulnerabilities = vulnerabilities ?? state
        self.keys = keys
        self.waivers = waivers
        self.signingKey = signingKey
    }

    /// The predicate of the policy report attached to a digest after each decision.
    public struct Report: Codable, Sendable, Hashable {
        public static let predicateType = "https://gantry.dev/attestations/policy-decision/v1"
        public static let artifactType = "application/vnd.gantry.policy-decision.v1+json"
        public struct Rule: Codable, Sendable, Hashable {
            public var rule: String
            public var outcome: String
            public var detail: String
        }
        public var environment: String
        public var passed: Bool
        public var decidedAt: String
        public var rules: [Rule]
        public var waivers: [String]
    }

    /// `require_clean_tree`: the provenance (signed or not: `require_provenance` is what checks the
    /// signature) must record a clean working tree. When the rule holds only by default (the
    /// environment has approvals) and the provenance records nothing, the artifact passes with a note.
    func cleanTreeVerdict(_ artifact: StoredArtifact, byDefault: Bool) -> RuleResult {
        let provenance = Verifier(store: artifacts, keys: keys).unverifiedProvenance(of: artifact)
        switch provenance?.treeState {
        case "clean":
            return RuleResult(rule: "require_clean_tree", outcome: .pass, detail: "built from a clean working tree")
        case "dirty":
            let changes = provenance?.uncommittedChanges ?? []
            let count = provenance?.buildDefinition.internalParameters["uncommittedCount"] ?? "\(changes.count)"
            return RuleResult(
                rule: "require_clean_tree", outcome: .fail,
                detail: "built from a working tree with \(count) uncommitted change(s) "
                    + "(\(changes.prefix(5).joined(separator: ", "))\(changes.count > 5 ? ", …" : "")): "
                    + "commit them and build again, or set require_clean_tree: false")
        default:
            let why = provenance == nil ? "it has no provenance" : "its provenance does not record the working tree"
            return byDefault
                ? RuleResult(
                    rule: "require_clean_tree", outcome: .pass,
                    detail: "not checked: \(why) (packed outside a git checkout, or by an older Gantry)")
                : RuleResult(rule: "require_clean_tree", outcome: .fail, detail: "cannot tell: \(why)")
        }
    }

    /// Attaches the evaluation to the digest it was made for (signed when a key is configured).
    @discardableResult
    public func record(_ evaluation: Evaluation, app: String, digest: Digest, environment: String) throws -> Digest? {
        guard let artifact = try? artifacts.resolve(.digest(app: app, digest)) else {
            return nil
        }
        let report = Report(
            environment: environment, passed: evaluation.passed, decidedAt: Timestamp.iso8601(Date()),
            rules: evaluation.results.map {
                Report.Rule(rule: $0.rule, outcome: $0.outcome.rawValue, detail: $0.detail)
            },
            waivers: evaluation.waiversUsed.map {
                "\($0.id) by \($0.approvedBy) until \(Timestamp.iso8601($0.expires))"
            })
        if let signingKey {
            return try Attestor(store: artifacts, key: signingKey).attach(
                report, predicateType: Report.predicateType, artifactType: Report.artifactType, to: artifact)
        }
        return try Attestor.attachUnsigned(
            report, predicateType: Report.predicateType, artifactType: Report.artifactType, to: artifact, in: artifacts)
    }

    /// One rule's verdict.
    public struct RuleResult: Sendable, Hashable {
        public enum Outcome: String, Sendable { case pass, fail, waived }
        public var rule: String
        public var outcome: Outcome
        public var detail: String
    }

    /// The verdict on every rule, and the waivers used.
    public struct Evaluation: Sendable {
        public var results: [RuleResult]
        public var waiversUsed: [Waiver]
        public var passed: Bool { !results.contains { $0.outcome == .fail } }
    }

    public func evaluate(app: String, digest: Digest, environment: String, policy: EnvironmentPolicy) async throws
        -> Evaluation
    {
        let artifact: StoredArtifact
        do {
            artifact = try artifacts.resolve(.digest(app: app, digest))
        } catch {
            throw ReleaseError.input("\(app)@\(digest) is not in the artifact store")
        }
        var results: [RuleResult] = []
        var used: [Waiver] = []
        // The content rules and the seal's last check read the same unpacked tree: extract it once.
        let needsContent =
            policy.maxCVSS != nil || policy.noSecrets || policy.pinnedBaseImages || policy.terraformMaxRisk != nil
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gantry-policy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Unpacking, hashing and scanning block their thread for as long as the artifact is large: they
        // run as `BlockingWork`, not on a cooperative thread.
        let artifacts = self.artifacts
        if needsContent { _ = try await BlockingWork.run { try artifacts.unpack(artifact, into: directory) } }
        if policy.requireSignature || policy.requireProvenance || policy.requireSBOMSeal {
            let verifier = Verifier(store: artifacts, keys: keys)
            let checks = try await BlockingWork.run {
                verifier.verify(
                    artifact, regenerateSBOM: policy.requireSBOMSeal, unpacked: needsContent ? directory : nil)
            }
            func verdict(_ rule: String, _ names: [Verifier.CheckKind]) {
                let relevant = checks.filter { names.contains($0.kind) }
                if let failed = relevant.first(where: { !$0.passed }) {
                    results.append(RuleResult(rule: rule, outcome: .fail, detail: failed.detail))
                } else if relevant.count < names.count {
                    results.append(
                        RuleResult(
                            rule: rule, outcome: .fail,
                            detail: "not verified: \(checks.last?.detail ?? "no attestations")"))
                } else {
                    results.append(
                        RuleResult(rule: rule, outcome: .pass, detail: relevant.map(\.detail).joined(separator: "; ")))
                }
            }
            if policy.requireSignature { verdict("require_signature", [.provenanceSignature, .sbomSignature]) }
            if policy.requireProvenance { verdict("require_provenance", [.provenanceSignature]) }
            if policy.requireSBOMSeal { verdict("require_sbom_seal", [.sbomSeal, .sbomMatchesContent]) }
        }
        if policy.requireCleanTree {
            results.append(cleanTreeVerdict(artifact, byDefault: policy.requireCleanTreeByDefault))
        }
        guard needsContent else { return Evaluation(results: results, waiversUsed: used) }

        func judge(_ rule: String, _ report: ScanReport, passDetail: String) {
            var report = report
            let application = waivers.apply(to: &report, app: app, digest: digest)
            used += application.used
            let blocking = report.blocking
            let waived = report.findings.filter { $0.suppressed?.kind == .waiver }
            if !blocking.isEmpty {
                let list = blocking.prefix(5).map {
                    "\($0.ruleID) \($0.location == "-" ? "" : "at \($0.location) ")\($0.message)"
                }
                results.append(
                    RuleResult(
                        rule: rule, outcome: .fail,
                        detail: "\(blocking.count) blocking: " + list.joined(separator: "; ")
                            + (blocking.count > 5 ? "; …" : "")))
            } else if !waived.isEmpty {
                results.append(
                    RuleResult(
                        rule: rule, outcome: .waived,
                        detail: waived.map { "\($0.ruleID): \($0.suppressed?.reason ?? "")" }.joined(separator: "; ")
                            + (application.expiredNotes.isEmpty
                                ? "" : "; " + application.expiredNotes.joined(separator: "; "))))
            } else {
                results.append(
                    RuleResult(
                        rule: rule, outcome: .pass,
                        detail: passDetail
                            + (application.expiredNotes.isEmpty
                                ? "" : "; " + application.expiredNotes.joined(separator: "; "))))
            }
        }

        if let maxCVSS = policy.maxCVSS {
            let packages = try LockfilePackages.of(directory: directory)
            // With regression_only: the packages of what the environment runs now, whose findings are
            // not new.
            var running: (digest: Digest, packages: [PackageVersion])?
            if policy.regressionOnly, let current = try await state.pointer(app: app, environment: environment),
                current.digest != digest, let artifact = try? artifacts.resolve(.digest(app: app, current.digest))
            {
                let baseline = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "gantry-policy-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: baseline) }
                _ = try await BlockingWork.run { try artifacts.unpack(artifact, into: baseline) }
                running = (current.digest, try LockfilePackages.of(directory: baseline))
            }
            let vulnerabilities = self.vulnerabilities
            let lookup = try await VulnerabilityScanner.prefetched(packages + (running?.packages ?? [])) {
                try await vulnerabilities.osvRecords(ecosystem: $0, name: $1)
            }
            let scanner = VulnerabilityScanner(lookup: lookup, failOnCVSS: maxCVSS, onlyFixed: policy.onlyFixed)
            var report = try scanner.scan(packages)
            var note = "\(packages.count) package(s), none with CVSS ≥ \(maxCVSS)"
            if let current = running {
                let existing = Set(try scanner.scan(current.packages).findings.map(\.fingerprint))
                for index in report.findings.indices where existing.contains(report.findings[index].fingerprint) {
                    report.findings[index].suppressed = Suppression(
                        .alreadyDeployed, "already in what \(environment) runs (\(current.digest.short))")
                }
                note += " that \(environment)'s current \(current.digest.short) does not have"
            }
            if try await vulnerabilities.osvStatus().isEmpty {
                results.append(
                    RuleResult(
                        rule: "max_cvss", outcome: .fail,
                        detail: "the vulnerability database is empty: run 'gantry vulndb import'"))
            } else {
                judge("max_cvss", report, passDetail: note)
            }
        }
        if policy.noSecrets {
            let report = try await BlockingWork.run { try SecretScanner().scan(directory) }
            judge("no_secrets", report, passDetail: "\(report.summary["files"] ?? "0") file(s), no secrets")
        }
        if policy.pinnedBaseImages {
            let dockerfiles = Self.files(in: directory) {
                ["Dockerfile", "Containerfile"].contains($0) || $0.hasSuffix(".Dockerfile")
                    || $0.hasPrefix("Dockerfile.")
            }
            var report = try DockerfileScanner().scan(files: dockerfiles.map(\.path))
            report.findings.removeAll {
                !["dockerfile-unpinned-base", "dockerfile-latest-tag", "dockerfile-unresolved-base"].contains($0.ruleID)
            }
            judge(
                "pinned_base_images", report,
                passDetail: dockerfiles.isEmpty
                    ? "no Dockerfile in the artifact" : "\(dockerfiles.count) Dockerfile(s), every base image pinned")
        }
        if let maxRisk = policy.terraformMaxRisk {
            let plans = Self.files(in: directory) { $0.hasSuffix(".json") && $0.lowercased().contains("plan") }
            var worst = 0
            var reasons: [String] = []
            for plan in plans {
                let report = try TerraformPlanScanner().scan(planAt: plan.path)
                let score = Int(report.summary["risk_score"] ?? "0") ?? 0
                worst = max(worst, score)
                reasons += report.findings.prefix(3).map(\.message)
            }
            results.append(
                RuleResult(
                    rule: "terraform_max_risk", outcome: worst > maxRisk ? .fail : .pass,
                    detail: plans.isEmpty
                        ? "no Terraform plan in the artifact"
                        : "risk \(worst)/100 (limit \(maxRisk))"
                            + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; "))))
        }
        return Evaluation(results: results, waiversUsed: used)
    }

    static func files(in directory: URL, where matches: (String) -> Bool) -> [URL] {
        var found: [URL] = []
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            if matches(url.lastPathComponent) { found.append(url) }
        }
        return found.sorted { $0.path < $1.path }
    }
}

/// The promotion gate backed by `PolicyEvaluator`: passes when the environment has no `policy:`, and
/// otherwise when no rule fails. Every decision and every waiver used is written to the audit log.
public struct PolicyRulesGate: PolicyGate {
    public var evaluator: PolicyEvaluator
    public var actor: String

    public init(evaluator: PolicyEvaluator, actor: String) {
        self.evaluator = evaluator
        self.actor = actor
    }

    public func evaluate(app: String, digest: Digest, environment: EnvironmentDefinition) async throws
        -> PolicyDecision
    {
        try await decide(app: app, digest: digest, environment: environment).decision
    }

    /// The decision and the per-rule verdicts behind it (audited once).
    public func decide(app: String, digest: Digest, environment: EnvironmentDefinition) async throws -> (
        decision: PolicyDecision, evaluation: PolicyEvaluator.Evaluation
    ) {
        guard let policy = environment.policy else {
            return (
                PolicyDecision(passed: true, detail: "no policy configured for \(environment.name)"),
                PolicyEvaluator.Evaluation(results: [], waiversUsed: [])
            )
        }
        let evaluation = try await evaluator.evaluate(
            app: app, digest: digest, environment: environment.name, policy: policy)
        let report = try evaluator.record(evaluation, app: app, digest: digest, environment: environment.name)
        var details = ["environment": environment.name, "result": evaluation.passed ? "pass" : "fail"]
        if let report { details["report"] = report.description }
        for result in evaluation.results { details["rule.\(result.rule)"] = result.outcome.rawValue }
        try await evaluator.state.appendAudit(
            actor: actor, action: "policy", subject: "\(app)@\(digest)", details: details)
        for waiver in evaluation.waiversUsed {
            try await evaluator.state.appendAudit(
                actor: actor, action: "waiver", subject: "\(app)@\(digest)",
                details: [
                    "id": waiver.id, "approved_by": waiver.approvedBy, "reason": waiver.reason,
                    "environment": environment.name,
                ])
        }
        let summary = evaluation.results.map { "\($0.rule) \($0.outcome.rawValue)" }.joined(separator: ", ")
        if evaluation.passed {
            return (PolicyDecision(passed: true, detail: summary.isEmpty ? "no rules" : summary), evaluation)
        }
        let failures = evaluation.results.filter { $0.outcome == .fail }.map { "\($0.rule): \($0.detail)" }
        return (PolicyDecision(passed: false, detail: failures.joined(separator: "; ")), evaluation)
    }
}
