import Foundation
import GantryTestSupport
import Testing

/// An artifact built from uncommitted changes says so, and environments with approvals refuse it.
@Suite struct DirtyTreeCLITests {
    /// Before: the artifact was tagged with the clean commit while the tree had uncommitted changes;
    /// neither the run, the provenance nor any gate said so.
    @Test func aDirtyTreeIsRecordedAndRefusedWhereApprovalsAre() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        func git(_ arguments: String...) throws {
            try runChecked(
                "git", ["-C", directory.path, "-c", "user.name=t", "-c", "user.email=t@example.invalid"] + arguments)
        }
        try directory.write("app/VERSION", "1\n")
        try directory.write(
            "gantry.yml",
            """
            jobs:
              release:
                steps:
                  - uses: gantry/pack
                    with: { path: app, name: web }
            environments:
              dev: {}
              prod:
                approvals: { count: 1 }
            """)
        try git("init", "-q")
        try git("add", ".")
        try git("commit", "-q", "-m", "one")
        #expect(try GantryBinary.run(["keys", "generate"], in: directory.url).status == 0)
        try directory.write("app/VERSION", "2-not-committed\n")

        let dirty = try GantryBinary.run(["run", "--json"], in: directory.url)
        #expect(dirty.status == 0, "\(dirty.stderr)")
        let show = try GantryBinary.run(["runs", "show", "latest"], in: directory.url)
        #expect(show.stdout.contains("tree         dirty: 1 uncommitted change (app/VERSION)"), "\(show.stdout)")
        let digest = try #require(
            (try GantryBinary.run(["artifact", "inspect", "web", "--json"], in: directory.url).stdoutJSON
                as? [String: Any])?["digest"] as? String)
        // `artifact list` and `inspect` say where it came from (before: only tags, and created 1970).
        let list = try GantryBinary.run(["artifact", "list"], in: directory.url)
        #expect(list.stdout.contains("2.0 KiB  commit ") && list.stdout.contains(", dirty)  built "), "\(list.stdout)")
        let inspect = try GantryBinary.run(["artifact", "inspect", "web"], in: directory.url)
        #expect(inspect.stdout.contains("  tree      dirty"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("fixed for reproducible digests"))
        #expect(
            try GantryBinary.run(["promote", "web", "--to", "dev", "--digest", digest], in: directory.url).status == 0)
        let refused = try GantryBinary.run(["promote", "web", "--to", "prod", "--digest", digest], in: directory.url)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("uncommitted change(s) (app/VERSION)"), "\(refused.stderr)")

        try git("commit", "-q", "-am", "two")
        #expect(try GantryBinary.run(["run"], in: directory.url).status == 0)
        let clean = try GantryBinary.run(["runs", "show", "latest", "--json"], in: directory.url)
        #expect(((clean.stdoutJSON as? [String: Any])?["tree"] as? [String: Any])?["clean"] as? Bool == true)
        let cleanDigest = try #require(
            (try GantryBinary.run(["artifact", "inspect", "web", "--json"], in: directory.url).stdoutJSON
                as? [String: Any])?["digest"] as? String)
        // Same content as the dirty build, so the same digest: the clean provenance now attached counts.
        #expect(
            try GantryBinary.run(["promote", "web", "--to", "dev", "--digest", cleanDigest], in: directory.url).status
                == 0)
        let waiting = try GantryBinary.run(
            ["promote", "web", "--to", "prod", "--digest", cleanDigest], in: directory.url)
        #expect(waiting.status == 0, "\(waiting.stderr)")
        #expect(waiting.stdout.contains("approve") || waiting.stderr.contains("approve"))
    }
}
