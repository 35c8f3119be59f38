import GantryCore
import Testing

@testable import Pipeline

@Suite struct ValidationTests {
    @Test func validPipelineHasNoDiagnostics() throws {
        let text = """
            name: demo
            env:
              A: "1"
            defaults:
              timeout: 10m
            jobs:
              build:
                outputs:
                  v: ${{ steps.ver.outputs.v }}
                steps:
                  - id: ver
                    run: echo "v=1" >> "$GANTRY_OUTPUT"
              test:
                needs: build
                if: ${{ needs.build.result == 'success' }}
                steps:
                  - run: echo ${{ needs.build.outputs.v }} ${{ env.A }} ${{ run.id }}
            """
        let definition = try parse(text).get()
        #expect(definition.name == "demo")
        #expect(definition.jobs.map(\.id) == ["build", "test"])
        #expect(definition.job("build")?.timeout == .seconds(600))
        #expect(definition.job("test")?.needs == ["build"])
    }

    @Test func malformedYAMLReportsLineAndColumn() {
        let result = diagnostics("jobs:\n  build:\n    steps: [\n")
        #expect(result.count == 1)
        #expect(result[0].hasPrefix("gantry.yml:4:1: error: YAML syntax error"))
    }

    @Test func unknownKeysGetSuggestions() {
        let result = diagnostics(
            """
            jobs:
              build:
                neds: other
                steps:
                  - run: echo
                    timout: 5m
            """)
        #expect(result.contains("gantry.yml:3:5: error: unknown key 'neds' in job 'build' (did you mean 'needs'?)"))
        #expect(
            result.contains(
                "gantry.yml:6:9: error: unknown key 'timout' in job 'build' step 1 (did you mean 'timeout'?)"))
    }

    @Test func reportsAllProblemsAtOnce() {
        let result = diagnostics(
            """
            jobs:
              a:
                timeout: soon
                retry: { max: many }
                steps: "not a list"
              b:
                continue-on-error: maybe
                steps:
                  - run: echo
            """)
        #expect(result.count == 4, "\(result)")
        #expect(result.contains { $0.hasPrefix("gantry.yml:3:14: error: job 'a' timeout: invalid duration 'soon'") })
        #expect(result.contains { $0.hasPrefix("gantry.yml:4:19: error: job 'a' retry.max must be a whole number") })
        #expect(result.contains { $0.hasPrefix("gantry.yml:5:12: error: job 'a' steps must be a list") })
        #expect(
            result.contains { $0.hasPrefix("gantry.yml:7:24: error: job 'b' continue-on-error must be true or false") })
    }

    @Test func unknownNeedsAndSelfNeeds() {
        let result = diagnostics(
            """
            jobs:
              build:
                steps: [{ run: echo }]
              test:
                needs: [biuld, test]
                steps: [{ run: echo }]
            """)
        #expect(result.contains("gantry.yml:5:13: error: job 'test' needs unknown job 'biuld' (did you mean 'build'?)"))
        #expect(result.contains("gantry.yml:5:20: error: job 'test' needs itself"))
    }

    @Test func cyclesPrintTheirPath() {
        let result = diagnostics(
            """
            jobs:
              a:
                needs: c
                steps: [{ run: echo }]
              b:
                needs: a
                steps: [{ run: echo }]
              c:
                needs: b
                steps: [{ run: echo }]
            """)
        #expect(result == ["gantry.yml:2:3: error: dependency cycle: a -> c -> b -> a"])
    }

    @Test func duplicateStepIDs() {
        let result = diagnostics(
            """
            jobs:
              a:
                steps:
                  - id: x
                    run: echo
                  - id: x
                    run: echo
            """)
        #expect(result == ["gantry.yml:6:13: error: duplicate step id 'x' in job 'a' (first used at 4:13)"])
    }

    @Test func expressionSyntaxAndReferenceErrors() {
        let result = diagnostics(
            """
            jobs:
              a:
                outputs:
                  o: ${{ steps.first.outputs.x }}
                steps:
                  - id: first
                    run: echo ${{ env.A == }}
                  - run: echo ${{ steps.later.outputs.x }} ${{ matrix.os }} ${{ secret.X }}
                  - id: later
                    run: echo ${{ run.commit }} ${{ needs.b.result }} ${{ fromJSON('1', 2) }}
            """)
        #expect(
            result.contains {
                $0.hasPrefix("gantry.yml:7:32: error: expression syntax error: in '${{ env.A == }}': unexpected end")
            })
        #expect(
            result.contains("gantry.yml:8:19: error: step 'later' runs later, so its outputs are not available here"))
        #expect(result.contains("gantry.yml:8:48: error: job 'a' has no matrix, so 'matrix.os' is undefined"))
        #expect(
            result.contains {
                $0.hasPrefix("gantry.yml:8:65: error: unknown context 'secret' (did you mean 'secrets'?)")
            })
        #expect(result.contains { $0.hasPrefix("gantry.yml:10:19: error: unknown field 'run.commit'") })
        #expect(result.contains("gantry.yml:10:37: error: 'needs.b' refers to a job that 'a' does not list in needs"))
        #expect(result.contains("gantry.yml:10:59: error: fromJSON() takes 1 argument(s), got 2"))
    }

    @Test func expressionsInBlockScalarsPointAtTheirLine() {
        let result = diagnostics(
            """
            jobs:
              a:
                steps:
                  - run: |
                      echo one
                      echo ${{ steps.nope.outputs.x }}
            """)
        #expect(result == ["gantry.yml:6:16: error: unknown step id 'nope'"])
    }

    @Test func emptyMatricesAreErrors() {
        let empty = diagnostics(
            """
            jobs:
              a:
                matrix:
                  os: []
                steps: [{ run: echo }]
            """)
        #expect(empty.contains { $0.contains("matrix.os is an empty list") })
        let allExcluded = diagnostics(
            """
            jobs:
              a:
                matrix:
                  os: [linux]
                  exclude:
                    - os: linux
                steps: [{ run: echo }]
            """)
        #expect(allExcluded.contains { $0.contains("is empty after 'exclude'") })
    }

    @Test func wrongTypesAndMissingSections() {
        #expect(
            diagnostics("") == ["gantry.yml:1:1: error: the pipeline file is empty (expected a mapping with 'jobs:')"])
        #expect(diagnostics("- a\n- b\n").first?.contains("the pipeline must be a mapping, found a list") == true)
        #expect(diagnostics("name: x\n") == ["gantry.yml:1:1: error: the pipeline has no 'jobs:' section"])
        #expect(
            diagnostics("jobs:\n  a:\n    steps:\n      - name: nothing\n").contains {
                $0.contains("needs 'run:' or 'uses:'")
            })
        #expect(
            diagnostics("jobs:\n  a:\n    steps:\n      - run: x\n        uses: gantry/x\n").contains {
                $0.contains("has both 'run:' and 'uses:'")
            })
        #expect(
            diagnostics("jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n").contains {
                $0.contains("only built-in actions 'gantry/<name>' are supported")
            })
    }

    @Test func globsAndCachePathsMustStayInTheWorkspace() {
        let result = diagnostics(
            """
            jobs:
              a:
                inputs: ["../secrets/**", "src/**"]
                paths: ["/etc/passwd"]
                cache: { key: k, paths: ["../outside"] }
                steps: [{ run: echo }]
            """)
        #expect(
            result.contains(
                "gantry.yml:3:14: error: job 'a' inputs: '../secrets/**' must stay inside the workspace (no leading '/' or '..')"
            ))
        #expect(
            result.contains(
                "gantry.yml:4:13: error: job 'a' paths: '/etc/passwd' must stay inside the workspace (no leading '/' or '..')"
            ))
        #expect(result.contains { $0.contains("cache path '../outside' must stay inside the workspace") })
    }

    @Test func jobArtifactsAreChecked() {
        let result = diagnostics(
            """
            jobs:
              a:
                artifacts: { paths: ["../up", "!dist/x"], when: sometimes, name: "a/b", expire: 1d }
                steps: [{ run: echo }]
              b:
                artifacts: { name: x }
                steps: [{ run: echo }]
            """)
        #expect(
            result.contains(
                "gantry.yml:3:26: error: job 'a' artifacts.paths: '../up' must stay inside the workspace (no leading '/' or '..')"
            ))
        #expect(result.contains { $0.contains("'!dist/x': exclusions are not supported") })
        #expect(
            result.contains {
                $0.contains("job 'a' artifacts.when must be one of on_success, on_failure, always, found 'sometimes'")
            })
        #expect(result.contains { $0.contains("artifacts.name 'a/b' must be non-empty and hold no '/'") })
        #expect(result.contains { $0.contains("expire") })
        #expect(result.contains { $0.hasPrefix("gantry.yml:6:") && $0.contains("job 'b' artifacts needs 'paths:'") })

        guard
            case .success(let definition) = parse(
                """
                jobs:
                  a:
                    matrix: { py: ["3.11"] }
                    artifacts: { name: "wheel-${{ matrix.py }}", paths: [dist, "reports/*.xml"], when: always }
                    steps: [{ run: echo }]
                """)
        else {
            Issue.record("a valid artifacts section was refused")
            return
        }
        #expect(
            definition.jobs.first?.artifacts
                == ArtifactSpec(
                    name: "wheel-${{ matrix.py }}", paths: [Glob("dist"), Glob("reports/*.xml")], when: .always))
    }

    @Test func duplicateKeysAreReported() {
        let result = diagnostics("jobs:\n  a:\n    steps: [{ run: echo }]\n  a:\n    steps: [{ run: echo }]\n")
        #expect(result.count == 1)
        #expect(result.first?.contains("duplicate key") == true)
    }

    @Test func retryConditions() throws {
        let definition = try parse(
            """
            jobs:
              a:
                retry:
                  max: 3
                  backoff: 2s
                  max-backoff: 10s
                  on: [timeout, "exit-code:75", "signal:KILL"]
                steps: [{ run: echo }]
            """
        ).get()
        let retry = try #require(definition.job("a")?.retry)
        #expect(retry.max == 3)
        #expect(retry.on == [.timeout, .exitCode(75), .signal(9)])
        #expect(retry.retries(.exited(75)))
        #expect(!retry.retries(.exited(1)))
        #expect(retry.retries(.signaled(9)))
        #expect(retry.retries(.timedOut))
        #expect(
            diagnostics("jobs:\n  a:\n    retry: {max: 1, on: [sometimes]}\n    steps: [{ run: echo }]\n").contains {
                $0.contains("unknown condition 'sometimes'")
            })
    }

    @Test func backoffIsExponentialAndCapped() {
        var policy = RetryPolicy(max: 5)
        policy.backoff = .seconds(1)
        policy.maxBackoff = .seconds(5)
        #expect(policy.delay(beforeRetry: 1, jitter: 0) == .seconds(1))
        #expect(policy.delay(beforeRetry: 2, jitter: 0) == .seconds(2))
        #expect(policy.delay(beforeRetry: 3, jitter: 0) == .seconds(4))
        #expect(policy.delay(beforeRetry: 4, jitter: 0) == .seconds(5))
        #expect(policy.delay(beforeRetry: 40, jitter: 0.2) == .seconds(5))
        #expect(policy.delay(beforeRetry: 2, jitter: -0.2) == .milliseconds(1600))
    }

    @Test func reservedSectionsArePreserved() throws {
        let definition = try parse(
            """
            artifacts:
              app: { path: dist }
            jobs:
              a:
                steps: [{ run: echo }]
            """
        ).get()
        #expect(definition.reserved["artifacts"] == .mapping([("app", .mapping([("path", .scalar("dist"))]))]))
    }
}
