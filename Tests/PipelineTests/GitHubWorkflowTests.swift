import GantryCore
import Testing

@testable import Pipeline

/// GitHub Actions workflows read into the native model: keys mapped, diagnostics at the workflow's own
/// lines, what cannot run here recorded, secrets and contexts as GitHub has them.
@Suite struct GitHubWorkflowTests {
    static func workflow(_ text: String, file: String = ".github/workflows/ci.yml") throws(DiagnosticsError)
        -> PipelineDefinition
    {
        try PipelineParser.parse(text: text, file: file)
    }

    static func problems(_ text: String) -> [String] {
        do {
            _ = try workflow(text)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func theFormatIsDetectedByPathOrByOn() throws {
        let text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n"
        #expect(try Self.workflow(text, file: "ci.yml").format == .github)
        #expect(try Self.workflow(text, file: "/repo/.github/workflows/ci.yml").format == .github)
        let native = try PipelineParser.parse(
            text: "jobs:\n  a:\n    steps:\n      - run: 'true'\n", file: "gantry.yml")
        #expect(native.format == .gantry)
        #expect(PipelineFormat.workspace(forFile: "/repo/.github/workflows/ci.yml").path == "/repo")
        #expect(PipelineFormat.workspace(forFile: "/repo/ci/gantry.yml").path == "/repo/ci")
    }

    @Test func keysMapToTheNativeModel() throws {
        let definition = try Self.workflow(
            """
            name: CI
            on:
              push:
                paths: ["src/**"]
                paths-ignore: ["**.md"]
              workflow_dispatch:
                inputs:
                  level: {description: Level, default: info}
            permissions: {contents: read}
            concurrency: {group: ci, cancel-in-progress: true}
            env: {APP: demo}
            defaults:
              run: {shell: sh, working-directory: app}
            jobs:
              build:
                runs-on: [self-hosted, linux]
                timeout-minutes: 10
                environment: production
                outputs:
                  version: ${{ steps.v.outputs.version }}
                steps:
                  - uses: actions/checkout@v4
                  - id: v
                    run: echo "version=1" >> "$GITHUB_OUTPUT"
                    timeout-minutes: 0.5
              test:
                needs: build
                runs-on: ubuntu-latest
                strategy:
                  fail-fast: false
                  max-parallel: 2
                  matrix:
                    python: ["3.11", "3.12"]
                    include: [{python: "3.13", experimental: true}]
                steps:
                  - run: echo ${{ matrix.python }} ${{ needs.build.outputs.version }} ${{ github.sha }} ${{ runner.os }}
                    shell: bash
            """)
        #expect(definition.name == "CI")
        #expect(definition.workflowEvents == ["push", "workflow_dispatch"])
        #expect(definition.workflowInputs == ["level": "info"])
        #expect(definition.defaults.workingDirectory == "app")
        #expect(definition.unsupported.isEmpty)
        let build = try #require(definition.job("build"))
        #expect(build.timeout == .seconds(600))
        #expect(build.steps.count == 2)
        // The checkout is the workspace: a built-in action says so, no process starts.
        #expect(build.steps[0].uses == "gantry/echo")
        #expect(build.steps[0].with.first?.1.contains("the workspace is the checkout") == true)
        #expect(build.steps[0].name == "actions/checkout@v4")
        #expect(build.steps[1].timeout == .seconds(30))
        #expect(build.steps[1].shell == "sh")  // defaults.run.shell
        #expect(build.paths.map(\.pattern) == ["src/**"])
        #expect(build.pathsIgnore.map(\.pattern) == ["**.md"])
        #expect(build.outputs.map(\.0) == ["version"])
        let test = try #require(definition.job("test"))
        #expect(test.needs == ["build"])
        #expect(test.matrix != nil)
        #expect(test.steps[0].shell == "bash")
        #expect(try Planner().plan(definition).jobs.count == 4)
    }

    @Test func secretsAreListedForTheJobsThatReadThem() throws {
        let definition = try Self.workflow(
            """
            on: push
            env:
              SHARED: ${{ secrets.SHARED_TOKEN }}
            jobs:
              deploy:
                runs-on: ubuntu-latest
                steps:
                  - run: ./deploy
                    env: {KEY: "${{ secrets.DEPLOY_KEY }}"}
              lint:
                runs-on: ubuntu-latest
                steps:
                  - run: make lint
            """)
        #expect(definition.job("deploy")?.secrets.sorted() == ["DEPLOY_KEY", "SHARED_TOKEN"])
        #expect(definition.job("lint")?.secrets == ["SHARED_TOKEN"])
    }

    @Test func whatCannotRunHereIsRecordedWhereItIs() throws {
        let definition = try Self.workflow(
            """
            on: push
            jobs:
              db:
                runs-on: ubuntu-latest
                services:
                  postgres: {image: "postgres:16"}
                steps:
                  - run: make db-test
              mac:
                runs-on: macos-latest
                steps:
                  - run: xcodebuild
              steps:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - uses: ./.github/actions/setup
                  - uses: docker://alpine:3
                  - uses: some/action@v1
                  - run: make
              dynamic:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    target: ${{ fromJSON(vars.TARGETS) }}
                steps:
                  - run: echo ${{ matrix.target }}
            """)
        // A matrix computed at run time runs here (ComputedMatrixTests): it is not among them.
        #expect(definition.job("dynamic")?.computedMatrix != nil)
        let found = definition.unsupported.map {
            "\($0.location.line):\($0.location.column) \($0.job) \($0.step ?? -1)"
        }
        #expect(
            found == [
                "6:7 db -1", "10:14 mac -1", "17:15 steps 1", "18:15 steps 2", "19:15 steps 3",
            ])
        #expect(definition.unsupported[0].message.contains("container engine"))
        #expect(definition.unsupported[2].message.contains("local action"))
        var skipped = definition
        skipped.skipUnsupported()
        #expect(skipped.unsupported.isEmpty)
        #expect(skipped.job("steps")?.steps.count == 2)
        #expect(skipped.job("db")?.unsupported?.contains("container engine") == true)
        #expect(skipped.job("mac")?.unsupported?.contains("macos-latest") == true)
        let mac = try #require(try Planner().plan(skipped).jobs.first { $0.jobID == "mac" })
        guard case .skip(.unsupported(let why)) = mac.decision else {
            Issue.record("mac is not planned as skipped for being unsupported: \(mac.decision)")
            return
        }
        #expect(why.contains("macos-latest"))
    }

    /// An unquoted `true` in a workflow's matrix is a boolean, as on GitHub (`== true` holds, and it
    /// reads `true` in names); a quoted one, and any value of a gantry.yml matrix, is text.
    @Test func anUnquotedBooleanInAWorkflowMatrixStaysABoolean() throws {
        let definition = try Self.workflow(
            """
            on: push
            jobs:
              test:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    os: [linux]
                    include: [{ os: linux, experimental: true, quoted: "true" }]
                steps: [{ run: 'true' }]
            """)
        let plan = try Planner().plan(definition)
        let job = try #require(plan.jobs.first)
        #expect(job.name == "test (os=linux, experimental=true, quoted=true)")
        let context = ExpressionContext(roots: ["matrix": .matrix(job.matrix)])
        func value(_ text: String) throws -> ExpressionValue {
            try ExpressionEvaluator.evaluate(try Template.condition(text), in: context)
        }
        #expect(try value("matrix.experimental == true") == .bool(true))
        #expect(try value("matrix.quoted == 'true'") == .bool(true))
        #expect(try value("matrix.quoted == true") == .bool(false))
        #expect(try Template.render("${{ matrix.experimental }}", in: context) == "true")
        let native = try PipelineParser.parse(
            text: "jobs:\n  t:\n    matrix: { flag: [true] }\n    steps: [{ run: 'true' }]\n", file: "gantry.yml")
        #expect(try Planner().plan(native).jobs.first?.matrix.first?.1 == "true")
    }

    @Test func failFastIsOnUnlessTheStrategySaysOtherwise() throws {
        let definition = try Self.workflow(
            """
            on: push
            jobs:
              default:
                runs-on: ubuntu-latest
                strategy: { matrix: { n: [1, 2] } }
                steps: [{ run: 'true' }]
              off:
                runs-on: ubuntu-latest
                strategy: { fail-fast: false, max-parallel: 3, matrix: { n: [1, 2] } }
                steps: [{ run: 'true' }]
              computed:
                runs-on: ubuntu-latest
                strategy: { fail-fast: "${{ github.event_name == 'push' }}", matrix: { n: [1, 2] } }
                steps: [{ run: 'true' }]
              single:
                runs-on: ubuntu-latest
                steps: [{ run: 'true' }]
            """)
        #expect(definition.job("default")?.failFast == true && definition.job("default")?.maxParallel == nil)
        #expect(definition.job("off")?.failFast == false && definition.job("off")?.maxParallel == 3)
        // An expression is not guessed at: no job is cancelled for it.
        #expect(definition.job("computed")?.failFast == false)
        #expect(definition.job("single")?.failFast == false)
        #expect(
            diagnostics("jobs:\n  a:\n    fail-fast: true\n    steps: [{ run: 'true' }]\n") == [
                "gantry.yml:3:16: error: job 'a' has fail-fast but no matrix (it cancels the other jobs of a matrix)"
            ])
        #expect(
            diagnostics("jobs:\n  a:\n    matrix: { n: [1] }\n    max-parallel: 0\n    steps: [{ run: 'true' }]\n") == [
                "gantry.yml:4:19: error: job 'a' max-parallel must be a whole number of at least 1"
            ])
    }

    @Test func aMatrixOfRunnersRunsItsLinuxCombinationsHere() throws {
        let definition = try Self.workflow(
            """
            on: push
            jobs:
              test:
                runs-on: ${{ matrix.os }}
                strategy:
                  matrix:
                    os: [ubuntu-latest, macos-latest, windows-2022]
                    include: [{ os: macOS-14, node: 22 }]
                steps:
                  - run: echo ${{ matrix.os }}
              by-input:
                runs-on: ${{ inputs.runner }}
                strategy:
                  matrix:
                    os: [macos-latest]
                steps:
                  - run: echo ${{ matrix.os }}
              after:
                needs: test
                runs-on: ubuntu-latest
                steps:
                  - run: echo done
            """)
        // Each combination whose runner is another system is named, at the runs-on line; a label that
        // reads anything but the matrix is not known before the run and is not judged.
        #expect(
            definition.unsupported.map { "\($0.location.line):\($0.location.column) \($0.combination ?? "-")" } == [
                "4:14 test (os=macos-latest)", "4:14 test (os=windows-2022)", "4:14 test (os=macOS-14, node=22)",
            ])
        #expect(
            definition.unsupported[0].message
                == "test (os=macos-latest) runs on 'macos-latest', and this machine is Linux")
        var skipped = definition
        skipped.skipUnsupported()
        #expect(skipped.job("test")?.unsupported == nil)
        let plan = try Planner().plan(skipped)
        let decisions = plan.jobs.map { job -> String in
            switch job.decision {
            case .run: return "\(job.name): run"
            case .skip(let reason): return "\(job.name): skip, satisfies needs: \(reason.satisfiesNeeds)"
            case .decidedAtRunTime: return "\(job.name): at run time"
            }
        }
        #expect(
            decisions == [
                "test (os=ubuntu-latest): run", "test (os=macos-latest): skip, satisfies needs: true",
                "test (os=windows-2022): skip, satisfies needs: true",
                "test (os=macOS-14, node=22): skip, satisfies needs: true", "by-input (os=macos-latest): run",
                "after: run",
            ])
    }

    @Test func mistakesAreReportedAtTheWorkflowsOwnLinesWithSuggestions() {
        let found = Self.problems(
            """
            on: push
            permisions: {contents: read}
            jobs:
              build:
                runs-on: ubuntu-latest
                timeout-minutes: -5
                need: setup
                steps:
                  - runn: make
                  - run: echo ${{ github.shaa }} ${{ unknown.thing }}
            """)
        #expect(
            found.contains {
                $0.hasPrefix(".github/workflows/ci.yml:2:1: error: unknown key 'permisions'")
                    && $0.contains("did you mean 'permissions'")
            })
        #expect(
            found.contains {
                $0.hasPrefix(
                    ".github/workflows/ci.yml:6:22: error: jobs.build.timeout-minutes must be a positive number")
            })
        #expect(
            found.contains { $0.hasPrefix(".github/workflows/ci.yml:7:5: error: unknown key 'need' in job 'build'") })
        #expect(found.contains { $0.hasPrefix(".github/workflows/ci.yml:9:9: error: unknown key 'runn'") })
        #expect(found.contains { $0.contains("unknown context 'unknown'") })
    }

    /// GitHub evaluates a timeout given as an expression at run time; here it is accepted and
    /// GitHub's default timeout (six hours) applies.
    @Test func aTimeoutGivenByAnExpressionIsAccepted() throws {
        let definition = try Self.workflow(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                timeout-minutes: ${{ fromJSON(vars.TIMEOUT || '30') }}
                steps:
                  - run: make
                    timeout-minutes: ${{ inputs.minutes }}
            """)
        #expect(definition.jobs.first?.timeout == .seconds(6 * 3600))
        #expect(definition.jobs.first?.steps.first?.timeout == nil)
    }

    /// A job without a matrix reads an empty one, as on GitHub (`matrix.os || 'linux'`); a
    /// gantry.yml still reports it.
    @Test func aWorkflowJobWithoutAMatrixReadsAnEmptyOne() {
        #expect(
            Self.problems(
                "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.os || 'linux' }}\n"
            ).isEmpty)
        #expect(
            diagnostics("jobs:\n  a:\n    steps:\n      - run: echo ${{ matrix.os }}\n").contains {
                $0.contains("job 'a' has no matrix, so 'matrix.os' is undefined")
            })
    }

    @Test func githubContextsAreAWorkflowsOnly() {
        let native = diagnostics("jobs:\n  a:\n    steps:\n      - run: echo ${{ github.sha }}\n")
        #expect(native.contains { $0.contains("unknown context 'github'") })
        #expect(
            Self.problems(
                "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha }}\n"
            ).isEmpty)
    }

    @Test func matrixValuesMayBeMappingsAndAnUnnamedWorkflowIsNamedAfterItsFile() throws {
        let definition = try Self.workflow(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    config: [{cc: gcc, flags: [-O2]}, {cc: clang, flags: [-O2, -g]}]
                    exclude: [{config: {flags: [-O2, -g], cc: clang}}]
                    include: [{config: {cc: tcc, flags: []}}]
                steps:
                  - run: echo ${{ matrix.config.cc }}
            """)
        #expect(definition.name == "ci.yml")
        let plan = try Planner().plan(definition)
        // The exclude entry matches whatever its key order; the include adds one.
        #expect(
            plan.jobs.map(\.name) == [
                #"build (config={"cc":"gcc","flags":["-O2"]})"#, #"build (config={"cc":"tcc","flags":[]})"#,
            ])
        let first = try #require(plan.jobs.first)
        guard case .object(let matrix) = ExpressionValue.matrix(first.matrix),
            case .object(let config)? = matrix["config"]
        else {
            Issue.record("the matrix value is not an object")
            return
        }
        #expect(config["cc"] == .string("gcc"))
        #expect(config["flags"] == .array([.string("-O2")]))
        // A gantry.yml keeps its rule: values are scalars.
        #expect(
            diagnostics("jobs:\n  a:\n    matrix:\n      c: [{x: 1}]\n    steps:\n      - run: 'true'\n").contains {
                $0.contains("values must be strings, numbers or booleans")
            })
    }

    @Test func anUploadedArtifactIsKeptWithTheRunAndDownloadsCopyIt() throws {
        let definition = try Self.workflow(
            """
            on: push
            defaults:
              run: {shell: python}
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: print("build")
                  - uses: actions/upload-artifact@v4
                    with: {name: dist, path: dist/, if-no-files-found: error}
              use:
                needs: build
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/download-artifact@v4
                    with: {name: dist, path: out}
                  - uses: actions/download-artifact@v4
                    with: {name: missing}
            """)
        let build = try #require(definition.job("build"))
        #expect(build.artifacts?.name == "dist")
        #expect(build.artifacts?.paths.map(\.pattern) == ["dist/**"])
        #expect(build.artifacts?.when == .always)
        // Gantry's own scripts run in bash, whatever the workflow's default shell.
        #expect(build.steps[0].shell == "python")
        #expect(build.steps[1].shell == "bash")
        #expect(build.steps[1].run?.contains("no files found") == true)
        let use = try #require(definition.job("use"))
        #expect(use.steps[0].run?.contains("cp -R 'dist'/. 'out'/") == true)
        #expect(use.steps[1].run?.contains("no job of this workflow uploads 'missing'") == true)
        #expect(definition.unsupported.isEmpty)
    }

    /// Branch and tag filters decide whether GitHub starts the workflow for the push (or pull request)
    /// at hand: when they exclude it, every job is planned out with the reason.
    @Test func branchAndTagFiltersDecideWhetherTheWorkflowRuns() throws {
        let workflow = """
            on:
              push:
                branches: [main, 'releases/**', '!releases/old']
              pull_request:
                branches-ignore: ['wip/*']
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: echo
            """
        func skip(
            branch: String? = nil, tag: String? = nil, event: String? = nil, base: String? = nil,
            _ text: String = workflow
        )
            throws -> String?
        {
            var trigger = PipelineTrigger(
                branch: branch, tag: tag, variables: base.map { ["GITHUB_BASE_REF": $0] } ?? [:])
            trigger.githubEvent = event
            let definition = try PipelineParser.parse(text: text, file: ".github/workflows/ci.yml", trigger: trigger)
            return definition.jobs.first?.plannedSkip.map { "\($0)" }
        }
        #expect(try PipelineParser.parse(text: workflow, file: ".github/workflows/ci.yml").workflowFiltersRefs)
        #expect(
            try !Self.workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n")
                .workflowFiltersRefs)
        #expect(try skip(branch: "main") == nil)
        #expect(try skip(branch: "releases/v2/hotfix") == nil)
        #expect(
            try skip(branch: "feature") == "not in this pipeline: on.push.branches does not match the branch 'feature'")
        #expect(try skip(branch: "releases/old") != nil)
        // Only branch filters: a tag push does not start it.
        #expect(
            try skip(tag: "v1.0.0")?.contains("on.push filters only branches, and this is the tag 'v1.0.0'") == true)
        // A pull request: the filters name its base branch.
        #expect(try skip(branch: "feature", event: "pull_request") == nil)
        #expect(try skip(branch: "feature", event: "pull_request", base: "wip/x")?.contains("branches-ignore") == true)
        // Tags only.
        let tags =
            "on:\n  push:\n    tags: ['v*']\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
        #expect(try skip(tag: "v2.1", tags) == nil)
        #expect(try skip(branch: "main", tags)?.contains("filters only tags") == true)
        // No branch or tag known (text without a repository): not checked.
        #expect(try skip(workflow.replacingOccurrences(of: "main, ", with: "")) == nil)
    }
}
