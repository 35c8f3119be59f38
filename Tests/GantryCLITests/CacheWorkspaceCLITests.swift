import Foundation
import GantryTestSupport
import Testing

/// A cache never carries another checkout's paths into this one.
@Suite struct CacheWorkspaceCLITests {
    /// Before: a venv cached in one clone was restored into a second; its scripts and `.pth` pointed
    /// at the first clone, so the second clone's tests ran the first clone's code.
    @Test func aCacheThatNamesItsWorkspaceIsNotRestoredIntoAnother() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let pipeline = """
            jobs:
              test:
                cache: { key: venv-v1, paths: [venv] }
                steps:
                  - run: |
                      if [ ! -d venv ]; then mkdir -p venv/bin && printf '#!%s/venv/bin/python\\n' "$PWD" > venv/bin/tool; fi
                      grep -q "^#!$PWD/venv/bin/python" venv/bin/tool
              deps:
                cache: { key: deps-v1, paths: [deps] }
                steps:
                  - run: if [ ! -d deps ]; then mkdir deps && echo "no paths here" > deps/data; fi
            """
        let state = root.url.appendingPathComponent("shared-state").path
        var results: [[String: String]] = []
        for clone in ["first", "second"] {
            try root.write("\(clone)/gantry.yml", pipeline)
            let run = try GantryBinary.run(
                ["run", "--json"], in: root.url.appendingPathComponent(clone), environment: ["GANTRY_HOME": state])
            #expect(run.status == 0, "\(clone): \(run.stderr)")
            let jobs = (run.stdoutJSON as? [String: Any])?["jobs"] as? [[String: Any]] ?? []
            results.append(
                Dictionary(
                    uniqueKeysWithValues: jobs.map { ($0["name"] as? String ?? "", $0["cache"] as? String ?? "") }))
        }
        #expect(results[1]["test"] == "miss", "the second clone must not get the first clone's venv")
        #expect(results[1]["deps"] == "hit", "a cache that names no path is shared")
    }

    /// Avoidance restores a job's cache paths too: same rule. In its own workspace a job with a
    /// path-bound cache is still avoided; in another checkout it runs.
    @Test func avoidanceRestoresPathBoundSnapshotsOnlyInTheirWorkspace() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let pipeline = """
            jobs:
              setup:
                inputs: [requirements.txt]
                cache: { key: venv-v1, paths: [venv] }
                steps:
                  - run: mkdir -p venv && echo "$PWD" > venv/origin
            """
        let state = root.url.appendingPathComponent("shared-state").path
        func status(_ clone: String) throws -> String? {
            let run = try GantryBinary.run(
                ["run", "--json"], in: root.url.appendingPathComponent(clone), environment: ["GANTRY_HOME": state])
            #expect(run.status == 0, "\(clone): \(run.stderr)")
            return ((run.stdoutJSON as? [String: Any])?["jobs"] as? [[String: Any]])?.first?["status"] as? String
        }
        for clone in ["first", "second"] {
            try root.write("\(clone)/gantry.yml", pipeline)
            try root.write("\(clone)/requirements.txt", "attrs==23.1.0\n")
        }
        #expect(try status("first") == "success")
        #expect(try status("first") == "cached")
        #expect(try status("second") == "success", "the second clone must not be avoided with the first's venv")
        #expect(try root.read("second/venv/origin") == root.url.appendingPathComponent("second").path + "\n")
    }
}
