import ArgumentParser
import Foundation
import GantryCore
import Policy

extension ScanCommand {
    struct Dockerfile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dockerfile",
            abstract:
                "Check Dockerfiles: digest-pinned base images, no latest, no secrets in ENV/ARG, ADD <url>, USER.",
            discussion: "Findings of medium severity and above block (exit 1); a root USER is a warning.")

        @Argument(help: "Dockerfiles or Containerfiles (default: ./Dockerfile, ./Containerfile).")
        var files: [String] = []

        @OptionGroup var output: ScanOutputOptions

        func run() async throws {
            let paths =
                files.isEmpty
                ? ["Dockerfile", "Containerfile"].filter { FileManager.default.fileExists(atPath: $0) } : files
            guard !paths.isEmpty else {
                throw InputError("no Dockerfile or Containerfile here; name the files to scan")
            }
            var report = try DockerfileScanner().scan(files: paths)
            try await output.applyWaivers(to: &report)
            try output.emit(report)
        }
    }

    struct Terraform: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "terraform",
            abstract: "Review a Terraform plan (terraform show -json): deletions, replacements and risky changes.",
            discussion: """
                Deletes and replaces are CRITICAL; IAM changes, ingress open to 0.0.0.0/0 or ::/0, public S3 \
                access, disabled KMS keys and deletion protection turned off are HIGH. Prints a 0–100 risk \
                score with its reasons; --markdown writes a summary for a pull-request comment.
                """)

        @Argument(help: "The plan as JSON (terraform show -json plan.out > plan.json).")
        var plan: String

        @Option(help: "Write a Markdown summary to this file.")
        var markdown: String?

        @Option(
            help:
                "Fail (exit 1) only when the risk score exceeds this (0–100). Default: any HIGH or CRITICAL finding fails."
        )
        var maxRisk: Int?

        @OptionGroup var output: ScanOutputOptions

        func validate() throws {
            if let maxRisk, !(0...100).contains(maxRisk) { throw ValidationError("--max-risk must be from 0 to 100") }
        }

        func run() async throws {
            var report = try TerraformPlanScanner().scan(planAt: plan)
            if let markdown {
                do {
                    try TerraformPlanScanner.markdown(report).write(toFile: markdown, atomically: true, encoding: .utf8)
                } catch {
                    throw InputError("--markdown \(markdown): cannot be written: \(FileErrorText.describe(error))")
                }
            }
            if let maxRisk {
                let score = Int(report.summary["risk_score"] ?? "0") ?? 0
                // Within the budget nothing blocks; above it, every HIGH/CRITICAL finding does.
                if score <= maxRisk {
                    report.findings = report.findings.map {
                        var finding = $0
                        finding.suppressed = Suppression(.threshold, "risk score \(score) within --max-risk \(maxRisk)")
                        return finding
                    }
                }
            }
            try output.emit(report, extra: ["risk score \(report.summary["risk_score"] ?? "0")/100"])
        }
    }
}
