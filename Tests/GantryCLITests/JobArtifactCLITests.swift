import Foundation
import GantryTestSupport
import Testing

/// `runs show` lists a run's job artifacts, `runs download` gives their files, and `plan` predicts
/// avoidance the way `run` decides it.
@Suite struct JobArtifactCLITests {
    @Test func aRunsArtifactsCanBeListedAndDownloaded() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            """
            jobs:
              build:
                inputs: [src.txt]
                artifacts: { name: wheel, paths: [dist] }
                steps:
                  - run: mkdir -p dist && cp src.txt dist/app.whl
            """)
        try directory.write("src.txt", "v1\n")
        let plan = try GantryBinary.run(["plan"], in: directory.url)
        #expect(plan.stdout.contains("build  run (no earlier run in this state)"))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".gantry").path))
        let run = try GantryBinary.run(["run"], in: directory.url, environment: ["CI": "true"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let again = try GantryBinary.run(["plan"], in: directory.url)
        #expect(again.stdout.contains("= build  avoided (result of run "))

        let show = try GantryBinary.run(["runs", "show", "latest"], in: directory.url)
        #expect(show.stdout.contains("wheel  1 file, "))
        let out = directory.url.appendingPathComponent("downloaded")
        let download = try GantryBinary.run(["runs", "download", "latest", "-D", out.path], in: directory.url)
        #expect(download.status == 0, "\(download.stderr)")
        #expect(
            try String(contentsOf: out.appendingPathComponent("wheel/dist/app.whl"), encoding: .utf8) == "v1\n")
        let unknown = try GantryBinary.run(["runs", "download", "latest", "-n", "nope"], in: directory.url)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("has no artifact 'nope' (it has: wheel)"))
    }
}

/// `gantry logs` of a job that printed nothing says so instead of printing nothing.
@Suite struct QuietLogsCLITests {
    @Test func aQuietJobsLogSaysItPrintedNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("gantry.yml", "jobs:\n  quiet:\n    steps: [{ run: 'true' }]\n")
        #expect(try GantryBinary.run(["run"], in: directory.url).status == 0)
        let logs = try GantryBinary.run(["logs", "latest", "--job", "quiet"], in: directory.url)
        #expect(logs.status == 0)
        #expect(logs.stdout.contains("[quiet] success: printed nothing (steps: gantry runs show "))
    }
}

/// `gantry gc` in a project that only runs pipelines collects caches instead of failing for want of
/// an artifact store.
@Suite struct CacheGCCLITests {
    @Test func gcWithoutAnArtifactStoreCollectsCaches() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            "jobs:\n  a:\n    cache: { key: k1, paths: [v] }\n    steps: [{ run: mkdir -p v && echo x > v/f }]\n")
        #expect(try GantryBinary.run(["run"], in: directory.url).status == 0)
        let dry = try GantryBinary.run(["gc", "--dry-run", "--json"], in: directory.url)
        #expect(dry.status == 0, "\(dry.stderr)")
        let cache = try #require((dry.stdoutJSON as? [String: Any])?["cache"] as? [String: Any])
        #expect(cache["cache_entries"] as? Int == 0)
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".gantry/oci").path))
        let bad = try GantryBinary.run(["gc", "--cache-ttl", "soon"], in: directory.url)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--cache-ttl"))
    }
}
