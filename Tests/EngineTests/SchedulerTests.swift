import Foundation
import Testing

@testable import Engine

@Suite struct SchedulerTests {
    @Test func failureSkipsDependentsButUnrelatedJobsGoOn() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              broken:
                steps: [{ run: "exit 3" }]
              after-broken:
                needs: broken
                steps: [{ run: echo never }]
              cleanup:
                needs: broken
                if: ${{ failure() }}
                steps: [{ run: echo cleaning }]
              unrelated:
                steps: [{ run: echo fine }]
              after-unrelated:
                needs: unrelated
                steps: [{ run: echo fine }]
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.status == .failure)
        #expect(
            result.statuses == [
                "broken": .failure, "after-broken": .skipped, "cleanup": .success, "unrelated": .success,
                "after-unrelated": .success,
            ])
        #expect(result.job("broken")?.reason == "step 'exit 3' exited with status 3")
        #expect(result.job("after-broken")?.reason == "needs broken failed")
    }

    @Test func pathFilterSkipCountsAsSatisfied() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              docs:
                paths: ["docs/**"]
                steps: [{ run: echo docs }]
              deploy:
                needs: docs
                steps: [{ run: echo deploy }]
            """)
        defer { harness.remove() }
        let result = try await harness.run { $0.changedFiles = ["src/main.swift"] }
        #expect(result.status == .success)
        #expect(result.statuses == ["docs": .skipped, "deploy": .success])
    }

    @Test func outputsFlowThroughNeedsAndMatrix() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              build:
                matrix:
                  arch: [amd64, arm64]
                outputs:
                  artifact: ${{ steps.b.outputs.name }}
                steps:
                  - id: b
                    run: |
                      echo "name=app-${{ matrix.arch }}" >> "$GANTRY_OUTPUT"
                      echo "NOTE=from-env-file" >> "$GANTRY_ENV"
                  - run: echo "$NOTE"
              use:
                needs: build
                steps:
                  - run: echo "got ${{ needs.build.outputs.artifact }} (${{ needs.build.result }})"
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.status == .success)
        #expect(result.job("build (arch=amd64)")?.outputs == ["artifact": "app-amd64"])
        #expect(try harness.lines(result, job: "build (arch=arm64)") == ["from-env-file"])
        #expect(try harness.lines(result, job: "use") == ["got app-arm64 (success)"])
    }

    @Test func aMatrixComputedFromOutputsExpandsOnceItsNeedsHaveRun() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              setup:
                outputs:
                  targets: ${{ steps.list.outputs.targets }}
                  broken: ${{ steps.list.outputs.broken }}
                steps:
                  - id: list
                    run: |
                      echo 'targets=["arm64", "amd64"]' >> "$GANTRY_OUTPUT"
                      echo 'broken={"arch":[]}' >> "$GANTRY_OUTPUT"
              build:
                needs: setup
                matrix:
                  arch: ${{ fromJSON(needs.setup.outputs.targets) }}
                  mode: [debug]
                outputs:
                  last: ${{ steps.b.outputs.name }}
                steps:
                  - id: b
                    run: echo "name=app-${{ matrix.arch }}-${{ matrix.mode }}" >> "$GANTRY_OUTPUT"
              empty:
                needs: setup
                matrix: ${{ fromJSON(needs.setup.outputs.broken) }}
                steps: [{ run: echo never }]
              use:
                needs: build
                steps:
                  - run: echo "got ${{ needs.build.outputs.last }} (${{ needs.build.result }})"
              after-empty:
                needs: empty
                steps: [{ run: echo never }]
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.status == .failure)
        #expect(
            result.jobs.map(\.name) == [
                "setup", "build (arch=arm64, mode=debug)", "build (arch=amd64, mode=debug)", "empty", "use",
                "after-empty",
            ])
        #expect(result.job("build (arch=amd64, mode=debug)")?.outputs == ["last": "app-amd64-debug"])
        // `use` waited for both jobs of the matrix and read their outputs.
        let got = try harness.lines(result, job: "use")
        #expect(got == ["got app-arm64-debug (success)"] || got == ["got app-amd64-debug (success)"])
        #expect(result.job("empty")?.status == .failure)
        #expect(result.job("empty")?.reason?.hasSuffix("matrix vector 'arch' does not contain any values") == true)
        #expect(result.statuses["after-empty"] == .skipped)
        // The graph pages draw shows the jobs the matrix became.
        let graph = try #require(try harness.store().runGraph(runID: result.runID))
        #expect(graph.map(\.name).contains("build (arch=arm64, mode=debug)"))
        #expect(
            graph.first { $0.name == "use" }?.needs == [
                "build (arch=arm64, mode=debug)", "build (arch=amd64, mode=debug)",
            ])
    }

    /// `continue-on-error: ${{ matrix.experimental }}` is decided for each combination, and a step's
    /// for that step: the matrix value `false` (text) does not let a failure pass.
    @Test func continueOnErrorFromAnExpressionIsDecidedPerJobAndStep() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              test:
                continue-on-error: ${{ matrix.experimental }}
                matrix:
                  version: [stable]
                  experimental: ['false']
                  include: [{ version: nightly, experimental: 'true' }]
                steps:
                  - id: flaky
                    continue-on-error: ${{ matrix.version == 'stable' }}
                    run: exit 1
                  - run: echo "flaky ${{ steps.flaky.outcome }}/${{ steps.flaky.conclusion }}"
                  - run: test "${{ matrix.version }}" = stable
              after:
                needs: test
                steps: [{ run: echo after }]
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.status == .success, "\(result.jobs.map { "\($0.name): \($0.status) \($0.reason ?? "")" })")
        let stable = try #require(result.job("test (version=stable, experimental=false)"))
        #expect(stable.status == .success && !stable.continueOnError)
        #expect(try harness.lines(result, job: stable.name) == ["flaky failure/success"])
        let nightly = try #require(result.job("test (version=nightly, experimental=true)"))
        #expect(nightly.status == .failure && nightly.continueOnError && !nightly.failsRun)
        #expect(nightly.reason == "step 'flaky' exited with status 1")
        #expect(result.statuses["after"] == .success)

        // The same matrix without the include: nightly's failure fails the run.
        let strict = try PipelineHarness(
            """
            jobs:
              test:
                continue-on-error: ${{ matrix.experimental }}
                matrix:
                  version: [nightly]
                  experimental: ['false']
                steps: [{ run: exit 1 }]
            """)
        defer { strict.remove() }
        #expect(try await strict.run().status == .failure)
    }

    /// `fail-fast`: the first job of the matrix that fails cancels the others, running or waiting, and
    /// not the jobs of other matrices; `max-parallel` bounds how many of one matrix run at once.
    @Test func failFastCancelsTheRestOfItsMatrixAndMaxParallelBoundsIt() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              test:
                fail-fast: true
                max-parallel: 1
                matrix:
                  n: ['1', '2', '3', '4']
                steps:
                  - run: |
                      touch "$GANTRY_WORKSPACE/running.${{ matrix.n }}"
                      ls "$GANTRY_WORKSPACE" | grep -c '^running\\.' >> "$GANTRY_WORKSPACE/counts"
                      sleep 0.2
                      rm "$GANTRY_WORKSPACE/running.${{ matrix.n }}"
                      test "${{ matrix.n }}" != 2
              other:
                matrix:
                  n: ['1', '2']
                steps: [{ run: sleep 0.3 }]
            """)
        defer { harness.remove() }
        let result = try await harness.run { $0.parallel = 4 }
        #expect(result.status == .failure)
        #expect(result.statuses["test (n=1)"] == .success)
        #expect(result.statuses["test (n=2)"] == .failure)
        // One at a time: 3 and 4 were still waiting when 2 failed.
        #expect(result.statuses["test (n=3)"] == .cancelled && result.statuses["test (n=4)"] == .cancelled)
        #expect(result.job("test (n=3)")?.reason == "cancelled by fail-fast: another job of this matrix failed")
        #expect(result.statuses["other (n=1)"] == .success && result.statuses["other (n=2)"] == .success)
        let counts = try harness.directory.read("counts").split(separator: "\n").compactMap { Int($0) }
        #expect(counts == [1, 1], "\(counts)")

        // A job already running is stopped too; without fail-fast every job runs to its end.
        for failFast in [true, false] {
            let running = try PipelineHarness(
                """
                jobs:
                  test:
                    fail-fast: \(failFast)
                    matrix:
                      n: ['fails', 'sleeps']
                    steps:
                      - run: if [ "${{ matrix.n }}" = fails ]; then exit 1; else sleep 3; fi
                """)
            defer { running.remove() }
            let outcome = try await running.run { $0.parallel = 2 }
            #expect(outcome.statuses["test (n=fails)"] == .failure)
            #expect(outcome.statuses["test (n=sleeps)"] == (failFast ? .cancelled : .success))
        }
    }

    @Test func parallelismIsBounded() async throws {
        // Each job records how many jobs run at once via marker files.
        var jobs = "jobs:\n"
        for index in 0..<6 {
            jobs += """
                  j\(index):
                    steps:
                      - run: |
                          touch "$GANTRY_WORKSPACE/running.$GANTRY_JOB"
                          ls "$GANTRY_WORKSPACE" | grep -c '^running\\.' >> "$GANTRY_WORKSPACE/counts"
                          sleep 0.2
                          rm "$GANTRY_WORKSPACE/running.$GANTRY_JOB"

                """
        }
        let harness = try PipelineHarness(jobs)
        defer { harness.remove() }
        let result = try await harness.run { $0.parallel = 2 }
        #expect(result.status == .success)
        let counts = try harness.directory.read("counts").split(separator: "\n").compactMap { Int($0) }
        #expect(counts.count == 6)
        #expect(counts.max() ?? 0 <= 2)
    }

    @Test func jobSelectionRunsNeedsOnly() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              a: { steps: [{ run: echo a }] }
              b: { needs: a, steps: [{ run: echo b }] }
              c: { steps: [{ run: echo c }] }
            """)
        defer { harness.remove() }
        let result = try await harness.run { $0.selectedJobs = ["b"] }
        #expect(Set(result.jobs.map(\.name)) == ["a", "b"])
        #expect(result.status == .success)
    }

    @Test func continueOnErrorKeepsTheRunGreen() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              flaky-lint:
                continue-on-error: true
                steps: [{ run: "exit 1" }]
              build:
                needs: flaky-lint
                steps:
                  - run: "exit 2"
                    continue-on-error: true
                  - run: echo still here
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.status == .success)
        #expect(result.statuses == ["flaky-lint": .failure, "build": .success])
        #expect(try harness.lines(result, job: "build") == ["still here"])
    }

    @Test func stepConditionsSeeEarlierFailures() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              a:
                steps:
                  - run: "exit 1"
                  - run: echo skipped
                  - if: always()
                    run: echo always
                  - if: failure()
                    run: echo on-failure
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(try harness.lines(result, job: "a") == ["always", "on-failure"])
        let records = try harness.store().jobs(runID: result.runID)
        #expect(records[0].attemptRecords[0].steps.map(\.status) == [.failure, .skipped, .success, .success])
    }

    @Test func jobsOfOneResourceGroupNeverOverlap() async throws {
        // Each job writes its start, waits, then its end: without the group, the two (parallel 2)
        // would interleave.
        let harness = try PipelineHarness(
            """
            jobs:
              deploy-a:
                resource-group: production
                steps: [{ run: "echo start-a >> order.txt; sleep 0.4; echo end-a >> order.txt" }]
              deploy-b:
                resource-group: production
                steps: [{ run: "echo start-b >> order.txt; sleep 0.4; echo end-b >> order.txt" }]
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.status == .success)
        let order = try String(contentsOf: harness.directory.url.appendingPathComponent("order.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(
            order == ["start-a", "end-a", "start-b", "end-b"] || order == ["start-b", "end-b", "start-a", "end-a"])
    }

    @Test func gitLabStagesLetSkippedJobsPassAndBlockingManualJobsHoldLaterStages() async throws {
        let harness = try PipelineHarness("jobs: {}")
        defer { harness.remove() }
        try harness.directory.write(
            ".gitlab-ci.yml",
            """
            stages: [build, test, deploy, verify]
            build:
              stage: build
              script: echo built
            notify:
              stage: build
              when: on_failure
              script: echo failed
            flaky:
              stage: test
              script: exit 1
              allow_failure: true
            approve:
              stage: test
              script: echo approved
              rules:
                - when: manual
            deploy:
              stage: deploy
              script: echo deployed
            verify:
              stage: verify
              needs: [build]
              script: echo verified
            """)
        let result = try await harness.run {
            $0.file = harness.directory.url.appendingPathComponent(".gitlab-ci.yml").path
        }
        #expect(
            result.statuses == [
                "build": .success, "notify": .skipped, "flaky": .failure, "approve": .skipped, "deploy": .skipped,
                "verify": .success,
            ])
        // A manual job from rules may not fail: it holds the stages after it until someone runs it.
        #expect(result.job("deploy")?.reason == "needs approve did not run")
        #expect(result.status == .success)
    }
}
