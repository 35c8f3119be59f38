import Foundation
import GantryTestSupport
import Testing

/// Runs the built `gantry` binary as a user would and checks output and exit codes.
@Suite struct CLITests {
    let hello = """
        name: demo
        jobs:
          build:
            outputs: { v: "${{ steps.v.outputs.v }}" }
            steps:
              - id: v
                run: echo "v=7" >> "$GANTRY_OUTPUT" && echo building
          test:
            needs: build
            steps:
              - run: echo "testing ${{ needs.build.outputs.v }}"
        """

    @Test func validateValidFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("gantry.yml", hello)
        let result = try GantryBinary.run(["validate"], in: directory.url)
        #expect(result.status == 0)
        #expect(result.stdout == "gantry.yml: ok: pipeline 'demo', 2 jobs, 2 steps\n")
    }

    @Test func validateReportsEveryErrorWithExitCode2() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "ci.yml",
            """
            jobs:
              a:
                needs: [b]
                timeout: forever
                steps: [{ run: echo }]
              b:
                needs: a
                stepz: []
            """)
        let result = try GantryBinary.run(["validate", "--file", "ci.yml"], in: directory.url)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("ci.yml:4:14: error: job 'a' timeout: invalid duration 'forever'") })
        #expect(lines.contains("ci.yml:8:5: error: unknown key 'stepz' in job 'b' (did you mean 'steps'?)"))
        #expect(lines.contains("ci.yml:6:3: error: job 'b' has no 'steps:'"))
        #expect(lines.contains("ci.yml:2:3: error: dependency cycle: a -> b -> a"))
        #expect(lines.last == "4 errors found")
    }

    @Test func missingFileAndBadFlagsAreUsageErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = try GantryBinary.run(["run", "--file", "nope.yml"], in: directory.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.yml: no such file"))
        let badFlag = try GantryBinary.run(["run", "--parallel", "0"], in: directory.url)
        #expect(badFlag.status == 2)
        #expect(badFlag.stderr.contains("--parallel must be at least 1"))
        let unknown = try GantryBinary.run(["frobnicate"], in: directory.url)
        #expect(unknown.status == 2)
        // Nothing half-written: a run that never started leaves no state behind.
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".gantry/state.db").path))
    }

    @Test func runJSONAndRecords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("gantry.yml", hello)
        let run = try GantryBinary.run(["run", "--json"], in: directory.url)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(run.stdoutJSON as? [String: Any])
        #expect(object["status"] as? String == "success")
        let jobs = try #require(object["jobs"] as? [[String: Any]])
        #expect(jobs.map { $0["name"] as? String } == ["build", "test"])
        #expect(
            jobs.allSatisfy {
                $0["status"] as? String == "success" && $0["attempts"] as? Int == 1 && $0["duration_ms"] != nil
            })
        #expect(run.stderr.contains("[test] testing 7"))
        let runID = try #require(object["run"] as? String)

        let list = try GantryBinary.run(["runs", "list", "--json"], in: directory.url)
        let runs = try #require(list.stdoutJSON as? [[String: Any]])
        #expect(runs.first?["run"] as? String == runID)
        #expect((runs.first?["digest"] as? String)?.hasPrefix("sha256:") == true)

        let show = try GantryBinary.run(["runs", "show", String(runID.prefix(18))], in: directory.url)
        #expect(show.status == 0)
        #expect(show.stdout.contains("Run \(runID)  success"))

        let logs = try GantryBinary.run(["logs", runID, "--job", "test"], in: directory.url)
        #expect(logs.stdout.contains("[test] testing 7"))
        #expect(!logs.stdout.contains("[build]"))
        let noRun = try GantryBinary.run(["logs", "does-not-exist"], in: directory.url)
        #expect(noRun.status == 2)
    }

    @Test func failingJobExitsWith1() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("gantry.yml", "jobs:\n  a:\n    steps: [{ run: 'exit 4' }]\n")
        let result = try GantryBinary.run(["run"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.stdout.contains("[a] ✗ failure"))
        #expect(result.stdout.contains("exited with status 4"))
    }

    @Test func secretsFromFlagFileAndEnvironmentAreMaskedOnTheTerminal() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            """
            jobs:
              a:
                secrets: [ONE, TWO, THREE]
                steps:
                  - run: echo "$ONE $TWO $THREE"
            """)
        try directory.write("secrets.env", "# comment\nexport TWO=\"second-value\"\n")
        let result = try GantryBinary.run(
            ["run", "--secret", "ONE=first-value", "--secrets-file", "secrets.env"], in: directory.url,
            environment: ["GANTRY_SECRET_THREE": "third-value"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("[a] *** *** ***"))
        for value in ["first-value", "second-value", "third-value"] { #expect(!result.stdout.contains(value)) }
        let short = try GantryBinary.run(["run", "--secret", "ONE=abc"], in: directory.url)
        #expect(short.status == 2)
        #expect(short.stderr.contains("shorter than 4 characters"))
    }

    @Test func planShowsSkipsAndJSON() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            """
            jobs:
              docs:
                paths: ["docs/**"]
                steps: [{ run: echo }]
              code:
                steps: [{ run: echo }]
            """)
        try directory.write("changed.txt", "src/main.swift\n")
        let plan = try GantryBinary.run(["plan", "--changed-files", "changed.txt"], in: directory.url)
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("docs  skip: path filter: no changed file matches paths (docs/**)"))
        let json = try GantryBinary.run(["plan", "--changed-files", "changed.txt", "--json"], in: directory.url)
        let object = try #require(json.stdoutJSON as? [String: Any])
        let jobs = try #require(object["jobs"] as? [[String: Any]])
        #expect(jobs.first { $0["name"] as? String == "docs" }?["decision"] as? String == "skip")
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".gantry").path))
    }

    @Test func sinceUsesGitToFindChangedFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            """
            jobs:
              docs:
                paths: ["docs/**"]
                steps: [{ run: echo docs }]
              code:
                paths: ["src/**"]
                steps: [{ run: echo code }]
            """)
        try directory.write("src/main.c", "int main;")
        try directory.write("docs/a.md", "# a")
        func git(_ arguments: String...) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"] + arguments
            process.currentDirectoryURL = directory.url
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "git \(arguments)")
        }
        try git("init", "-q")
        try git("add", ".")
        try git("commit", "-q", "-m", "initial")
        try directory.write("src/main.c", "int main(void) { return 0; }")
        let plan = try GantryBinary.run(["plan", "--since", "HEAD", "--json"], in: directory.url)
        #expect(plan.status == 0, "\(plan.stderr)")
        let object = try #require(plan.stdoutJSON as? [String: Any])
        #expect(object["changed_files"] as? [String] == ["src/main.c"])
        let decisions = Dictionary(
            uniqueKeysWithValues: (object["jobs"] as? [[String: Any]] ?? []).map {
                ($0["name"] as? String ?? "", $0["decision"] as? String ?? "")
            })
        #expect(decisions == ["docs": "skip", "code": "run"])
        let run = try GantryBinary.run(["run", "--since", "HEAD", "--json"], in: directory.url)
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"status\" : \"skipped\""))
        let badRef = try GantryBinary.run(["plan", "--since", "no-such-ref"], in: directory.url)
        #expect(badRef.status == 2)
        #expect(badRef.stderr.contains("--since no-such-ref"))
    }

    @Test func artifactCommandsAndThePackAction() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            """
            jobs:
              build:
                outputs: { ref: "${{ steps.pack.outputs.ref }}" }
                steps:
                  - run: mkdir -p out && echo built > out/app.txt
                  - id: pack
                    uses: gantry/pack
                    with: { path: out, name: svc, tag: v2 }
            """)
        let run = try GantryBinary.run(["run", "--json"], in: directory.url)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(run.stdoutJSON as? [String: Any])
        let outputs = (object["jobs"] as? [[String: Any]])?.first?["outputs"] as? [String: String]
        let ref = try #require(outputs?["ref"])
        #expect(ref.hasPrefix("svc@sha256:"))

        let pack = try GantryBinary.run(
            ["artifact", "pack", "out", "--name", "svc", "--tag", "v2", "--json"], in: directory.url)
        let packed = try #require(pack.stdoutJSON as? [String: Any])
        #expect(packed["ref"] as? String == ref, "packing the same content again gives the same digest")

        let inspect = try GantryBinary.run(["artifact", "inspect", "svc:v2"], in: directory.url)
        #expect(inspect.stdout.contains("644  app.txt  6"))
        let unpack = try GantryBinary.run(["artifact", "unpack", ref, "restored"], in: directory.url)
        #expect(unpack.status == 0)
        #expect(try directory.read("restored/app.txt") == "built\n")
        let list = try GantryBinary.run(["artifact", "list"], in: directory.url)
        #expect(list.stdout.contains("\(ref)  v2"))

        let badName = try GantryBinary.run(["artifact", "pack", "out", "--name", "Not Valid"], in: directory.url)
        #expect(badName.status == 2)
        #expect(badName.stderr.contains("application name 'Not Valid' must be lowercase"))
        let missing = try GantryBinary.run(["artifact", "pack", "nowhere", "--name", "svc"], in: directory.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nowhere: no such directory"))
        let unknown = try GantryBinary.run(["artifact", "unpack", "svc:nope", "x"], in: directory.url)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no artifact matches 'svc:nope'"))
    }

    @Test func signedPackVerifiesAndTamperingIsCaught() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("app/requirements.txt", "requests==2.31.0\n")
        try directory.write(
            "gantry.yml",
            """
            jobs:
              release:
                steps:
                  - id: pack
                    uses: gantry/pack
                    with: { path: app, name: api, tag: v1 }
                  - run: echo "signed=${{ steps.pack.outputs.signed }}"
            """)
        let generate = try GantryBinary.run(["keys", "generate"], in: directory.url)
        #expect(generate.status == 0, "\(generate.stderr)")
        let again = try GantryBinary.run(["keys", "generate"], in: directory.url)
        #expect(again.status == 2)
        #expect(again.stderr.contains("refusing to overwrite"))

        let run = try GantryBinary.run(["run"], in: directory.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("[release] signed=true"))
        let verify = try GantryBinary.run(["artifact", "verify", "api:v1"], in: directory.url)
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("✓ sbom seal"))
        #expect(verify.stdout.hasSuffix("verified\n"))

        // A key that did not sign it.
        try directory.write("other/x.txt", "x")
        let otherKey = try GantryBinary.run(["keys", "generate", "--out", "other/other.key"], in: directory.url)
        #expect(otherKey.status == 0)
        let wrong = try GantryBinary.run(
            ["artifact", "verify", "api:v1", "--key", "other/other.pub"], in: directory.url)
        #expect(wrong.status == 1)
        #expect(wrong.stdout.contains("✗ provenance signature"))

        // One byte of a stored attestation changed on disk.
        let blobs = directory.url.appendingPathComponent(".gantry/oci/blobs/sha256")
        for name in try FileManager.default.contentsOfDirectory(atPath: blobs.path) {
            let url = blobs.appendingPathComponent(name)
            var data = try Data(contentsOf: url)
            guard String(decoding: data, as: UTF8.self).contains("\"payloadType\"") else { continue }
            data[data.count / 2] ^= 0x01
            try data.write(to: url)
        }
        let tampered = try GantryBinary.run(["artifact", "verify", "api:v1"], in: directory.url)
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("NOT verified"))
        let missingKey = try GantryBinary.run(["artifact", "verify", "api:v1", "--key", "nope.pub"], in: directory.url)
        #expect(missingKey.status == 2)
    }

    @Test func auditLogRecordsRunsAndPacksAndCatchesTampering() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("gantry.yml", hello)
        try directory.write("dist/a.txt", "a")
        #expect(try GantryBinary.run(["run"], in: directory.url).status == 0)
        #expect(try GantryBinary.run(["artifact", "pack", "dist", "--name", "web"], in: directory.url).status == 0)
        let show = try GantryBinary.run(
            ["audit", "--json"], in: directory.url, environment: ["GANTRY_ACTOR": "ci-bot"])
        let entries = try #require(show.stdoutJSON as? [[String: Any]])
        #expect(entries.map { $0["action"] as? String } == ["run", "pack"])
        #expect((entries[1]["subject"] as? String)?.hasPrefix("web@sha256:") == true)
        let web = try GantryBinary.run(["audit", "--app", "web"], in: directory.url)
        #expect(web.stdout.split(separator: "\n").count == 1)
        let intact = try GantryBinary.run(["audit", "verify"], in: directory.url)
        #expect(intact.status == 0)
        #expect(intact.stdout.hasPrefix("audit log intact: 2 entries"))

        // Edit the database directly, as an attacker with file access would.
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [
            directory.url.appendingPathComponent(".gantry/state.db").path,
            "UPDATE audit SET details = '{\"status\":\"success\"}' WHERE sequence = 1",
        ]
        try sqlite.run()
        sqlite.waitUntilExit()
        #expect(sqlite.terminationStatus == 0)
        let tampered = try GantryBinary.run(["audit", "verify"], in: directory.url)
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("row 1: its content does not match its hash"))
    }

    @Test(arguments: [
        (["runs", "list", "--limit", "0"], "--limit must be at least 1"),
        (["audit", "show", "--limit", "0"], "--limit must be at least 1"),
        (["keys", "export-public"], "no signing key: run 'gantry keys generate'"),
        (["keys", "export-public", "--key", "missing.key"], "missing.key: cannot read the key file"),
        (["artifact", "inspect", "UPPER:tag"], "application name 'UPPER' must be lowercase"),
        (["run", "--kill-grace", "soon"], "--kill-grace: invalid duration 'soon'"),
        (["plan", "--since", "HEAD", "--changed-files", "x"], "--since and --changed-files cannot be used together"),
        (["logs", "latest", "--job", "nope"], "no Gantry state in"),
    ])
    func badArgumentsAreUsageErrors(arguments: [String], message: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("gantry.yml", hello)
        let result = try GantryBinary.run(arguments, in: directory.url)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }

    @Test func twoRunsInOneDirectoryAtOnceBothComplete() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var jobs = "jobs:\n"
        for index in 0..<8 { jobs += "  j\(index):\n    steps: [{ run: 'echo \(index); sleep 0.05' }]\n" }
        try directory.write("gantry.yml", jobs)
        let url = directory.url
        async let first = Task.detached { try GantryBinary.run(["run", "--json"], in: url) }.value
        async let second = Task.detached { try GantryBinary.run(["run", "--json"], in: url) }.value
        let results = try await [first, second]
        #expect(results.map(\.status) == [0, 0], "\(results.map(\.stderr))")
        let list = try GantryBinary.run(["runs", "list", "--json"], in: directory.url)
        let runs = try #require(list.stdoutJSON as? [[String: Any]])
        #expect(runs.count == 2)
        #expect(runs.allSatisfy { $0["status"] as? String == "success" })
        for run in runs {
            let show = try GantryBinary.run(["runs", "show", run["run"] as? String ?? "", "--json"], in: directory.url)
            let object = try #require(show.stdoutJSON as? [String: Any])
            #expect((object["jobs"] as? [[String: Any]])?.count == 8)
        }
    }

    @Test func sigtermCancelsTheRunAndLeavesNoOrphans() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            """
            jobs:
              slow:
                steps:
                  - run: |
                      (trap '' TERM; exec sleep 120) &
                      echo $! > child.pid
                      sleep 120
            """)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GantryBinary.path)
        process.arguments = ["run", "--json", "--kill-grace", "300ms"]
        process.currentDirectoryURL = directory.url
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "CI": "true"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pidFile = directory.url.appendingPathComponent("child.pid").path
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: pidFile) {
            try await Task.sleep(for: .milliseconds(25))
        }
        try await Task.sleep(for: .milliseconds(100))
        process.terminate()  // SIGTERM
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect(object["status"] as? String == "cancelled")
        #expect((object["jobs"] as? [[String: Any]])?.first?["status"] as? String == "cancelled")
        let pid = try #require(pid_t(try directory.read("child.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        var gone = false
        for _ in 0..<40 {
            if kill(pid, 0) != 0 {
                gone = true
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(gone, "child \(pid) outlived the cancelled run")
    }
}
