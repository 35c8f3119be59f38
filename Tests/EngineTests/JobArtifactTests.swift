import Foundation
import GantryCore
import GantryTestSupport
import Store
import Testing

@testable import Engine

/// `artifacts:` hands files from a job to the jobs that need it, also when the job is avoided.
@Suite struct JobArtifactTests {
    @Test func dependantsGetTheFilesTheJobStoredEvenWhenItIsAvoided() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              build:
                inputs: [src.txt]
                artifacts: { name: wheel, paths: [dist, "reports/*.xml"] }
                steps:
                  - run: mkdir -p dist reports && cp src.txt dist/app.whl && echo '<ok/>' > reports/unit.xml && echo tmp > reports/skip.log
              test:
                needs: build
                steps:
                  - run: cat dist/app.whl reports/unit.xml; if [ -e reports/skip.log ]; then echo "log too"; fi
            """, files: ["src.txt": "v1\n"])
        defer { harness.remove() }
        let first = try await harness.run()
        #expect(first.statuses == ["build": .success, "test": .success])
        // The workspace is shared: the first time, `test` also sees what `build` did not hand on.
        #expect(try harness.lines(first, job: "test") == ["v1", "<ok/>", "log too"])
        let stored = try harness.store().jobArtifacts(runID: first.runID)
        #expect(stored.map(\.name) == ["wheel"])
        #expect(stored.first?.files == 2)

        // The files are gone from the workspace; `build` is avoided and `test` still gets them.
        for path in ["dist", "reports"] {
            try FileManager.default.removeItem(at: harness.directory.url.appendingPathComponent(path))
        }
        let second = try await harness.run()
        #expect(second.statuses == ["build": .cached, "test": .success])
        #expect(try harness.lines(second, job: "test") == ["v1", "<ok/>"])
        #expect(try harness.store().jobArtifacts(runID: second.runID).map(\.digest) == stored.map(\.digest))

        // Without the blob, the job cannot be avoided: its dependants would miss the files.
        let blob = try #require(stored.first?.digest)
        try FileManager.default.removeItem(
            at: harness.state.appendingPathComponent("cache/blobs/sha256/\(blob.hex)"))
        let third = try await harness.run()
        #expect(third.statuses == ["build": .success, "test": .success])
    }

    @Test func matrixJobsNeedTheirOwnNamesAndWhenDecidesOnFailure() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              clash:
                matrix: { n: ["1", "2"] }
                artifacts: { name: same, paths: [out.txt] }
                steps:
                  - run: echo ${{ matrix.n }} > out.txt
              failing:
                artifacts: { name: logs, paths: [fail.log, missing.txt], when: on_failure }
                steps:
                  - run: echo boom > fail.log; exit 1
            """)
        defer { harness.remove() }
        let result = try await harness.run { $0.parallel = 1 }
        let clash = result.jobs.filter { $0.jobID == "clash" }
        #expect(clash.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.failure, .success])
        #expect(
            clash.first { $0.status == .failure }?.reason?.contains("artifact name 'same' is already used by job")
                == true)
        #expect(result.job("failing")?.status == .failure)
        #expect(try harness.store().jobArtifacts(runID: result.runID).map(\.name).sorted() == ["logs", "same"])
        #expect(
            try harness.lines(result, job: "failing").contains("warning: artifacts path 'missing.txt' matches no file"))
    }

    /// `exclude` leaves out files the paths match (GitLab's artifacts:exclude, upload-artifact's `!`).
    @Test func excludedFilesAreNotStored() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              build:
                artifacts: { name: out, paths: [dist], exclude: ["dist/**/*.tmp"] }
                steps:
                  - run: mkdir -p dist/sub && echo a > dist/app && echo b > dist/sub/x.tmp && echo c > dist/sub/keep
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.statuses == ["build": .success])
        #expect(try harness.store().jobArtifacts(runID: result.runID).first?.files == 2)
    }

    /// `cache.policy`: `push` saves and never restores, `pull` never saves (it restores as any cache).
    @Test func cachePolicyPushNeverRestoresAndPullNeverSaves() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              seed:
                cache: { key: deps, paths: [deps], policy: push }
                steps:
                  - run: "if [ -e deps/made ]; then echo restored; fi; mkdir -p deps && echo seeded > deps/made"
              probe:
                cache: { key: probe, paths: [probe], policy: pull }
                steps:
                  - run: mkdir -p probe && echo p > probe/x
            """)
        defer { harness.remove() }
        let first = try await harness.run()
        #expect(first.statuses == ["seed": .success, "probe": .success])
        #expect(try harness.store().cacheEntries(withPrefix: "deps").map(\.key) == ["deps"])
        #expect(try harness.store().cacheEntries(withPrefix: "probe").isEmpty)
        try FileManager.default.removeItem(at: harness.directory.url.appendingPathComponent("deps"))
        let second = try await harness.run()
        #expect(second.statuses == ["seed": .success, "probe": .success])
        #expect(try harness.lines(second, job: "seed").isEmpty)
    }
}
