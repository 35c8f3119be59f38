public import Foundation
import GantryCore

/// Reviews a Terraform plan (`terraform show -json plan.out`) before it is applied: only changed
/// resources count (`resource_changes` whose actions are not `no-op` or `read`). Deleting or replacing
/// a resource is CRITICAL; risky changes are HIGH: IAM, ingress open to the internet, public S3 access,
/// KMS keys being disabled, database deletion protection turned off. The plan gets a 0–100 risk score
/// with the reasons behind it and a Markdown summary for a pull-request comment.
public struct TerraformPlanScanner: Sendable {
    public static let rules = [
        RuleDescriptor(
            id: "terraform-delete", name: "ResourceDeleted", description: "A resource is destroyed", severity: .critical
        ),
        RuleDescriptor(
            id: "terraform-replace", name: "ResourceReplaced",
            description: "A resource is replaced (destroyed and created again)", severity: .critical),
        RuleDescriptor(
            id: "terraform-iam", name: "IAMChange", description: "An IAM policy, role or binding changes",
            severity: .high),
        RuleDescriptor(
            id: "terraform-open-ingress", name: "IngressOpenToInternet",
            description: "A security group rule admits traffic from 0.0.0.0/0 or ::/0", severity: .high),
        RuleDescriptor(
            id: "terraform-public-s3", name: "PublicS3",
            description: "An S3 bucket becomes publicly readable or writable",
            severity: .high),
        RuleDescriptor(
            id: "terraform-kms-disabled", name: "KMSKeyDisabled",
            description: "A KMS key is disabled or scheduled for deletion",
            severity: .high),
        RuleDescriptor(
            id: "terraform-deletion-protection-off", name: "DeletionProtectionOff",
            description: "A database's deletion protection is turned off", severity: .high),
    ]

    /// Points per finding for the risk score (capped at 100).
    static let weights: [Severity: Int] = [.critical: 40, .high: 20, .medium: 10, .low: 5, .info: 0]

    public init() {}

    /// The findings, the score in `summary["risk_score"]`, and the reasons. The file is mapped, not
    /// read, and decoded one resource change at a time: memory stays near one change, whatever the
    /// plan's size.
    public func scan(planAt path: String) throws -> ScanReport {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw SecretScanError.input("\(path): cannot be read: \(FileErrorText.describeRead(error, path: path))")
        }
        return try scan(planData: data, file: path)
    }

    /// Terraform's JSON plan format versions this review understands: 0.1 and 0.2 (Terraform 0.12 to
    /// 1.0.0) and 1.x; the fields it reads are the same in all of them.
    static let knownMajorVersions: Set<Substring> = ["0", "1"]

    public func scan(planData data: Data, file: String) throws -> ScanReport {
        var findings: [Finding] = []
        var changed = 0
        let header: (version: String?, changesWereList: Bool)
        do {
            header = try data.withUnsafeBytes { bytes in
                var reader = TerraformPlanReader(bytes: bytes)
                return try reader.read { change in
                    if let counted = try review(change, file: file, into: &findings) { changed += counted }
                }
            }
        } catch let malformed as TerraformPlanReader.Malformed {
            throw SecretScanError.input(
                "\(file): not a Terraform JSON plan (\(malformed.message)); expected the output of 'terraform show -json PLAN'"
            )
        }
        guard let version = header.version else {
            throw SecretScanError.input("\(file): no format_version: is this 'terraform show -json' output of a plan?")
        }
        guard let major = version.split(separator: ".").first, Self.knownMajorVersions.contains(major) else {
            throw SecretScanError.input(
                "\(file): plan format_version \(version) is not supported: its major version \(version.split(separator: ".").first ?? "?") is not one this Gantry knows (0.x and 1.x)"
            )
        }
        guard header.changesWereList else { throw SecretScanError.input("\(file): resource_changes must be a list") }
        let score = min(100, findings.reduce(0) { $0 + (Self.weights[$1.severity] ?? 0) })
        return ScanReport(
            scanner: "terraform", rules: Self.rules, findings: findings,
            summary: ["risk_score": "\(score)", "changed_resources": "\(changed)"], blockingSeverity: .high)
    }

    /// Adds the findings of one resource change; returns 1 when it changes something, nil otherwise.
    private func review(_ change: [String: Any], file: String, into findings: inout [Finding]) throws -> Int? {
        guard let address = change["address"] as? String, let type = change["type"] as? String,
            let body = change["change"] as? [String: Any], let actions = body["actions"] as? [String]
        else {
            throw SecretScanError.input("\(file): a resource change lacks address, type or change.actions")
        }
        if actions == ["no-op"] || actions == ["read"] || actions.isEmpty { return nil }
        let before = body["before"] as? [String: Any] ?? [:]
        let after = body["after"] as? [String: Any] ?? [:]
        func add(_ ruleID: String, _ message: String) {
            let severity = Self.rules.first { $0.id == ruleID }?.severity ?? .high
            findings.append(
                Finding(
                    ruleID: ruleID, severity: severity, message: "\(address): \(message)", file: file,
                    fingerprint: Digest.sha256("\(ruleID):\(address)").hex))
        }
        if actions.contains("delete") && actions.contains("create") {
            add("terraform-replace", "will be replaced (\(actions.joined(separator: ", ")))")
        } else if actions == ["delete"] {
            add("terraform-delete", "will be destroyed")
        }
        guard actions.contains("create") || actions.contains("update") else { return 1 }
        if type.hasPrefix("aws_iam_") || type.hasPrefix("google_project_iam")
            || type.hasPrefix("google_service_account_iam")
            || type == "azurerm_role_assignment" || type == "azurerm_role_definition"
        {
            add("terraform-iam", "IAM change (\(type))")
        }
        if let reason = Self.openIngress(type: type, after: after) { add("terraform-open-ingress", reason) }
        if let reason = Self.publicS3(type: type, after: after) { add("terraform-public-s3", reason) }
        if type == "aws_kms_key", after["is_enabled"] as? Bool == false, before["is_enabled"] as? Bool != false {
            add("terraform-kms-disabled", "the KMS key will be disabled")
        }
        if ["aws_db_instance", "aws_rds_cluster", "google_sql_database_instance", "aws_dynamodb_table"].contains(
            type),
            before["deletion_protection"] as? Bool == true, after["deletion_protection"] as? Bool == false
        {
            add("terraform-deletion-protection-off", "deletion protection is turned off")
        }
        return 1
    }

    static func openIngress(type: String, after: [String: Any]) -> String? {
        func open(_ value: Any?) -> Bool {
            let list = (value as? [String]) ?? (value as? String).map { [$0] } ?? []
            return list.contains("0.0.0.0/0") || list.contains("::/0")
        }
        switch type {
        case "aws_security_group":
            for rule in after["ingress"] as? [[String: Any]] ?? []
            where open(rule["cidr_blocks"]) || open(rule["ipv6_cidr_blocks"]) {
                return "ingress on ports \(rule["from_port"] ?? "?")-\(rule["to_port"] ?? "?") open to the internet"
            }
        case "aws_security_group_rule":
            if after["type"] as? String == "ingress", open(after["cidr_blocks"]) || open(after["ipv6_cidr_blocks"]) {
                return "ingress on ports \(after["from_port"] ?? "?")-\(after["to_port"] ?? "?") open to the internet"
            }
        case "aws_vpc_security_group_ingress_rule":
            if open(after["cidr_ipv4"]) || open(after["cidr_ipv6"]) {
                return "ingress on ports \(after["from_port"] ?? "?")-\(after["to_port"] ?? "?") open to the internet"
            }
        case "google_compute_firewall":
            if open(after["source_ranges"]), (after["direction"] as? String ?? "INGRESS") == "INGRESS" {
                return "firewall admits traffic from the internet"
            }
        default: break
        }
        return nil
    }

    static func publicS3(type: String, after: [String: Any]) -> String? {
        let publicACLs = ["public-read", "public-read-write", "authenticated-read"]
        switch type {
        case "aws_s3_bucket", "aws_s3_bucket_acl":
            if let acl = after["acl"] as? String, publicACLs.contains(acl) { return "bucket ACL \(acl)" }
        case "aws_s3_bucket_policy":
            if let policy = after["policy"] as? String {
                let compact = policy.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\n", with: "")
                if compact.contains(#""Principal":"*""#) || compact.contains(#""AWS":"*""#) {
                    return "bucket policy grants access to everyone (Principal \"*\")"
                }
            }
        case "aws_s3_bucket_public_access_block":
            let keys = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]
            let off = keys.filter { after[$0] as? Bool == false }
            if !off.isEmpty { return "public access block disabled: \(off.joined(separator: ", "))" }
        default: break
        }
        return nil
    }

    /// A Markdown summary for a pull-request comment.
    public static func markdown(_ report: ScanReport) -> String {
        let score = report.summary["risk_score"] ?? "0"
        var text = "### Terraform plan review: risk \(score)/100\n\n"
        text += "\(report.summary["changed_resources"] ?? "0") resource(s) change. "
        if report.findings.isEmpty { return text + "No destructive or risky changes found.\n" }
        text += "\(report.findings.count) finding(s):\n\n| severity | rule | change |\n|---|---|---|\n"
        for finding in report.findings.sorted(by: { $0.severity > $1.severity }) {
            let message = finding.message.replacingOccurrences(of: "|", with: "\\|")
            text += "| \(finding.severity.rawValue.uppercased()) | `\(finding.ruleID)` | \(message) |\n"
        }
        return text
    }
}
