import Foundation
import GantryTestSupport
import Testing

/// `--server URL`: the commands that read or change state act on a running `gantry serve` and print
/// what they print against the same state locally.
@Suite struct RemoteCLITests {
    @Test func commandsPrintTheSameThroughTheServerAndReleaseThroughIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = directory.url.appendingPathComponent("repo")
        let deploys = directory.url.appendingPathComponent("deploys.log")
        try directory.write(
            "repo/gantry.yml",
            """
            name: demo
            jobs:
              release:
                steps:
                  - run: echo "building the release"
                  - uses: gantry/pack
                    with: { path: app, name: web, tag: v1 }
            environments:
              staging:
                deploy: 'echo "$GANTRY_DIGEST" >> \(deploys.path)'
              prod:
                approvals: { count: 1, roles: [releaser] }
                deploy: 'echo "prod $GANTRY_DIGEST" >> \(deploys.path)'
            """)
        try directory.write("repo/app/VERSION", "1.0.0\n")
        try runChecked("git", ["init", "-q", "-b", "main"], in: repository)
        try runChecked("git", ["add", "."], in: repository)
        try runChecked(
            "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "x"], in: repository)
        let data = directory.url.appendingPathComponent("data").path
        let local = ["GANTRY_HOME": data]
        #expect(try GantryBinary.run(["keys", "generate"], in: repository, environment: local).status == 0)
        let run = try GantryBinary.run(["run"], in: repository, environment: local)
        #expect(run.status == 0, "\(run.stderr)")
        let digest = try #require(
            (try GantryBinary.run(["artifact", "inspect", "web:v1", "--json"], in: repository, environment: local)
                .stdoutJSON as? [String: Any])?["digest"] as? String)
        func issue(_ user: String) throws -> String {
            try GantryBinary.run(
                ["tokens", "create", "--user", user, "--role", "releaser", "--data", data], in: repository
            ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let token = try issue("alice")
        let bob = try issue("bob")
        for arguments in [["root", "--role", "admin", "--as", "root"], ["bob", "--role", "releaser", "--as", "root"]] {
            let added = try GantryBinary.run(["users", "add"] + arguments, in: repository, environment: local)
            #expect(added.status == 0, "\(added.stderr)")
        }

        let server = try BackgroundProcess(
            GantryBinary.path, ["serve", "--addr", "127.0.0.1:0", "--data", data],
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "CI": "true"],
            log: directory.url.appendingPathComponent("server.log"), currentDirectory: repository)
        defer { server.stop() }
        let url = try #require(server.firstLine()?.components(separatedBy: "listening on ").last)
        // Elsewhere (no pipeline, no state): everything comes from the server.
        let elsewhere = directory.url.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        func remote(_ arguments: [String], token value: String? = token) throws -> GantryBinary.Result {
            try GantryBinary.run(
                arguments + ["--server", url], in: elsewhere,
                environment: value.map { ["GANTRY_TOKEN": $0, "GANTRY_HOME": elsewhere.path + "/none"] } ?? [:])
        }

        let promoted = try remote(["promote", "web", "--to", "staging", "--digest", digest, "--reason", "ship it"])
        #expect(promoted.status == 0, "\(promoted.stdout)\(promoted.stderr)")
        #expect(promoted.stdout.hasPrefix("promotion p-"), "\(promoted.stdout)")
        #expect(promoted.stdout.contains(": succeeded"))
        #expect(try String(contentsOf: deploys, encoding: .utf8).contains(digest))

        // The same text (or JSON) as the local command over the same state.
        for arguments in [
            ["status", "--json"], ["status", "web", "--json"], ["runs", "list"], ["runs", "show", "latest"],
            ["runs", "show", "latest", "--json"], ["logs", "latest"], ["audit", "show"], ["history", "web"],
        ] {
            let here = try GantryBinary.run(arguments, in: repository, environment: local)
            let there = try remote(arguments)
            #expect(here.status == 0 && there.status == 0, "\(arguments): \(here.stderr) \(there.stderr)")
            #expect(here.stdout.count > 40, "\(arguments): \(here.stdout)")
            if arguments.contains("--json") {
                #expect(
                    NSDictionary(dictionary: ["v": here.stdoutJSON ?? NSNull()])
                        == NSDictionary(dictionary: ["v": there.stdoutJSON ?? NSNull()]),
                    "\(arguments)\n\(here.stdout)\n---\n\(there.stdout)")
            } else {
                #expect(here.stdout == there.stdout, "\(arguments)\n\(here.stdout)\n---\n\(there.stdout)")
            }
        }
        #expect(try remote(["logs", "latest"]).stdout.contains("[release] building the release"))
        let noJob = try remote(["logs", "latest", "--job", "nosuch"])
        #expect(noJob.status == 2)
        #expect(noJob.stderr.contains("has no job named nosuch"))
        let noRun = try remote(["runs", "show", "../../etc"])
        #expect(noRun.status == 2)
        #expect(noRun.stderr.contains("no run"), "\(noRun.stderr)")
        let board = try #require(try remote(["status", "--json"]).stdoutJSON as? [[String: Any]])
        #expect((board.first?["current"] as? [String: Any])?["digest"] as? String == digest)
        #expect(try remote(["runs", "show", "latest"]).stdout.contains("      success   "))
        let verified = try remote(["audit", "verify"])
        #expect(verified.status == 0)
        #expect(verified.stdout.contains("audit log intact"))

        // prod waits for an approval; alice withdraws it, asks again, and bob approves: it deploys.
        let waiting = try remote(["promote", "web", "--to", "prod", "--from", "staging"])
        #expect(waiting.status == 0, "\(waiting.stderr)")
        #expect(waiting.stdout.contains(": awaiting_approval"), "\(waiting.stdout)")
        let first = try #require(
            waiting.stdout.split(separator: ":").first?.split(separator: " ").last.map(String.init))
        let cancelled = try remote(["cancel", first, "--reason", "wrong time"])
        #expect(cancelled.stdout == "promotion \(first): cancelled\n", "\(cancelled.stdout)\(cancelled.stderr)")
        let asked = try remote(["promote", "web", "--to", "prod", "--from", "staging", "--json"])
        let second = try #require((asked.stdoutJSON as? [String: Any])?["id"] as? String, "\(asked.stdout)")
        let selfApproval = try remote(["approve", second])
        #expect(selfApproval.status == 2, "\(selfApproval.stderr)")
        #expect(selfApproval.stderr.contains("not allowed"))
        let approved = try remote(["approve", second], token: bob)
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(approved.stdout.hasPrefix("promotion \(second): succeeded"), "\(approved.stdout)")
        #expect(try String(contentsOf: deploys, encoding: .utf8).contains("prod \(digest)"))
        // Nothing to roll back to: refused with the reason, as locally.
        let rollback = try remote(["rollback", "web", "--env", "prod", "--reason", "alert"])
        #expect(rollback.status == 2, "\(rollback.stdout)\(rollback.stderr)")
        #expect(rollback.stderr.contains("no earlier verified deployment of web to roll back to"), "\(rollback.stderr)")

        let rejected = try remote(["reject", "web@\(digest)", "--reason", "leaks memory"])
        #expect(rejected.status == 0, "\(rejected.stderr)")
        #expect(rejected.stdout == "rejected web@\(digest): leaks memory\n")
        let again = try remote(["promote", "web", "--to", "staging", "--digest", digest])
        #expect(again.status == 1, "\(again.stdout)\(again.stderr)")
        #expect(again.stderr.contains("rejected"))

        // Administration through the server needs an admin token: tokens and users as locally.
        let admin = try GantryBinary.run(
            ["tokens", "create", "--user", "root", "--role", "admin", "--data", data], in: repository
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try remote(["tokens", "list"]).status == 2)  // a releaser may not
        let created = try remote(
            ["tokens", "create", "--user", "ci", "--role", "viewer", "--expires", "1d"], token: admin)
        #expect(created.status == 0, "\(created.stderr)")
        let newToken = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(newToken.hasPrefix("gantry_") && created.stderr.contains("for ci (viewer)"))
        let listed = try remote(["tokens", "list", "--json"], token: admin)
        let entries = try #require(listed.stdoutJSON as? [[String: Any]])
        let ciToken = try #require(entries.first { $0["user"] as? String == "ci" })
        #expect(ciToken["active"] as? Bool == true)
        #expect(!listed.stdout.contains(newToken))
        let tokenID = try #require(ciToken["id"] as? String)
        #expect(try remote(["tokens", "revoke", tokenID], token: admin).stdout == "revoked \(tokenID)\n")
        #expect(try remote(["status"], token: newToken).status == 2)
        let added = try remote(["users", "add", "carol", "--role", "releaser"], token: admin)
        #expect(added.stdout == "added carol (releaser)\n", "\(added.stderr)")
        let users = try remote(["users", "list"], token: admin)
        let here = try GantryBinary.run(["users", "list"], in: repository, environment: local)
        #expect(users.stdout == here.stdout)
        #expect(users.stdout.contains("carol"))

        // Bad input: no token, a wrong one, a URL that is not http, a server that is not there.
        let noToken = try remote(["status"], token: nil)
        #expect(noToken.status == 2)
        #expect(noToken.stderr.contains("GANTRY_TOKEN"))
        let wrong = try remote(["status"], token: "gantry_" + String(repeating: "0", count: 48))
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("refused the token"))
        #expect(!wrong.stderr.contains(String(repeating: "0", count: 48)))
        let ftp = try GantryBinary.run(
            ["status", "--server", "ftp://127.0.0.1/"], in: elsewhere, environment: ["GANTRY_TOKEN": token])
        #expect(ftp.status == 2)
        #expect(ftp.stderr.contains("http:// or https://"))
        let gone = try GantryBinary.run(
            ["runs", "list", "--server", "http://127.0.0.1:9"], in: elsewhere, environment: ["GANTRY_TOKEN": token])
        #expect(gone.status == 3)
        #expect(gone.stderr.contains("cannot reach the server"))
        #expect(!gone.stderr.contains(token))
    }
}
