import Foundation
import GantryCore
import GantryTestSupport
import Pipeline
import Store
import Testing

@testable import Engine

/// `gantry plan` predicts the run: the same keys, the reason a job runs again, and cache hits.
@Suite struct AvoidancePreviewTests {
    private static let pipeline = """
        jobs:
          deps:
            inputs: [lock.txt]
            cache: { key: "deps-${{ hashFiles('lock.txt') }}", restore-keys: [deps-], paths: [vendor] }
            outputs: { lock: "${{ steps.s.outputs.lock }}" }
            steps:
              - id: s
                run: mkdir -p vendor && cp lock.txt vendor/ && echo "lock=$(cat lock.txt)" >> "$GANTRY_OUTPUT"
          test:
            needs: deps
            inputs: ["src/**"]
            env: { MODE: fast }
            steps: [{ run: cat src/*.py }]
          lint:
            steps: [{ run: "true" }]
          typo:
            inputs: [pyprojekt.toml]
            steps: [{ run: "true" }]
        """

    private func preview(_ harness: PipelineHarness) async throws -> [String: AvoidancePreview.Job] {
        let options = harness.options()
        let definition = try PipelineParser.load(path: options.file)
        let plan = try Planner().plan(definition)
        let exists = FileManager.default.fileExists(atPath: harness.state.appendingPathComponent("state.db").path)
        return await AvoidancePreview.compute(
            definition: definition, plan: plan, options: options,
            store: exists ? SQLiteRepositories(store: try harness.store()) : nil,
            snapshots: SnapshotStore(stateDirectory: harness.state)
        ).jobs
    }

    @Test func thePlanPredictsWhatTheRunDoes() async throws {
        let harness = try PipelineHarness(Self.pipeline, files: ["lock.txt": "v1", "src/a.py": "one", "src/b.py": "b"])
        defer { harness.remove() }
        let fresh = try await preview(harness)
        #expect(fresh["deps"]?.verdict == .runs(reason: "no earlier run in this state"))
        #expect(fresh["deps"]?.cache == "miss")
        #expect(fresh["test"]?.verdict == .afterNeed("deps"))
        #expect(fresh["lint"]?.verdict == .notAvoidable(reason: "no inputs declared"))
        #expect(fresh["typo"]?.verdict == .notAvoidable(reason: "inputs pattern 'pyprojekt.toml' matches no file"))

        let first = try await harness.run()
        #expect(first.status == .success)
        let unchanged = try await preview(harness)
        #expect(unchanged["deps"]?.verdict == .avoided(runID: first.runID))
        #expect(unchanged["test"]?.verdict == .avoided(runID: first.runID))
        let second = try await harness.run()
        #expect(second.statuses["deps"] == .cached)
        #expect(second.statuses["test"] == .cached)

        // One source file changes: only `test` runs, and the plan and the run say which file.
        try harness.directory.write("src/a.py", "two")
        let changed = try await preview(harness)
        #expect(changed["deps"]?.verdict == .avoided(runID: first.runID))
        #expect(changed["test"]?.verdict == .runs(reason: "src/a.py changed since run \(first.runID)"))
        let third = try await harness.run()
        #expect(third.statuses["deps"] == .cached)
        #expect(third.statuses["test"] == .success)
        let miss = try harness.log(third, job: "test").first { $0["event"] as? String == "avoidance_miss" }
        #expect(miss?["reason"] as? String == "src/a.py changed")
        #expect(try harness.lines(third, job: "test").contains("runs again: src/a.py changed since run \(first.runID)"))

        // The lockfile changes: `deps` starts from the closest cache, `test` waits on its outputs.
        try harness.directory.write("lock.txt", "v2")
        let relocked = try await preview(harness)
        #expect(relocked["deps"]?.verdict == .runs(reason: "lock.txt changed since run \(first.runID)"))
        #expect(relocked["deps"]?.cache == "partial")
        #expect(relocked["test"]?.verdict == .afterNeed("deps"))
    }

    @Test func thePlanAgreesWithTheRunWhenAnAvoidedJobsArtifactsAreGone() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              build:
                inputs: [src.txt]
                artifacts: { paths: [dist] }
                steps: [{ run: mkdir -p dist && cp src.txt dist/ }]
            """, files: ["src.txt": "v1"])
        defer { harness.remove() }
        let first = try await harness.run()
        #expect(try await preview(harness)["build"]?.verdict == .avoided(runID: first.runID))
        let stored = try #require(try harness.store().jobArtifacts(runID: first.runID).first)
        let blob = stored.digest
        try FileManager.default.removeItem(at: SnapshotStore(stateDirectory: harness.state).blobURL(blob))
        let predicted = try await preview(harness)["build"]?.verdict
        #expect(
            predicted
                == .runs(
                    reason: "its earlier result cannot be reused (its snapshot names another workspace, or its "
                        + "artifacts are gone) since run \(first.runID)"))
        let second = try await harness.run()
        #expect(second.job("build")?.status == .success)
    }

    @Test func explanationsNameEachKindOfChange() {
        var current = AvoidanceKey.Manifest()
        current.parts = [
            ("tools", "t2"), ("signing-key", "k2"), ("definition", "d1"), ("env.MODE", "m2"), ("needs.deps", "n2"),
            ("input:a", "1"), ("input:b", "2"), ("input:c", "3"), ("input:d", "4"), ("input:new", "5"),
        ]
        let previous = [
            "tools": "t1", "signing-key": "k1", "definition": "d1", "env.MODE": "m1", "needs.deps": "n1",
            "input:a": "0", "input:b": "0", "input:c": "0", "input:d": "0", "input:gone": "9",
        ]
        #expect(
            AvoidanceKey.explain(current: current, previous: previous)
                == "a changed, b changed, c changed, 3 more inputs changed, the Gantry or tool versions changed, "
                + "the signing key changed, env MODE changed, the result or outputs of 'deps' changed")
    }
}
