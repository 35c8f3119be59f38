import Foundation
import GantryTestSupport
import Testing

/// `promote --waivers` and signed policy decisions, through the command line.
@Suite struct PolicyWaiverCLITests {
    /// Before: promote, approve and rollback accepted --waivers and ignored it, and the decisions they
    /// attached to the digest were never signed.
    @Test func promoteHonoursWaiversAndSignsTheDecision() throws {
        let token = "gh" + "p_" + "Q8wK3mZx7Lp2Nv5Rt9Bc4Hd6Fg1Js0Ya3Ue8"
        let (directory, digest) = try releaseProject(
            environments: """
                  dev:
                    policy:
                      no_secrets: true
                """, files: ["app/config.env": "GITHUB_TOKEN=\(token)\n"])
        defer { directory.remove() }
        try directory.write(
            "accepted.yml",
            """
            waivers:
              - id: github-pat
                reason: a revoked test token, kept to exercise the scanner
                approved_by: alice
                expires: 2099-12-31
            """)

        let refused = try GantryBinary.run(["promote", "web", "--to", "dev", "--digest", digest], in: directory.url)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("policy"), "\(refused.stderr)")

        let waived = try GantryBinary.run(
            ["promote", "web", "--to", "dev", "--digest", digest, "--waivers", "accepted.yml"], in: directory.url)
        #expect(waived.status == 0, "\(waived.stdout)\(waived.stderr)")

        // Every decision attached to the digest is a DSSE envelope signed with the project's key.
        let index =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: directory.url.appendingPathComponent(".gantry/oci/index.json")))
            as? [String: Any]
        let decisions = ((index?["manifests"] as? [[String: Any]]) ?? []).filter {
            ($0["artifactType"] as? String)?.contains("policy-decision") == true
        }
        #expect(decisions.count == 2)
        for decision in decisions {
            let manifestDigest = try #require(decision["digest"] as? String)
            let manifest =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: blob(directory, manifestDigest))) as? [String: Any]
            let layer = try #require((manifest?["layers"] as? [[String: Any]])?.first?["digest"] as? String)
            let envelope =
                try JSONSerialization.jsonObject(with: Data(contentsOf: blob(directory, layer)))
                as? [String: Any]
            #expect((envelope?["signatures"] as? [[String: Any]])?.isEmpty == false, "unsigned decision")
        }
    }

    func blob(_ directory: TemporaryDirectory, _ digest: String) -> URL {
        directory.url.appendingPathComponent(".gantry/oci/blobs/sha256/\(digest.dropFirst("sha256:".count))")
    }
}
