import Foundation
import GantryCore
import Testing

@testable import Pipeline

/// GitLab CI files read into the native model for one trigger: includes, reuse, rules, stages,
/// variables and scripts as GitLab has them, mistakes at the file's own lines.
@Suite struct GitLabCITests {
    static let push = PipelineTrigger(sha: String(repeating: "a", count: 40), branch: "main", defaultBranch: "main")

    static func pipeline(
        _ text: String, file: String = ".gitlab-ci.yml", trigger: PipelineTrigger = push
    ) throws(DiagnosticsError) -> PipelineDefinition {
        try PipelineParser.parse(text: text, file: file, trigger: trigger)
    }

    static func problems(_ text: String, file: String = ".gitlab-ci.yml", trigger: PipelineTrigger = push) -> [String] {
        do {
            _ = try pipeline(text, file: file, trigger: trigger)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    static func plan(_ definition: PipelineDefinition, jobs: [String] = []) throws -> [String: PlanDecision] {
        let plan = try Planner(selectedJobs: jobs).plan(definition)
        return Dictionary(plan.jobs.map { ($0.name, $0.decision) }, uniquingKeysWith: { $1 })
    }

    /// A repository with these files (path → text), removed by the caller.
    static func env(_ job: JobDefinition) -> [String: String] {
        Dictionary(job.env.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
    }

    /// A commit message, a branch or a job name is text, whatever it holds: `${{ … }}` in one is never
    /// read as an expression (it would reach secrets, or fail the file); rules see it as it is.
    @Test func triggerTextIsNeverAnExpression() throws {
        let message = "fix: read ${{ secrets.TOKEN }} and ${{ hashFiles('**') }}"
        let trigger = PipelineTrigger(
            sha: String(repeating: "b", count: 40), branch: "feature/${{ github.token }}", defaultBranch: "main",
            commitTitle: message, commitMessage: message)
        let definition = try Self.pipeline(
            """
            "build ${{ env.X }}":
              script: [echo "$CI_COMMIT_MESSAGE"]
              rules:
                - if: $CI_COMMIT_MESSAGE =~ /secrets/
            """, trigger: trigger)
        let job = try #require(definition.jobs.first)
        #expect(job.plannedSkip == nil, "the rule read the message as it is")
        let context = ExpressionContext(roots: ["secrets": .object(["TOKEN": .string("s3cret")])])
        func rendered(_ name: String) throws -> String? {
            try Self.env(job)[name].map { try Template.render($0, in: context) }
        }
        #expect(try rendered("CI_COMMIT_MESSAGE") == message)
        #expect(try rendered("CI_COMMIT_TITLE") == message)
        #expect(try rendered("CI_COMMIT_BRANCH") == "feature/${{ github.token }}")
        #expect(try rendered("CI_JOB_NAME") == "build ${{ env.X }}")
    }

    @Test func theFormatIsDetectedByNameOrByGitLabsKeywords() throws {
        let text = "build:\n  script: make\n"
        #expect(try Self.pipeline(text, file: "ci.yml").format == .gitlab)
        #expect(try Self.pipeline("stages: [a]\nx:\n  stage: a\n  script: 'true'\n", file: "p.yml").format == .gitlab)
        #expect(try Self.pipeline("x:\n  script: 'true'\n", file: "/r/ci/main.gitlab-ci.yml").format == .gitlab)
        let native = try PipelineParser.parse(
            text: "jobs:\n  a:\n    steps:\n      - run: 'true'\n", file: "gantry.yml")
        #expect(native.format == .gantry)
        let root = try repository(["ci/custom.gitlab-ci.yml": text])
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(
            PipelineFormat.workspace(forFile: root.appendingPathComponent("ci/custom.gitlab-ci.yml").path).path
                == root.standardizedFileURL.path)
    }

    @Test func stagesBecomeNeedsOnEveryEarlierJobAndSkippedOnesDoNotHoldLaterStagesBack() throws {
        let definition = try Self.pipeline(
            """
            stages: [build, test, deploy]
            compile:
              stage: build
              script: make
            "unit tests":
              stage: test
              script: make test
            lint:
              stage: test
              needs: []
              script: make lint
            notify:
              stage: test
              when: on_failure
              script: echo failed
            ship:
              stage: deploy
              when: always
              script: make ship
            optional-manual:
              stage: build
              when: manual
              script: echo manual
            """)
        let ship = try #require(definition.job("ship"))
        #expect(ship.needs == ["compile", "unit_tests", "lint", "notify"])
        #expect(ship.stageNeeds == ["compile", "unit_tests", "lint", "notify"])
        #expect(ship.condition == "always()")
        #expect(definition.job("lint")?.needs == [])
        #expect(definition.job("notify")?.condition == "failure()")
        #expect(definition.job("unit_tests")?.name == "unit tests")
        // A manual job that may fail does not hold later stages back, and runs only when asked for.
        #expect(definition.job("unit_tests")?.needs == ["compile"])
        #expect(try Self.plan(definition)["optional-manual"] == .skip(.manual))
        #expect(try Self.plan(definition, jobs: ["optional-manual"])["optional-manual"] == .run)
        #expect(try Self.plan(definition, jobs: ["unit tests"])["unit_tests"] == .run)
    }

    @Test func rulesDecideWhichJobsThisPipelineHolds() throws {
        let text = """
            variables:
              DEPLOY_TARGET: staging
              ON_DEFAULT: $CI_DEFAULT_BRANCH
            build:
              script: make
              rules:
                - if: $CI_PIPELINE_SOURCE == "merge_request_event"
                  when: never
                - if: $CI_COMMIT_BRANCH == $ON_DEFAULT
                  variables: {LEVEL: full}
                  allow_failure: true
                - when: manual
            docs:
              script: make docs
              rules:
                - changes: ["docs/**/*", "*.md"]
            tag-only:
              script: make release
              rules:
                - if: $CI_COMMIT_TAG =~ /^v\\d+/
            staging:
              script: deploy
              rules:
                - if: $DEPLOY_TARGET == "staging"
            """
        let onMain = try Self.pipeline(text)
        let build = try #require(onMain.job("build"))
        #expect(Self.env(build)["LEVEL"] == "full")
        #expect(build.continueOnError)
        var decisions = try Self.plan(onMain)
        #expect(decisions["build"] == .run)
        // Without changed files, `changes` holds (GitLab: no push to compare with).
        #expect(decisions["docs"] == .run)
        #expect(decisions["tag-only"] == .skip(.rules("rules: no rule matches this pipeline")))
        #expect(decisions["staging"] == .run)

        var request = Self.push
        request.source = "merge_request_event"
        request.changedFiles = ["src/app.c"]
        decisions = try Self.plan(try Self.pipeline(text, trigger: request))
        #expect(decisions["build"] == .skip(.rules("rules: rule 1 says when: never")))
        #expect(decisions["docs"] == .skip(.rules("rules: no rule matches this pipeline")))

        var feature = Self.push
        feature.branch = "feature/x"
        feature.changedFiles = ["docs/guide/intro.md"]
        feature.variables = ["DEPLOY_TARGET": "production"]
        decisions = try Self.plan(try Self.pipeline(text, trigger: feature))
        #expect(decisions["build"] == .skip(.manual))
        #expect(decisions["docs"] == .run)
        // A pipeline variable overrides the file's, for rules too.
        #expect(decisions["staging"] == .skip(.rules("rules: no rule matches this pipeline")))

        var tag = PipelineTrigger(sha: "abc", tag: "v1.2.0")
        tag.changedFiles = nil
        decisions = try Self.plan(try Self.pipeline(text, trigger: tag))
        #expect(decisions["tag-only"] == .run)
    }

    @Test func onlyAndExceptAndWorkflowRules() throws {
        let text = """
            workflow:
              name: "Pipeline for $CI_COMMIT_REF_NAME"
              rules:
                - if: $CI_COMMIT_BRANCH =~ /^wip\\//
                  when: never
                - when: always
            main-only:
              script: x
              only: [main]
            not-main:
              script: x
              except: [main]
            tags:
              script: x
              only: [tags]
            release-branches:
              script: x
              only:
                refs: ["/^release-.*$/"]
                variables: ["$CI_COMMIT_BRANCH"]
            """
        let main = try Self.pipeline(text)
        #expect(main.name == "Pipeline for main")
        let decisions = try Self.plan(main)
        #expect(decisions["main-only"] == .run)
        #expect(decisions["not-main"] == .skip(.rules("except: matches this pipeline")))
        #expect(decisions["tags"] == .skip(.rules("only: does not match this pipeline")))
        #expect(decisions["release-branches"] == .skip(.rules("only: does not match this pipeline")))
        var release = Self.push
        release.branch = "release-2"
        #expect(try Self.plan(try Self.pipeline(text, trigger: release))["release-branches"] == .run)
        var wip = Self.push
        wip.branch = "wip/idea"
        let skipped = try Self.plan(try Self.pipeline(text, trigger: wip))
        #expect(skipped.values.allSatisfy { $0 == .skip(.rules("workflow:rules: rule 1 says when: never")) })
    }

    @Test func extendsReferencesMergeKeysAndDefaultsCombineAsOnGitLab() throws {
        let definition = try Self.pipeline(
            """
            default:
              before_script: [echo default-before]
              retry: 2
              timeout: 1h 30m
            .base:
              variables: {A: base, B: base}
              script: [echo base]
              artifacts: {paths: [out/]}
            .middle:
              extends: .base
              variables: {B: middle}
            .shared: &shared
              tags: [linux]
              variables: {C: anchored}
            job:
              extends: [.middle]
              <<: *shared
              variables: {D: own}
              script:
                - !reference [.base, script]
                - echo own
            no-defaults:
              inherit: {default: false, variables: false}
              script: echo bare
            """)
        let job = try #require(definition.job("job"))
        let env = Self.env(job)
        #expect(env["A"] == "base")
        #expect(env["B"] == "middle")
        // The job's own variables replace the merged-in anchor's mapping key by key.
        #expect(env["D"] == "own")
        #expect(job.retry?.max == 2)
        #expect(job.timeout == .seconds(5400))
        // Without default: timeout, GitLab's one hour.
        #expect(definition.job("no-defaults")?.timeout == .seconds(3600))
        #expect(job.artifacts?.paths.map(\.pattern) == ["out/"])
        let script = try #require(job.steps.first?.run)
        #expect(script.contains("echo default-before\n"))
        #expect(script.contains("echo base\n"))
        #expect(script.hasSuffix("echo own"))
        #expect(script.contains("printf '%s\\n' '$ echo own'"))
        let bare = try #require(definition.job("no-defaults"))
        #expect(bare.retry == nil)
        #expect(bare.steps.first?.run?.contains("default-before") == false)
    }

    @Test func variablesExpandAndWhatTheShellKnowsIsLeftToIt() throws {
        let definition = try Self.pipeline(
            """
            variables:
              OUT: "$CI_PROJECT_DIR/out"
              TOOLS: "$OUT/bin:$PATH"
              PRICE: "$$5"
              RAW:
                value: "$OUT"
                expand: false
              BRACES: "${{ not an expression }}"
            job:
              variables:
                TAG: "$CI_COMMIT_SHORT_SHA-$CI_JOB_NAME"
              script: echo
            """)
        let job = try #require(definition.job("job"))
        let env = Self.env(job)
        let workspace = URL(fileURLWithPath: ".gitlab-ci.yml").standardizedFileURL.deletingLastPathComponent().path
        #expect(env["OUT"] == "\(workspace)/out")
        #expect(env["TAG"] == "aaaaaaaa-job")
        #expect(env["PRICE"] == "$5")
        #expect(env["RAW"] == "$OUT")
        #expect(env["BRACES"] == "${{ '${{' }} not an expression }}")
        #expect(env["CI_PIPELINE_ID"] == "${{ run.id }}")
        #expect(env["CI_COMMIT_BRANCH"] == "main")
        // `$PATH` is the shell's: exported by the script, quoted so that only the references expand.
        #expect(env["TOOLS"] == nil)
        let script = try #require(job.steps.first?.run)
        #expect(script.hasPrefix("export TOOLS='\(workspace)/out/bin:'\"${PATH}\"\n"))
    }

    @Test func parallelRetryAllowFailureArtifactsAndCacheMap() throws {
        let definition = try Self.pipeline(
            """
            shards:
              parallel: 3
              script: run-shard
            matrix:
              parallel:
                matrix:
                  - PROVIDER: aws
                    STACK: [app, data]
                  - PROVIDER: gcp
              retry:
                max: 2
                when: [script_failure, runner_system_failure]
                exit_codes: 137
              allow_failure:
                exit_codes: [3, 4]
              artifacts:
                name: "report-$CI_COMMIT_REF_SLUG"
                paths: [report/]
                exclude: [report/**/*.tmp]
                when: always
                reports: {junit: junit.xml}
              cache:
                key: {files: [poetry.lock], prefix: py}
                paths: [.venv/]
                policy: pull
                fallback_keys: [py-main]
              script: deploy
            """)
        let shards = try #require(definition.job("shards"))
        #expect(shards.matrix?.include.count == 3)
        #expect(Self.env(shards)["CI_NODE_INDEX"] == "${{ matrix.CI_NODE_INDEX }}")
        #expect(try Planner().plan(definition).jobs.filter { $0.jobID == "matrix" }.count == 3)
        let matrix = try #require(definition.job("matrix"))
        #expect(matrix.retry?.max == 2)
        #expect(matrix.retry?.on == [.failure, .exitCode(137)])
        #expect(!matrix.continueOnError)
        #expect(matrix.steps.first?.run?.contains("case $status in 3|4)") == true)
        #expect(matrix.artifacts?.name == "report-main")
        #expect(matrix.artifacts?.paths.map(\.pattern) == ["report/", "junit.xml"])
        #expect(matrix.artifacts?.when == .always)
        #expect(matrix.cache?.key == "py-${{ hashFiles('poetry.lock') }}")
        #expect(matrix.cache?.restoreKeys == ["py-main"])
        #expect(matrix.cache?.policy == .pull)
        #expect(matrix.artifacts?.exclude.map(\.pattern) == ["report/**/*.tmp"])
    }

    @Test func afterScriptAlwaysRunsInItsOwnStep() throws {
        let job = try #require(
            try Self.pipeline("t:\n  script: [make]\n  after_script: [echo done]\n").job("t"))
        #expect(job.steps.count == 2)
        #expect(job.steps[1].condition == "always()")
        #expect(job.steps[1].continueOnError)
        #expect(job.steps[1].run?.hasSuffix("echo done") == true)
    }

    @Test func localIncludesMergeUnderTheFileAndNameTheirOwnLinesInErrors() throws {
        let root = try repository([
            ".gitlab-ci.yml": """
            include:
              - local: ci/base.yml
              - local: /ci/jobs/*.yml
              - remote: https://example.com/ci.yml
              - template: Security/SAST.gitlab-ci.yml
            test:
              variables: {LEVEL: main}
            """,
            "ci/base.yml": """
            include: ci/shared.yml
            .template:
              script: [echo from-template]
            test:
              extends: .template
              variables: {LEVEL: base, KEEP: yes}
            """,
            "ci/shared.yml": "shared-job:\n  script: echo shared\n",
            "ci/jobs/a.yml": "job-a:\n  script: echo a\n",
            "ci/jobs/b.yml": "job-b:\n  script: echo b\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent(".gitlab-ci.yml").path
        let definition = try PipelineParser.load(path: file, trigger: Self.push)
        #expect(definition.jobs.map(\.id).sorted() == ["job-a", "job-b", "shared-job", "test"])
        let test = try #require(definition.job("test"))
        #expect(Self.env(test)["LEVEL"] == "main")
        #expect(Self.env(test)["KEEP"] == "yes")
        #expect(test.steps.first?.run?.contains("echo from-template") == true)
        // Remote and template includes cannot be fetched: recorded, so `run` refuses them.
        #expect(definition.unsupported.map(\.location.line) == [4, 5])

        try "job-c:\n  script: echo c\n  stage: nowhere\n".write(
            to: root.appendingPathComponent("ci/jobs/c.yml"), atomically: true, encoding: .utf8)
        do {
            _ = try PipelineParser.load(path: file, trigger: Self.push)
            Issue.record("an unknown stage in an included file was accepted")
        } catch let error as DiagnosticsError {
            #expect(
                error.diagnostics.map(\.description).contains {
                    $0.hasPrefix("ci/jobs/c.yml:3:10: error: job 'job-c' is in stage 'nowhere'")
                })
        }
    }

    @Test func includesStayInTheRepository() throws {
        let outside = try repository(["secret.yml": "stolen:\n  script: echo\n"])
        defer { try? FileManager.default.removeItem(at: outside) }
        let root = try repository([
            ".gitlab-ci.yml":
                "include:\n  - local: ../\(outside.lastPathComponent)/secret.yml\n  - local: link.yml\n  - local: missing.yml\nx:\n  script: echo\n"
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("link.yml"),
            withDestinationURL: outside.appendingPathComponent("secret.yml"))
        let problems = Self.problems(
            (try? String(contentsOf: root.appendingPathComponent(".gitlab-ci.yml"), encoding: .utf8)) ?? "",
            file: root.appendingPathComponent(".gitlab-ci.yml").path)
        let relative = problems.map { $0.replacingOccurrences(of: root.path + "/", with: "") }
        #expect(
            relative.contains {
                $0.hasPrefix(".gitlab-ci.yml:2:12: error: include: local '../") && $0.hasSuffix("leaves the repository")
            })
        #expect(
            relative.contains {
                $0.hasPrefix(".gitlab-ci.yml:3:12: error: include: local 'link.yml' leaves the repository")
            })
        #expect(
            relative.contains {
                $0.hasPrefix(".gitlab-ci.yml:4:12: error: include: local 'missing.yml' is not a readable file")
            })
    }

    @Test func mistakesAreReportedAtTheFilesOwnLinesWithSuggestions() {
        let problems = Self.problems(
            """
            stages: [build]
            build:
              stage: biuld
              scirpt: make
            test:
              extends: .tmplate
              script: make test
              needs: [biuld]
              rules:
                - if: $A == "x
            .template:
              script: x
            deploy:
              script: x
              when: sometimes
            """)
        #expect(
            problems.contains {
                $0.hasPrefix(".gitlab-ci.yml:3:10: error: job 'build' is in stage 'biuld'")
                    && $0.contains("did you mean 'build'")
            })
        #expect(
            problems.contains {
                $0.hasPrefix(".gitlab-ci.yml:4:3: error: unknown key 'scirpt' in job 'build'")
                    && $0.contains("did you mean 'script'")
            })
        #expect(
            problems.contains {
                $0.hasPrefix(".gitlab-ci.yml:6:12: error: extends '.tmplate', which is not defined")
                    && $0.contains("did you mean '.template'")
            })
        #expect(
            problems.contains {
                $0.hasPrefix(".gitlab-ci.yml:8:11: error: job 'test' needs 'biuld', which is not a job of this file")
            })
        #expect(
            problems.contains {
                $0.hasPrefix(".gitlab-ci.yml:10:11: error: job 'test': invalid expression in if: unterminated string")
            })
        #expect(problems.contains { $0.hasPrefix(".gitlab-ci.yml:15:9: error: unknown when 'sometimes'") })
    }

    @Test func aNeedOfAJobLeftOutIsAnErrorUnlessOptional() {
        let text = """
            build:
              script: x
              rules: [{if: $CI_COMMIT_TAG}]
            test:
              script: x
              needs: [build]
            lint:
              script: x
              needs: [{job: build, optional: true}]
            """
        let problems = Self.problems(text)
        #expect(
            problems == [
                ".gitlab-ci.yml:6:11: error: job 'test' needs 'build', which is not in this pipeline (rules: no rule matches this pipeline); mark the need optional: true"
            ])
    }

    @Test func containersAndDownstreamPipelinesCannotRunHere() throws {
        let definition = try Self.pipeline(
            """
            default:
              image: ruby:3.3
            unit:
              script: rake
            integration:
              services: [postgres:16]
              script: rake db:test
            child:
              trigger: {include: child.yml}
            """)
        #expect(definition.unsupported.map(\.job).sorted() == ["child", "integration"])
        // A job that customises what a GitLab template defines cannot be built here: unsupported, not wrong.
        let templated = try Self.pipeline(
            "include:\n  - template: Jobs/SAST.gitlab-ci.yml\nsast:\n  variables: {SAST_EXCLUDED_PATHS: spec}\nunit:\n  script: rake\n"
        )
        #expect(templated.unsupported.map(\.job).sorted() == ["", "sast"])
        #expect(templated.unsupported.first { $0.job == "sast" }?.message.contains("defined by an include") == true)
        #expect(definition.unsupported.contains { $0.message.contains("services need a container engine") })
        #expect(definition.unsupported.first { $0.job == "integration" }?.location.line == 6)
    }

    @Test func cyclesAndBombsAreRefused() {
        #expect(
            Self.problems(".a:\n  extends: .b\n  script: x\n.b:\n  extends: .a\nj:\n  extends: .a\n").contains {
                $0.contains("extends forms a cycle")
            })
        let deep =
            (0..<14).map { ".t\($0):\n  extends: .t\($0 + 1)\n" }.joined() + ".t14:\n  script: x\nj:\n  extends: .t0\n"
        #expect(Self.problems(deep).contains { $0.contains("extends is nested more than 11 deep") })
        #expect(Self.problems("j:\n  parallel: 500\n  script: x\n").contains { $0.contains("from 1 to 200") })
        let bigMatrix =
            "j:\n  script: x\n  parallel:\n    matrix:\n      - A: [\((0..<20).map(String.init).joined(separator: ","))]\n        B: [\((0..<20).map(String.init).joined(separator: ","))]\n"
        #expect(Self.problems(bigMatrix).contains { $0.contains("more than 200 jobs") })
    }

    @Test func aSpecHeaderIsReadAsItsOwnDocument() throws {
        let definition = try Self.pipeline(
            """
            spec:
              inputs:
                stage: {default: test}
            ---
            job:
              script: echo hi
            """, file: "pipeline.yml")
        #expect(definition.format == .gitlab)
        #expect(definition.job("job")?.location.line == 5)
    }

    @Test func inputsFromASpecHeaderAndAnIncludeAreInterpolated() throws {
        let root = try repository([
            ".gitlab-ci.yml": """
            spec:
              inputs:
                suffix: {default: main}
            ---
            include:
              - local: templates/deploy.yml
                inputs:
                  environment: staging
                  jobs: [lint, unit]
            build-$[[ inputs.suffix ]]:
              script: echo build
            lint:
              script: echo lint
            unit:
              script: echo unit
            """,
            "templates/deploy.yml": """
            spec:
              inputs:
                environment:
                  options: [staging, production]
                jobs:
                  type: array
                  default: []
                stage:
                  default: test
            ---
            deploy-$[[ inputs.environment ]]:
              stage: $[[ inputs.stage ]]
              needs: $[[ inputs.jobs ]]
              script: echo "deploying to $[[ inputs.environment | truncate(0, 4) ]]"
            """,
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent(".gitlab-ci.yml").path
        let definition = try PipelineParser.load(path: file, trigger: Self.push)
        #expect(definition.job("build-main") != nil)
        let deploy = try #require(definition.job("deploy-staging"))
        #expect(deploy.needs == ["lint", "unit"])
        #expect(deploy.steps.first?.run?.hasSuffix("echo \"deploying to stag\"") == true)

        try """
        include:
          - local: templates/deploy.yml
            inputs: {environment: qa}
        x:
          script: echo
        """.write(to: URL(fileURLWithPath: file), atomically: true, encoding: .utf8)
        do {
            _ = try PipelineParser.load(path: file, trigger: Self.push)
            Issue.record("an input outside its options was accepted")
        } catch let error as DiagnosticsError {
            #expect(
                error.diagnostics.map(\.description).contains {
                    $0.hasSuffix(
                        ".gitlab-ci.yml:3:13: error: the included file 'templates/deploy.yml': the input 'environment' is 'qa', which is not one of its options (staging, production)"
                    )
                })
        }
        #expect(
            Self.problems("x:\n  script: echo $[[ inputs.missing ]]\n").contains {
                $0.contains("the input 'missing' is not declared")
            })
    }

    @Test func projectDirPathsAndEnvironmentsReadAsOnGitLab() throws {
        let definition = try Self.pipeline(
            """
            review:
              script: echo
              artifacts:
                paths: [$CI_PROJECT_DIR/public, "${CI_PROJECT_DIR}/reports/*.xml"]
              cache:
                paths: [$CI_PROJECT_DIR/.cache]
              environment:
                name: review/$CI_COMMIT_REF_NAME
                url: https://$CI_COMMIT_REF_SLUG.example.com
            """)
        let job = try #require(definition.job("review"))
        #expect(job.artifacts?.paths.map(\.pattern) == ["public", "reports/*.xml"])
        #expect(job.cache?.paths == [".cache"])
        let env = Self.env(job)
        #expect(env["CI_ENVIRONMENT_NAME"] == "review/main")
        #expect(env["CI_ENVIRONMENT_SLUG"] == "review-main")
        #expect(env["CI_ENVIRONMENT_URL"] == "https://main.example.com")
    }

    @Test func rulesSeeOnlyTheVariablesAJobInherits() throws {
        let definition = try Self.pipeline(
            """
            variables:
              TARGET: production
            inherits:
              script: echo
              rules: [{if: $TARGET == "production"}]
            isolated:
              inherit: {variables: false}
              script: echo
              rules: [{if: $TARGET == "production"}]
            """)
        let decisions = try Self.plan(definition)
        #expect(decisions["inherits"] == .run)
        #expect(decisions["isolated"] == .skip(.rules("rules: no rule matches this pipeline")))
    }
}
