import Foundation
import GantryTestSupport
import Testing

/// Build avoidance never gives a false green.
@Suite struct AvoidanceKeyCLITests {
    /// Before: after `gantry keys generate` the packing job stayed `cached`, so the artifact stayed
    /// unsigned and promotion refused it; only --no-cache got out.
    @Test func aNewSigningKeyMakesThePackingJobRunAgain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("app/VERSION", "1\n")
        try directory.write(
            "gantry.yml",
            """
            jobs:
              package:
                inputs: [app/**]
                steps:
                  - uses: gantry/pack
                    with: { path: app, name: web }
            """)
        func status() throws -> String? {
            let result = try GantryBinary.run(["run", "--json"], in: directory.url)
            #expect(result.status == 0, "\(result.stderr)")
            return ((result.stdoutJSON as? [String: Any])?["jobs"] as? [[String: Any]])?.first?["status"] as? String
        }
        #expect(try status() == "success")
        #expect(try status() == "cached")
        #expect(try GantryBinary.run(["keys", "generate"], in: directory.url).status == 0)
        #expect(try status() == "success", "a new signing key must invalidate the pack")
        let verify = try GantryBinary.run(["artifact", "verify", "web:latest"], in: directory.url)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(try status() == "cached")
    }
}

/// A typo in `inputs` must not freeze a job as `cached` forever.
@Suite struct UnmatchedInputsCLITests {
    @Test func aPatternThatMatchesNothingIsAWarningAndTheJobIsNeverAvoided() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("pyproject.toml", "[project]\n")
        try directory.write(
            "gantry.yml", "jobs:\n  build:\n    inputs: [pyprojekt.toml]\n    steps: [{ run: echo built }]\n")
        let validate = try GantryBinary.run(["validate"], in: directory.url)
        #expect(validate.status == 0)
        #expect(
            validate.stderr.contains(
                "gantry.yml:2:3: warning: job 'build' inputs pattern 'pyprojekt.toml' matches no file"),
            "\(validate.stderr)")
        for _ in 0..<2 {
            let run = try GantryBinary.run(["run", "--json"], in: directory.url)
            let job = ((run.stdoutJSON as? [String: Any])?["jobs"] as? [[String: Any]])?.first
            #expect(job?["status"] as? String == "success")
            #expect(run.stderr.contains("inputs pattern 'pyprojekt.toml' matches no file"), "\(run.stderr)")
        }
    }
}

/// `gantry logs` of an avoided job says so, and where its output is.
@Suite struct AvoidedJobLogsCLITests {
    /// Before: it printed nothing and exited 0.
    @Test func logsOfACachedJobPointAtTheRunWhoseResultItReused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("input.txt", "1\n")
        try directory.write(
            "gantry.yml", "jobs:\n  build:\n    inputs: [input.txt]\n    steps: [{ run: echo built }]\n")
        let first = try GantryBinary.run(["run", "--json"], in: directory.url)
        let firstRun = try #require((first.stdoutJSON as? [String: Any])?["run"] as? String)
        #expect(try GantryBinary.run(["run"], in: directory.url).status == 0)
        let logs = try GantryBinary.run(["logs", "latest", "--job", "build"], in: directory.url)
        #expect(logs.status == 0)
        #expect(
            logs.stdout.contains("[build] cached: inputs unchanged since run \(firstRun)")
                && logs.stdout.contains("gantry logs \(firstRun) --job 'build'"), "\(logs.stdout)")
    }
}

/// A step failure that `continue-on-error` allows stays visible.
@Suite struct AllowedFailureCLITests {
    /// Before: the job showed only `success` in the summary.
    @Test func theSummarySaysAStepFailedButWasAllowed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            "jobs:\n  lint:\n    steps:\n      - run: exit 3\n        continue-on-error: true\n      - run: echo ok\n")
        let text = try GantryBinary.run(["run"], in: directory.url)
        #expect(text.status == 0)
        #expect(text.stdout.contains("1 step failed, allowed by continue-on-error"), "\(text.stdout)")
        let json = try GantryBinary.run(["run", "--json"], in: directory.url)
        let job = ((json.stdoutJSON as? [String: Any])?["jobs"] as? [[String: Any]])?.first
        #expect(job?["status"] as? String == "success")
        #expect(job?["reason"] as? String == "1 step failed, allowed by continue-on-error")
    }
}
