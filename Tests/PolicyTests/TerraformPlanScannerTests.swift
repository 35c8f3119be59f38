import Foundation
import Policy
import Testing

@Suite struct TerraformPlanScannerTests {
    /// A plan as `terraform show -json` prints it (format 1.2), trimmed to the fields the rules read.
    static let plan = """
        {
          "format_version": "1.2",
          "terraform_version": "1.7.5",
          "planned_values": {"root_module": {}},
          "resource_changes": [
            {"address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket", "name": "logs",
             "provider_name": "registry.terraform.io/hashicorp/aws",
             "change": {"actions": ["no-op"], "before": {"bucket": "logs"}, "after": {"bucket": "logs"}}},
            {"address": "data.aws_caller_identity.current", "mode": "data", "type": "aws_caller_identity",
             "name": "current", "change": {"actions": ["read"], "before": null, "after": {}}},
            {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance", "name": "main",
             "change": {"actions": ["update"], "before": {"deletion_protection": true, "instance_class": "db.t3.micro"},
                        "after": {"deletion_protection": false, "instance_class": "db.t3.small"}}},
            {"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
             "change": {"actions": ["delete", "create"], "before": {"ami": "ami-1"}, "after": {"ami": "ami-2"}}},
            {"address": "aws_sqs_queue.old", "mode": "managed", "type": "aws_sqs_queue", "name": "old",
             "change": {"actions": ["delete"], "before": {"name": "old"}, "after": null}},
            {"address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
             "change": {"actions": ["update"], "before": {"ingress": []},
                        "after": {"ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp",
                                               "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": []}]}}},
            {"address": "aws_iam_role_policy.deploy", "mode": "managed", "type": "aws_iam_role_policy", "name": "deploy",
             "change": {"actions": ["create"], "before": null, "after": {"policy": "{}"}}},
            {"address": "aws_s3_bucket_policy.site", "mode": "managed", "type": "aws_s3_bucket_policy", "name": "site",
             "change": {"actions": ["create"], "before": null,
                        "after": {"policy": "{\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":\\"*\\",\\"Action\\":\\"s3:GetObject\\"}]}"}}},
            {"address": "aws_kms_key.data", "mode": "managed", "type": "aws_kms_key", "name": "data",
             "change": {"actions": ["update"], "before": {"is_enabled": true}, "after": {"is_enabled": false}}},
            {"address": "aws_s3_bucket.assets", "mode": "managed", "type": "aws_s3_bucket", "name": "assets",
             "change": {"actions": ["create"], "before": null, "after": {"bucket": "assets", "acl": "private"}}}
          ]
        }
        """

    @Test func changedResourcesAreRatedAndScored() throws {
        let report = try TerraformPlanScanner().scan(planData: Data(Self.plan.utf8), file: "plan.json")
        let seen = report.findings.map { "\($0.severity.rawValue) \($0.ruleID) \($0.message)" }
        #expect(
            seen == [
                "high terraform-deletion-protection-off aws_db_instance.main: deletion protection is turned off",
                "critical terraform-replace aws_instance.web: will be replaced (delete, create)",
                "critical terraform-delete aws_sqs_queue.old: will be destroyed",
                "high terraform-open-ingress aws_security_group.web: ingress on ports 22-22 open to the internet",
                "high terraform-iam aws_iam_role_policy.deploy: IAM change (aws_iam_role_policy)",
                "high terraform-public-s3 aws_s3_bucket_policy.site: bucket policy grants access to everyone (Principal \"*\")",
                "high terraform-kms-disabled aws_kms_key.data: the KMS key will be disabled",
            ], "\(seen)")
        #expect(report.summary["changed_resources"] == "8")
        #expect(report.summary["risk_score"] == "100")
        #expect(report.exitStatus == .failure)
        let markdown = TerraformPlanScanner.markdown(report)
        #expect(markdown.hasPrefix("### Terraform plan review: risk 100/100"))
        #expect(markdown.contains("| CRITICAL | `terraform-delete` | aws_sqs_queue.old: will be destroyed |"))
    }

    @Test func aQuietPlanScoresZero() throws {
        let plan = """
            {"format_version": "1.1", "resource_changes": [
              {"address": "aws_s3_bucket.a", "type": "aws_s3_bucket", "change": {"actions": ["create"], "before": null, "after": {"acl": "private"}}}
            ]}
            """
        let report = try TerraformPlanScanner().scan(planData: Data(plan.utf8), file: "plan.json")
        #expect(report.findings.isEmpty)
        #expect(report.summary["risk_score"] == "0")
        #expect(TerraformPlanScanner.markdown(report).contains("No destructive or risky changes"))
    }

    @Test func wrongFormatsAreInputErrors() {
        for (text, message) in [
            ("{\"format_version\": \"2.0\", \"resource_changes\": []}", "format_version 2.0 is not supported"),
            ("{\"resource_changes\": []}", "no format_version"),
            ("[1, 2]", "not a Terraform JSON plan (expected a JSON object at byte 0)"),
            ("{\"format_version\": \"1.2\", \"resource_changes\": [", "not a Terraform JSON plan"),
            ("{\"format_version\": \"1.2\", \"prior_state\": {\"a\": \"unclosed}", "not a Terraform JSON plan"),
            (
                "{\"format_version\": \"1.2\", \"resource_changes\": [{\"address\": \"x\"}]}",
                "lacks address, type or change.actions"
            ),
            ("{\"format_version\": \"1.2\", \"resource_changes\": 3}", "resource_changes must be a list"),
        ] {
            do {
                _ = try TerraformPlanScanner().scan(planData: Data(text.utf8), file: "plan.json")
                Issue.record("expected an error for \(text)")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }

    /// Before: plans written by Terraform 0.12–1.0.0 (format_version 0.1, 0.2) were refused.
    @Test(arguments: ["0.1", "0.2", "1.0", "1.2"])
    func everyDocumentedFormatVersionIsRead(version: String) throws {
        let plan = """
            {"format_version": "\(version)", "terraform_version": "1.0.0", "resource_changes": [
              {"address": "aws_sqs_queue.old", "type": "aws_sqs_queue", "change": {"actions": ["delete"], "before": {}, "after": null}}
            ]}
            """
        let report = try TerraformPlanScanner().scan(planData: Data(plan.utf8), file: "plan.json")
        #expect(report.findings.map(\.ruleID) == ["terraform-delete"])
    }

    /// Before: a 146 MB plan took 5.2 GB (the whole document was decoded). Now only resource changes
    /// are decoded, one at a time; the large sections are skipped byte by byte, nesting counted
    /// without recursion (so a deeply nested section cannot exhaust the stack either).
    @Test func largeSectionsAreSkippedNotDecoded() throws {
        let nested = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        let values = (0..<20_000).map { "\"k\($0)\": {\"v\": [\($0), \"s}]\\\"\"]}" }.joined(separator: ",")
        let plan = """
            {"format_version": "1.2", "prior_state": {\(values)}, "configuration": \(nested),
             "resource_changes": [
              {"address": "aws_iam_role.r", "type": "aws_iam_role", "change": {"actions": ["update"], "before": {}, "after": {}}}
             ],
             "planned_values": {"root_module": {}}}
            """
        let report = try TerraformPlanScanner().scan(planData: Data(plan.utf8), file: "plan.json")
        #expect(report.findings.map(\.ruleID) == ["terraform-iam"])
        #expect(report.summary["changed_resources"] == "1")
    }
}
