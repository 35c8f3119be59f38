import Foundation
import GantryTestSupport
import Testing

@Suite struct ReleaseCLITests {
    /// A project with a key, a packed and signed artifact `web`, and environments whose deploy command
    /// waits until a file appears (so a promotion can be held open).
    func project() throws -> (TemporaryDirectory, String) {
        try releaseProject(
            environments: """
                  dev:
                    deploy: 'touch deploying; while [ ! -f release-deploy ]; do sleep 0.05; done; echo "deployed $GANTRY_DIGEST"'
                  prod:
                    requires: dev
                    approvals: { count: 1, roles: [releaser], totp: true }
                """)
    }

    @Test func twoPromotionsAtOnceFromTwoProcesses() async throws {
        let (directory, digest) = try project()
        defer { directory.remove() }
        let url = directory.url
        // The first promotion holds the lock while its deploy command waits for `release-deploy`.
        let first = Task.detached {
            try GantryBinary.run(["promote", "web", "--to", "dev", "--digest", digest, "--json"], in: url)
        }
        try await waitForFile(url.appendingPathComponent("deploying"))
        let second = try GantryBinary.run(["promote", "web", "--to", "dev", "--digest", digest], in: url)
        #expect(second.status == 1)
        #expect(second.stderr.contains("is in progress (deploying, started by"), "\(second.stderr)")
        let status = try GantryBinary.run(["status", "web", "--json"], in: url)
        let rows = try #require(status.stdoutJSON as? [[String: Any]])
        let pending = try #require(rows.first { $0["environment"] as? String == "dev" }?["pending"] as? [String: Any])
        #expect(pending["status"] as? String == "deploying")
        #expect(second.stderr.contains(pending["id"] as? String ?? "?"))

        try directory.write("release-deploy", "")
        let result = try await first.value
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(result.stdoutJSON as? [String: Any])
        #expect(object["status"] as? String == "succeeded")
        #expect(result.stderr.contains("deployed \(digest)"))
        // The lock is free again: the same digest can be promoted (redeployed) now.
        let again = try GantryBinary.run(["promote", "web", "--to", "dev", "--digest", digest], in: url)
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test func aLongDeployKeepsRenewingItsLease() async throws {
        let (directory, digest) = try project()
        defer { directory.remove() }
        let url = directory.url
        // A 2-second lease on a deploy that waits far longer: its process must keep renewing it (judging
        // expiry against the clock is the store tests' job; here, the renewals are watched).
        let lease = ["GANTRY_PROMOTION_LEASE": "2s"]
        // A process of its own (not a task: a busy test run may leave no thread to start one for a while).
        let first = try startGantry(["promote", "web", "--to", "dev", "--digest", digest], in: url, environment: lease)
        func pending() throws -> [String: Any]? {
            let status = try GantryBinary.run(["status", "web", "--json"], in: url)
            let rows = status.stdoutJSON as? [[String: Any]] ?? []
            return rows.first { $0["environment"] as? String == "dev" }?["pending"] as? [String: Any]
        }
        try await waitForFile(url.appendingPathComponent("deploying"), seconds: 300)
        // The deploy is released once three renewals were seen (below); this only ends a failing test.
        after(seconds: 300) { try? Data().write(to: url.appendingPathComponent("release-deploy")) }
        // Watched until three renewals were seen, for as long as a loaded machine may need (not a count
        // of polls: each `gantry status` may take seconds there).
        let deadline = ContinuousClock.now + .seconds(240)
        var seen: [String] = []
        while seen.count < 3, ContinuousClock.now < deadline {
            if let lease = try pending()?["lease_expires_at"] as? String, lease != seen.last { seen.append(lease) }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(seen.count >= 3, "the lease was not renewed: \(seen)")
        #expect(seen == seen.sorted(), "\(seen)")
        #expect(try pending()?["fencing_token"] as? Int != nil)
        try directory.write("release-deploy", "")
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        let history = try GantryBinary.run(["history", "web", "--env", "dev", "--json"], in: url)
        let entries = try #require(history.stdoutJSON as? [[String: Any]])
        #expect(entries.first?["status"] as? String == "succeeded", "\(history.stdout)")
    }

    @Test func aProcessThatLosesItsLeaseStopsItsDeploy() async throws {
        let (directory, digest) = try project()
        defer { directory.remove() }
        let url = directory.url
        let first = try startGantry(
            ["promote", "web", "--to", "dev", "--digest", digest], in: url,
            environment: ["GANTRY_PROMOTION_LEASE": "2s"])
        try await waitForFile(url.appendingPathComponent("deploying"), seconds: 300)
        // Only ends a failing test (the deploy is meant to be stopped long before).
        after(seconds: 300) { try? Data().write(to: url.appendingPathComponent("release-deploy")) }
        // Another process took the promotion over: the token this one holds no longer renews it.
        _ = try runChecked(
            "/usr/bin/env",
            [
                "sqlite3", url.appendingPathComponent(".gantry/state.db").path,
                "UPDATE promotions SET fencingToken = fencingToken + 1000 WHERE status = 'deploying'",
            ])
        first.waitUntilExit()
        #expect(first.terminationStatus == 1)
        // Its deploy command was stopped, not left to finish after someone else's.
        #expect(!FileManager.default.fileExists(atPath: url.appendingPathComponent("release-deploy").path))
    }

    @Test func approvalsStatusHistoryAndBadInputFromTheCommandLine() throws {
        let (directory, digest) = try project()
        defer { directory.remove() }
        let url = directory.url
        try directory.write("release-deploy", "")
        let env = ["GANTRY_ACTOR": "dana"]
        #expect(try GantryBinary.run(["users", "add", "ops", "--role", "admin"], in: url).status == 0)
        #expect(
            try GantryBinary.run(["users", "add", "bob", "--role", "releaser", "--as", "ops"], in: url).status == 0)
        let badRole = try GantryBinary.run(["users", "add", "eve", "--role", "releasor"], in: url)
        #expect(badRole.status == 2)
        #expect(badRole.stderr.contains("did you mean 'releaser'?"))
        let enroll = try GantryBinary.run(["users", "totp-enroll", "bob", "--as", "bob"], in: url)
        #expect(enroll.stdout.hasPrefix("otpauth://totp/Gantry%3Abob?secret="))

        // Skipping dev is refused (exit 1); unknown environments and digests are input errors (exit 2).
        let skip = try GantryBinary.run(
            ["promote", "web", "--to", "prod", "--digest", digest], in: url, environment: env)
        #expect(skip.status == 1)
        #expect(skip.stdout.contains("✗ requires:"))
        let unknownEnvironment = try GantryBinary.run(["promote", "web", "--to", "qa", "--digest", digest], in: url)
        #expect(unknownEnvironment.status == 2)
        #expect(unknownEnvironment.stderr.contains("unknown environment 'qa'"))
        let bothSources = try GantryBinary.run(["promote", "web", "--to", "dev"], in: url)
        #expect(bothSources.status == 2)
        let noKey = try GantryBinary.run(
            ["promote", "web", "--to", "dev", "--digest", digest, "--key", "missing.pub"], in: url)
        #expect(noKey.status == 2)

        #expect(
            try GantryBinary.run(["promote", "web", "--to", "dev", "--digest", digest], in: url, environment: env)
                .status == 0)
        let waiting = try GantryBinary.run(
            ["promote", "web", "--to", "prod", "--from", "dev", "--json"], in: url, environment: env)
        #expect(waiting.status == 0, "\(waiting.stderr)")
        let id = try #require((waiting.stdoutJSON as? [String: Any])?["id"] as? String)
        #expect((waiting.stdoutJSON as? [String: Any])?["status"] as? String == "awaiting_approval")
        let selfApproval = try GantryBinary.run(["approve", id, "--totp", "123456"], in: url, environment: env)
        #expect(selfApproval.status == 1)
        let wrongCode = try GantryBinary.run(["approve", id, "--as", "bob", "--totp", "000000"], in: url)
        #expect(wrongCode.status == 1)
        #expect(wrongCode.stderr.contains("approval refused: the TOTP code is wrong or expired"))

        let table = try GantryBinary.run(["status"], in: url)
        #expect(table.stdout.contains("APP  ENV"))
        #expect(table.stdout.contains("\(id) "))
        #expect(table.stdout.contains("(0/1 approvals)"))
        let history = try GantryBinary.run(["history", "web", "--env", "dev", "--json"], in: url)
        let records = try #require(history.stdoutJSON as? [[String: Any]])
        #expect(records.first?["digest"] as? String == digest)
        #expect(records.first?["requested_by"] as? String == "dana")
        // Nothing secret in the audit log: the TOTP secret never appears.
        let secret = try #require(
            URLComponents(string: enroll.stdout.trimmingCharacters(in: .whitespacesAndNewlines))?
                .queryItems?.first { $0.name == "secret" }?.value)
        let audit = try GantryBinary.run(["audit", "show", "--json"], in: url)
        #expect(!audit.stdout.contains(secret))
        #expect(audit.stdout.contains("approve.refused"))
        let cancel = try GantryBinary.run(["cancel", id, "--reason", "not today"], in: url)
        #expect(cancel.status == 0)
        #expect(cancel.stdout.contains("cancelled"))
        #expect(try GantryBinary.run(["audit", "verify"], in: url).status == 0)
    }
}

@Suite struct RegistryCLITests {
    @Test func pushInspectAndPullThroughTheCommandLine() throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("app/requirements.txt", "requests==2.31.0\n")
        #expect(try GantryBinary.run(["keys", "generate"], in: directory.url).status == 0)
        #expect(
            try GantryBinary.run(["artifact", "pack", "app", "--name", "web", "--tag", "v1"], in: directory.url).status
                == 0)
        // Credentials from the environment are used only when challenged and never printed.
        let env = ["GANTRY_REGISTRY_USERNAME": "ci", "GANTRY_REGISTRY_PASSWORD": "hunter2-registry"]
        let push = try GantryBinary.run(
            ["artifact", "push", "web:v1", "--to", "\(registry.address)/team/web:v1", "--json"], in: directory.url,
            environment: env)
        #expect(push.status == 0, "\(push.stderr)")
        let pushed = try #require(push.stdoutJSON as? [String: Any])
        #expect(pushed["referrers"] as? Int == 2)
        #expect(!(push.stdout + push.stderr).contains("hunter2"))
        let again = try GantryBinary.run(
            ["artifact", "push", "web:v1", "--to", "\(registry.address)/copy/web"], in: directory.url)
        #expect(again.stdout.contains("mounted"), "\(again.stdout)")
        let inspect = try GantryBinary.run(
            ["artifact", "inspect", "\(registry.address)/team/web:v1", "--json"], in: directory.url)
        let remote = try #require(inspect.stdoutJSON as? [String: Any])
        #expect(remote["digest"] as? String == pushed["digest"] as? String)
        #expect((remote["referrers"] as? [Any])?.count == 2)

        let elsewhere = try TemporaryDirectory()
        defer { elsewhere.remove() }
        let pull = try GantryBinary.run(
            ["artifact", "pull", "\(registry.address)/team/web:v1", "--json"], in: elsewhere.url)
        #expect(pull.status == 0, "\(pull.stderr)")
        #expect((pull.stdoutJSON as? [String: Any])?["digest"] as? String == pushed["digest"] as? String)
        let key = directory.url.appendingPathComponent(".gantry/keys/signing.pub").path
        let verify = try GantryBinary.run(["artifact", "verify", "web:v1", "--key", key], in: elsewhere.url)
        #expect(verify.status == 0, "\(verify.stdout)")
        // Bad references are input errors; an unknown repository is one too.
        let bad = try GantryBinary.run(["artifact", "pull", "team/web"], in: elsewhere.url)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("is not a registry host"))
        let missing = try GantryBinary.run(["artifact", "pull", "\(registry.address)/nope/web:v1"], in: elsewhere.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("does not exist"))
        let audit = try GantryBinary.run(["audit", "show"], in: directory.url)
        #expect(audit.stdout.contains("push"))
    }
}

/// `gantry status` shows one tag for one digest, whichever environment runs it.
@Suite struct StatusTagCLITests {
    @Test func oneDigestShowsOneTagInEveryEnvironment() throws {
        let (directory, digest) = try releaseProject(
            environments: """
                  dev:
                    deploy: 'true'
                  prod:
                    deploy: 'true'
                """)
        defer { directory.remove() }
        #expect(
            try GantryBinary.run(["promote", "web", "--to", "dev", "--digest", digest], in: directory.url).status == 0)
        // The same content gets tag v2, and v1 moves to other content.
        #expect(
            try GantryBinary.run(["artifact", "pack", "app", "--name", "web", "--tag", "v2"], in: directory.url).status
                == 0)
        try directory.write("other/VERSION", "2.0.0\n")
        #expect(
            try GantryBinary.run(["artifact", "pack", "other", "--name", "web", "--tag", "v1"], in: directory.url)
                .status
                == 0)
        #expect(
            try GantryBinary.run(["promote", "web", "--to", "prod", "--digest", digest], in: directory.url).status == 0)
        let status = try GantryBinary.run(["status", "--json"], in: directory.url)
        let rows = try #require(status.stdoutJSON as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(rows.map { $0["tag"] as? String } == ["v2", "v2"])
        let table = try GantryBinary.run(["status"], in: directory.url)
        #expect(table.stdout.split(separator: "\n").filter { $0.contains(" v2 ") }.count == 2, "\(table.stdout)")
    }
}
