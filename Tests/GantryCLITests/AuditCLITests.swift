import Foundation
import GantryTestSupport
import Testing

/// The audit log is keyed and anchored by signed checkpoints outside the database.
@Suite struct AuditCLITests {
    func project() throws -> TemporaryDirectory {
        let (directory, digest) = try releaseProject(environments: "  dev: {}")
        #expect(
            try GantryBinary.run(["promote", "web", "--to", "dev", "--digest", digest], in: directory.url).status == 0)
        return directory
    }

    func sqlite(_ directory: TemporaryDirectory, _ statement: String) throws {
        try runChecked("sqlite3", [directory.url.appendingPathComponent(".gantry/state.db").path, statement])
    }

    /// Before: deleting the newest rows, or all of them, verified as intact.
    @Test(arguments: [
        "DELETE FROM audit WHERE sequence = (SELECT MAX(sequence) FROM audit)",
        "DELETE FROM audit",
    ])
    func aDroppedTailOrAnEmptiedLogFails(tamper: String) throws {
        let directory = try project()
        defer { directory.remove() }
        let before = try GantryBinary.run(["audit", "verify"], in: directory.url)
        #expect(before.status == 0, "\(before.stdout)")
        #expect(before.stdout.contains("anchored: rows 1–"))
        try sqlite(directory, tamper)
        let after = try GantryBinary.run(["audit", "verify", "--json"], in: directory.url)
        #expect(after.status == 1)
        let problems = (after.stdoutJSON as? [String: Any])?["problems"] as? [String] ?? []
        #expect(problems.contains { $0.contains("rows were deleted") }, "\(problems)")
    }

    @Test func deletedCheckpointsAreNoticedAndCheckpointsCanBeMadeOnDemand() throws {
        let directory = try project()
        defer { directory.remove() }
        let checkpoint = try GantryBinary.run(["audit", "checkpoint"], in: directory.url)
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        #expect(checkpoint.stdout.contains("stored as gantry-audit:checkpoint-"))
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent(".gantry/oci"))
        let result = try GantryBinary.run(["audit", "verify"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.stdout.contains("no signed checkpoint exists, yet promotions were recorded"))
    }
}

/// `promote --digest` takes the forms `gantry/pack` and the docs print.
@Suite struct PromoteReferenceCLITests {
    /// Before: `web@sha256:…`, "the form to promote", was refused.
    @Test func promoteAcceptsAppAtDigestAndAppColonTag() throws {
        let (directory, digest) = try releaseProject(environments: "  dev: {}\n  prod: {}")
        defer { directory.remove() }
        let atDigest = try GantryBinary.run(
            ["promote", "web", "--to", "dev", "--digest", "web@\(digest)"], in: directory.url)
        #expect(atDigest.status == 0, "\(atDigest.stderr)")
        let tagged = try GantryBinary.run(
            ["promote", "web", "--to", "prod", "--digest", "web:v1", "--json"], in: directory.url)
        #expect(tagged.status == 0, "\(tagged.stderr)")
        #expect((tagged.stdoutJSON as? [String: Any])?["digest"] as? String == digest)
        let other = try GantryBinary.run(
            ["promote", "web", "--to", "dev", "--digest", "api@\(digest)"], in: directory.url)
        #expect(other.status == 2)
        #expect(other.stderr.contains("is an artifact of 'api', but this promotes 'web'"))
    }
}

/// A failed deploy's output is kept with the promotion.
@Suite struct PromotionLogCLITests {
    /// Before: it went only to the terminal; `history` kept "deploy failed: exit 1".
    @Test func logsOfAPromotionShowItsDeployOutput() throws {
        let (directory, digest) = try releaseProject(
            environments: """
                  dev:
                    deploy: 'echo "migrating schema for $GANTRY_DIGEST"; echo "error: table locked" >&2; exit 1'
                """)
        defer { directory.remove() }
        let promote = try GantryBinary.run(
            ["promote", "web", "--to", "dev", "--digest", digest, "--json"], in: directory.url)
        #expect(promote.status == 1)
        let history = try GantryBinary.run(["history", "web", "--env", "dev", "--json"], in: directory.url)
        let id = try #require((history.stdoutJSON as? [[String: Any]])?.first?["id"] as? String)
        let logs = try GantryBinary.run(["logs", id], in: directory.url)
        #expect(logs.status == 0)
        #expect(logs.stdout.contains("migrating schema for \(digest)"), "\(logs.stdout)")
        #expect(logs.stdout.contains("error: table locked"))
        #expect(logs.stdout.contains("✗ deploy: exit 1"))
    }
}
