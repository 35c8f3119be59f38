import Foundation
import GantryTestSupport
import Testing

/// A GitHub Actions workflow run by `gantry run FILE`: in the repository root, with GitHub's runner
/// files and variables, secrets masked, and what cannot run here refused before anything starts.
@Suite struct WorkflowCLITests {
    static func repository(_ workflow: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write(".github/workflows/ci.yml", workflow)
        try directory.write("VERSION", "1.0.0\n")
        try runChecked("git", ["init", "-q", "-b", "main"], in: directory.url)
        try runChecked("git", ["add", "."], in: directory.url)
        try runChecked(
            "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "x"], in: directory.url
        )
        return directory
    }

    @Test func aWorkflowRunsInTheRepositoryRootWithGitHubsFilesAndMaskedSecrets() throws {
        let secret = "workflow-secret-value-7731"  // gantry:allow-secret (a test fixture)
        let directory = try Self.repository(
            """
            on: push
            jobs:
              first:
                runs-on: ubuntu-latest
                outputs:
                  version: ${{ steps.read.outputs.version }}
                steps:
                  - uses: actions/checkout@v4
                  - id: read
                    run: echo "version=$(cat VERSION)" >> "$GITHUB_OUTPUT"
                  - run: echo "EXTRA=from-env-file" >> "$GITHUB_ENV"
                  - run: |
                      test "$EXTRA" = from-env-file
                      echo "token ${{ secrets.API_TOKEN }} and $GITHUB_REF_NAME on $RUNNER_OS"
              second:
                needs: first
                runs-on: ubuntu-latest
                if: github.ref_name == 'main'
                steps:
                  - run: echo "version ${{ needs.first.outputs.version }} at ${{ github.sha }}"
            """)
        defer { directory.remove() }
        let run = try GantryBinary.run(
            ["run", ".github/workflows/ci.yml"], in: directory.url, environment: ["GANTRY_SECRET_API_TOKEN": secret])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("token *** and main on Linux"), "\(run.stdout)")
        #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret))
        let sha = try runChecked("git", ["rev-parse", "HEAD"], in: directory.url)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(run.stdout.contains("version 1.0.0 at \(sha)"))
        // State lives at the repository root, not under .github/workflows.
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".gantry").path))
    }

    /// Each job of a matrix sees its own `strategy` (shards split work with job-index and job-total),
    /// and `continue-on-error` from the matrix lets an experimental combination fail.
    @Test func matrixJobsSeeTheirStrategyAndMayContinueOnError() throws {
        let directory = try Self.repository(
            """
            on: push
            jobs:
              shard:
                runs-on: ubuntu-latest
                continue-on-error: ${{ matrix.experimental }}
                strategy:
                  fail-fast: false
                  matrix:
                    part: [a, b]
                    experimental: [false]
                    include: [{ part: c, experimental: true }]
                steps:
                  - run: echo "shard ${{ strategy.job-index }}/${{ strategy.job-total }} part ${{ matrix.part }} ff=${{ strategy.fail-fast }}"
                  - run: test "${{ matrix.part }}" != c
            """)
        defer { directory.remove() }
        let run = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        for (index, part) in ["a", "b", "c"].enumerated() {
            #expect(run.stdout.contains("shard \(index)/3 part \(part) ff=false"), "\(run.stdout)")
        }
    }

    /// A matrix computed from a job's outputs is judged by its `runs-on` when it is expanded: a macOS
    /// job fails with the reason, or is skipped with --skip-unsupported while the Linux ones run.
    @Test func aComputedMatrixOfRunnersIsJudgedWhenItIsExpanded() throws {
        let directory = try Self.repository(
            """
            on: push
            jobs:
              setup:
                runs-on: ubuntu-latest
                outputs:
                  systems: ${{ steps.list.outputs.systems }}
                steps:
                  - id: list
                    run: echo 'systems=["ubuntu-latest","macos-14"]' >> "$GITHUB_OUTPUT"
              test:
                needs: setup
                runs-on: ${{ matrix.os }}
                strategy:
                  fail-fast: false
                  matrix:
                    os: ${{ fromJSON(needs.setup.outputs.systems) }}
                steps:
                  - run: echo "tested on ${{ matrix.os }}"
              report:
                needs: test
                runs-on: ubuntu-latest
                steps:
                  - run: echo "report after ${{ needs.test.result }}"
            """)
        defer { directory.remove() }
        let refused = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stdout.contains("tested on ubuntu-latest"))
        #expect(!refused.stdout.contains("tested on macos-14"))
        #expect(
            refused.stdout.contains(
                "test (os=macos-14) runs on 'macos-14', and this machine is Linux (--skip-unsupported skips it)"),
            "\(refused.stdout)")
        let skipped = try GantryBinary.run(
            ["run", "--skip-unsupported", ".github/workflows/ci.yml"], in: directory.url)
        #expect(skipped.status == 0, "\(skipped.stdout)\(skipped.stderr)")
        #expect(skipped.stdout.contains("report after success"), "\(skipped.stdout)")
    }

    @Test func whatCannotRunHereIsRefusedBeforeAnythingRunsOrSkippedWhenAsked() throws {
        let marker = "ran-\(UUID().uuidString.prefix(8))"
        let directory = try Self.repository(
            """
            on: push
            jobs:
              first:
                runs-on: ubuntu-latest
                steps:
                  - run: touch \(marker)
                  - uses: some-org/deploy-action@v1
                    with: {target: y}
              mac:
                runs-on: macos-latest
                steps:
                  - run: echo never
              after:
                needs: mac
                runs-on: ubuntu-latest
                steps:
                  - run: echo never either
            """)
        defer { directory.remove() }
        let refused = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(refused.status == 2)
        #expect(
            refused.stderr.contains(".github/workflows/ci.yml:7:15: error: the action 'some-org/deploy-action@v1'"))
        #expect(refused.stderr.contains(".github/workflows/ci.yml:10:14: error: jobs.mac runs on 'macos-latest'"))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(marker).path))

        let skipped = try GantryBinary.run(
            ["run", ".github/workflows/ci.yml", "--skip-unsupported"], in: directory.url)
        #expect(skipped.status == 0, "\(skipped.stdout)\(skipped.stderr)")
        #expect(skipped.stdout.contains("skipped: jobs.mac runs on 'macos-latest'"))
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(marker).path))
        #expect(!skipped.stdout.contains("never"))
        #expect(skipped.stdout.contains("cannot run here: jobs.mac runs on 'macos-latest'"), "\(skipped.stdout)")
    }

    /// `::add-mask::` masks a value a step derived, from the next line on, in both streams, in later
    /// steps and in the log; `::stop-commands::` turns that off until its token comes back.
    @Test func addMaskHidesADerivedValueFromTheConsoleAndTheLog() throws {
        let directory = try Self.repository(
            """
            on: push
            jobs:
              mask:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      value="derived-$(echo abc | tr a-c x-z)-credential"
                      echo "::add-mask::$value"
                      echo "same read: $value"
                      echo "on stderr: $value" >&2
                      echo "VALUE=$value" >> "$GITHUB_ENV"
                  - run: |
                      echo "next step: $VALUE"
                      echo "::stop-commands::pause-42"
                      echo "::add-mask::ordinary-words"
                      echo "::pause-42::"
                      echo "still shown: ordinary-words"
            """)
        defer { directory.remove() }
        let run = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let derived = "derived-xyz-credential"
        #expect(!run.stdout.contains(derived) && !run.stderr.contains(derived))
        for line in [
            "::add-mask::***", "same read: ***", "on stderr: ***", "next step: ***", "still shown: ordinary-words",
        ] {
            #expect(run.stdout.contains(line), "\(line)\n\(run.stdout)")
        }
        let logs = directory.url.appendingPathComponent(".gantry/logs")
        let runs = try FileManager.default.contentsOfDirectory(atPath: logs.path)
        let log = try String(contentsOf: logs.appendingPathComponent("\(runs[0])/mask.jsonl"), encoding: .utf8)
        #expect(!log.contains(derived))
        #expect(log.contains("same read: ***"))
    }

    /// Annotations show with their place, groups as headers, `::set-output::` sets a step output a
    /// later step reads, and `::set-env::` (disabled on GitHub) fails its step without changing the
    /// environment.
    @Test func workflowCommandsAnnotateGroupSetOutputsAndRefuseSetEnv() throws {
        let directory = try Self.repository(
            """
            on: push
            jobs:
              commands:
                runs-on: ubuntu-latest
                steps:
                  - id: version
                    run: |
                      echo "::group::Compute"
                      echo "::set-output name=value::4.5.6"
                      echo "::endgroup::"
                      echo "::warning file=setup.py,line=7,col=2,title=Deprecated::use pyproject.toml"
                  - run: echo "read ${{ steps.version.outputs.value }}"
              injected:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "::set-env name=INJECTED::yes"
                  - if: always()
                    run: echo "INJECTED=[${INJECTED:-}]"
            """)
        defer { directory.remove() }
        let run = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        for line in [
            "[commands] ▸ Compute", "[commands] warning: setup.py:7:2: Deprecated: use pyproject.toml",
            "[commands] read 4.5.6", "error: the `set-env` command is disabled", "INJECTED=[]",
        ] {
            #expect(run.stdout.contains(line), "\(line)\n\(run.stdout)")
        }
        #expect(!run.stdout.contains("::endgroup::") && !run.stdout.contains("::set-output"))
    }

    /// A local reusable workflow runs inlined: its inputs and secrets from the caller, its outputs
    /// read by a later job; a caller whose `if` is false runs none of it, and a called job that fails
    /// holds back what needs the caller.
    @Test func aLocalReusableWorkflowRunsWithInputsSecretsAndOutputs() throws {
        let secret = "reusable-secret-" + "value-4417"
        let directory = try Self.repository(
            """
            on: push
            jobs:
              call:
                uses: ./.github/workflows/called.yml
                with:
                  greeting: hello
                secrets:
                  token: ${{ secrets.DEPLOY_TOKEN }}
              skipped:
                if: github.event_name == 'schedule'
                uses: ./.github/workflows/called.yml
              failing:
                uses: ./.github/workflows/called.yml
                with:
                  fail: true
              after:
                needs: [call, failing]
                if: always()
                runs-on: ubuntu-latest
                steps:
                  - run: echo "got ${{ needs.call.outputs.message }} call=${{ needs.call.result }} failing=${{ needs.failing.result }}"
            """)
        defer { directory.remove() }
        try directory.write(
            ".github/workflows/called.yml",
            """
            on:
              workflow_call:
                inputs:
                  greeting: {type: string, default: hi}
                  fail: {type: boolean, default: false}
                secrets:
                  token: {required: false}
                outputs:
                  message: {value: "${{ jobs.say.outputs.message }}"}
            jobs:
              say:
                runs-on: ubuntu-latest
                outputs:
                  message: ${{ steps.m.outputs.message }}
                steps:
                  - id: m
                    run: |
                      echo "message=${{ inputs.greeting }} world" >> "$GITHUB_OUTPUT"
                      echo "token ${{ secrets.token }}"
                  - if: inputs.fail
                    run: exit 3
            """)
        let run = try GantryBinary.run(
            ["run", ".github/workflows/ci.yml"], in: directory.url, environment: ["GANTRY_SECRET_DEPLOY_TOKEN": secret])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret))
        for line in [
            "[call__say] token ***", "[after] got hello world call=success failing=failure",
        ] {
            #expect(run.stdout.contains(line), "\(line)\n\(run.stdout)")
        }
        #expect(run.stdout.contains("[skipped__say] – skipped"), "\(run.stdout)")
        #expect(!run.stdout.contains("[skipped__say] ▶"), "\(run.stdout)")
        #expect(run.stdout.contains("a called job did not succeed: failing__say=failure"), "\(run.stdout)")
    }

    /// `gantry convert -o gantry.yml` writes a pipeline that runs as the workflow did (outputs, runner
    /// files, masked secrets), refuses to overwrite without --force, and names what it did not translate.
    @Test func aConvertedWorkflowRunsAsTheWorkflowDid() throws {
        let secret = "converted-secret-" + "value-2290"
        let directory = try Self.repository(
            """
            name: Checks
            on: push
            jobs:
              version:
                runs-on: ubuntu-latest
                outputs:
                  value: ${{ steps.v.outputs.value }}
                steps:
                  - id: v
                    run: echo "value=$(cat VERSION)" >> "$GITHUB_OUTPUT"
              report:
                needs: version
                runs-on: macos-latest
                steps:
                  - run: echo "version ${{ needs.version.outputs.value }} on ${{ github.event_name }} with ${{ secrets.TOKEN }}"
            """)
        defer { directory.remove() }
        let converted = try GantryBinary.run(
            ["convert", ".github/workflows/ci.yml", "-o", "gantry.yml"], in: directory.url)
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(
            converted.stderr.contains(
                "warning: not translated: .github/workflows/ci.yml:13:14: jobs.report runs on 'macos-latest'"))
        let run = try GantryBinary.run(["run"], in: directory.url, environment: ["GANTRY_SECRET_TOKEN": secret])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("[report] version 1.0.0 on push with ***"), "\(run.stdout)")
        #expect(!run.stdout.contains(secret))
        let again = try GantryBinary.run(
            ["convert", ".github/workflows/ci.yml", "-o", "gantry.yml"], in: directory.url)
        #expect(again.status != 0)
        #expect(again.stderr.contains("gantry.yml exists: pass --force to overwrite it"))
    }

    /// A JavaScript action — local, or vendored into GANTRY_ACTIONS — runs its main with node: its
    /// inputs as INPUT_*, its outputs through GITHUB_OUTPUT, its pre and post scripts around it with the
    /// state main saved.
    @Test func javaScriptActionsRunWithNode() throws {
        let directory = try Self.repository(
            """
            on: push
            jobs:
              js:
                runs-on: ubuntu-latest
                steps:
                  - id: local
                    uses: ./.github/actions/stamp
                    with:
                      label: local
                  - id: vendored
                    uses: octo/stamp@v1
                    with:
                      label: vendored
                  - run: echo "got ${{ steps.local.outputs.stamp }} and ${{ steps.vendored.outputs.stamp }}"
            """)
        defer { directory.remove() }
        let action =
            "inputs:\n  label: {default: none}\nruns:\n  using: node20\n  pre: pre.js\n  main: index.js\n  post: post.js\n"
        let pre = "console.log(`pre for ${process.env['INPUT_LABEL']}`);\n"
        let post = "console.log(`post for ${process.env['INPUT_LABEL']} saw ${process.env['STATE_started']}`);\n"
        let script = """
            const fs = require('fs');
            const label = process.env['INPUT_LABEL'];
            fs.appendFileSync(process.env.GITHUB_OUTPUT, `stamp=${label}-stamped\\n`);
            fs.appendFileSync(process.env.GITHUB_STATE, `started=${label}-main\\n`);
            """
        try directory.write(".github/actions/stamp/action.yml", action)
        try directory.write(".github/actions/stamp/index.js", script)
        try directory.write("vendor/octo/stamp@v1/action.yml", action)
        try directory.write("vendor/octo/stamp@v1/index.js", script)
        for folder in [".github/actions/stamp", "vendor/octo/stamp@v1"] {
            try directory.write("\(folder)/pre.js", pre)
            try directory.write("\(folder)/post.js", post)
        }
        let run = try GantryBinary.run(
            ["run", ".github/workflows/ci.yml"], in: directory.url,
            environment: ["GANTRY_ACTIONS": directory.url.appendingPathComponent("vendor").path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("[js] got local-stamped and vendored-stamped"), "\(run.stdout)")
        // pre right before main; post after every step, the last action's first, with main's state.
        let lines = run.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("[js] ") }
        #expect(
            lines.filter { !$0.contains("▶") && !$0.contains("✓") && !$0.contains("not pinned") } == [
                "[js] pre for local", "[js] pre for vendored", "[js] got local-stamped and vendored-stamped",
                "[js] post for vendored saw vendored-main", "[js] post for local saw local-main",
            ], "\(lines)")
        #expect((run.stdout + run.stderr).contains("'octo/stamp@v1' is not pinned to a full commit SHA"))
    }

    /// actions/cache becomes the job's cache (its paths inside the workspace): the second run restores
    /// it before the steps and `cache-hit` is 'true', so the install step is skipped.
    @Test func actionsCacheRestoresTheJobsCacheAndSetsCacheHit() throws {
        let directory = try Self.repository(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - id: deps
                    uses: actions/cache@v4
                    with:
                      path: |
                        .deps
                        ~/.cache/pip
                      key: deps-${{ runner.os }}-${{ hashFiles('VERSION') }}
                      restore-keys: deps-${{ runner.os }}-
                  - if: steps.deps.outputs.cache-hit != 'true'
                    run: mkdir -p .deps && echo "installed" > .deps/marker && echo "installing"
                  - run: echo "using $(cat .deps/marker) hit=${{ steps.deps.outputs.cache-hit }}"
            """)
        defer { directory.remove() }
        let first = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("[build] installing") && first.stdout.contains("using installed hit=false"))
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent(".deps"))
        let second = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(!second.stdout.contains("[build] installing"), "\(second.stdout)")
        #expect(second.stdout.contains("using installed hit=true"), "\(second.stdout)")
    }

    /// actions/checkout with path: and ref: clones the local repository there at that ref; a ref
    /// other than the workspace's own, without path:, and another repository are refused.
    @Test func checkoutWithPathAndRefWorksAgainstTheLocalRepository() throws {
        let directory = try Self.repository(
            """
            on: push
            jobs:
              co:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with:
                      ref: ${{ github.sha }}
                  - uses: actions/checkout@v4
                    with:
                      path: previous
                      ref: v1
                  - run: echo "previous VERSION $(cat previous/VERSION)"
              elsewhere:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with:
                      ref: v1
            """)
        defer { directory.remove() }
        _ = try runChecked("git", ["tag", "v1"], in: directory.url)
        try directory.write("VERSION", "2.0.0\n")
        _ = try runChecked(
            "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-am", "two"],
            in: directory.url)
        let run = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("[co] previous VERSION 1.0.0"), "\(run.stdout)")
        #expect(run.stdout.contains("ref v1 is not what the workspace has checked out; give path:"), "\(run.stdout)")
        #expect(try directory.read("VERSION") == "2.0.0\n")
    }

    /// `vars` reads --var and --var-file; --event and --event-file give github.event_name and the
    /// payload (github.event.pull_request…); a payload that is not a JSON object is refused.
    @Test func varsAndTheEventPayloadComeFromTheCommandLine() throws {
        let directory = try Self.repository(
            """
            on: [push, pull_request]
            jobs:
              show:
                runs-on: ubuntu-latest
                if: github.event_name == 'pull_request'
                steps:
                  - run: echo "region=${{ vars.REGION }} tier=${{ vars.TIER }} pr=${{ github.event.pull_request.number }} ref=${{ github.event.ref }}"
            """)
        defer { directory.remove() }
        try directory.write("vars.env", "# repository variables\nREGION=eu-west-1\nTIER=small\n")
        try directory.write("event.json", #"{"pull_request": {"number": 42, "head": {"ref": "feature"}}}"#)
        let run = try GantryBinary.run(
            [
                "run", ".github/workflows/ci.yml", "--var-file", "vars.env", "--var", "TIER=large", "--event",
                "pull_request", "--event-file", "event.json",
            ], in: directory.url)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("[show] region=eu-west-1 tier=large pr=42 ref=refs/heads/main"), "\(run.stdout)")
        // Without --event the run stands for a push: the job's if is false.
        let push = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(push.stdout.contains("[show] – skipped"), "\(push.stdout)")
        try directory.write("bad.json", "[1, 2]")
        let bad = try GantryBinary.run(
            ["run", ".github/workflows/ci.yml", "--event-file", "bad.json"], in: directory.url)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--event-file bad.json: not a JSON object"), "\(bad.stderr)")
        try directory.write("deep.json", String(repeating: "[", count: 100) + String(repeating: "]", count: 100))
        let deep = try GantryBinary.run(
            ["run", ".github/workflows/ci.yml", "--event-file", "deep.json"], in: directory.url)
        #expect(deep.status == 2)
        #expect(deep.stderr.contains("nested deeper than 64 levels"), "\(deep.stderr)")
    }

    /// A set-up action checks the version asked for against the one on PATH and says what is missing;
    /// a specification that is not a plain version (lts/*) is not checked.
    @Test func setupActionsCheckTheVersionAskedFor() throws {
        let directory = try Self.repository(
            """
            on: push
            jobs:
              py:
                runs-on: ubuntu-latest
                strategy:
                  fail-fast: false
                  matrix:
                    python: ["3", "2.7", "3.x", ">=3.8"]
                steps:
                  - uses: actions/setup-python@v5
                    with:
                      python-version: ${{ matrix.python }}
            """)
        defer { directory.remove() }
        let run = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("actions/setup-python: version 2.7 was asked for, and python3 here is: Python 3."))
        for (version, status) in [("3", "success"), ("2.7", "failure"), ("3.x", "success"), (">=3.8", "success")] {
            #expect(
                run.stdout.split(separator: "\n").contains {
                    $0.contains("py (python=\(version))") && $0.contains(status)
                },
                "\(version)\n\(run.stdout)")
        }
    }

    /// A workflow whose branch filters exclude the checkout's branch does not run (as GitHub would
    /// not start it); --event pull_request checks that event's filters instead.
    @Test func branchFiltersDecideWhetherTheCheckoutsRunHappens() throws {
        let directory = try Self.repository(
            """
            on:
              push:
                branches: [release]
              pull_request:
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: echo ran
            """)
        defer { directory.remove() }
        let push = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(push.status == 0)
        #expect(push.stdout.contains("on.push.branches does not match the branch 'main'"), "\(push.stdout)")
        #expect(!push.stdout.contains("[a] ran"))
        let pullRequest = try GantryBinary.run(
            ["run", ".github/workflows/ci.yml", "--event", "pull_request"], in: directory.url)
        #expect(pullRequest.stdout.contains("[a] ran"), "\(pullRequest.stdout)")
    }

    /// Without FILE in a repository that has only workflows, gantry lists them; --workflow picks one
    /// by file name or by its name:.
    @Test func withoutAFileTheWorkflowsAreListedAndOneIsPickedByName() throws {
        let directory = try Self.repository(
            "name: Checks\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo checked\n")
        defer { directory.remove() }
        try directory.write(
            ".github/workflows/other.yaml",
            "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo other\n")
        let listed = try GantryBinary.run(["run"], in: directory.url)
        #expect(listed.status == 2)
        #expect(listed.stderr.contains("the repository has workflows: ci.yml (Checks), other.yaml"), "\(listed.stderr)")
        let byName = try GantryBinary.run(["run", "--workflow", "Checks"], in: directory.url)
        #expect(byName.status == 0, "\(byName.stderr)")
        #expect(byName.stdout.contains("[a] checked"))
        let byStem = try GantryBinary.run(["validate", "--workflow", "other"], in: directory.url)
        #expect(byStem.stdout.hasPrefix(".github/workflows/other.yaml: ok"), "\(byStem.stdout)\(byStem.stderr)")
        let unknown = try GantryBinary.run(["plan", "--workflow", "othr"], in: directory.url)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("did you mean 'other'"))
    }

    /// A local composite action runs inlined: its inputs (with: values or defaults), its outputs under
    /// the caller's id, its step ids kept apart when it is used twice; a Docker action,
    /// or missing, is refused by name; one outside the repository is an error.
    @Test func aLocalCompositeActionRunsWithItsInputsAndOutputs() throws {
        let directory = try Self.repository(
            """
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - id: greet
                    uses: ./.github/actions/greet
                    with: {who: "${{ github.ref_name }}"}
                  - run: echo "said ${{ steps.greet.outputs.greeting }}"
                  - uses: ./.github/actions/greet
            """)
        defer { directory.remove() }
        try directory.write(
            ".github/actions/greet/action.yml",
            """
            name: Greet
            inputs:
              who: {description: Whom, default: world}
            outputs:
              greeting: {description: What, value: "${{ steps.say.outputs.text }}"}
            runs:
              using: composite
              steps:
                - id: say
                  shell: bash
                  run: |
                    echo "text=hello ${{ inputs.who }}" >> "$GITHUB_OUTPUT"
                    echo "hello ${{ inputs.who }}"
            """)
        try directory.write(".github/actions/docker/action.yml", "runs:\n  using: docker\n  image: Dockerfile\n")
        let run = try GantryBinary.run(["run", ".github/workflows/ci.yml"], in: directory.url)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        for line in ["[a] hello main", "[a] said hello main", "[a] hello world"] {
            #expect(run.stdout.contains(line), "\(line)\n\(run.stdout)")
        }
        try directory.write(
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/docker\n"
                + "      - uses: ./.github/actions/absent\n")
        let warned = try GantryBinary.run(["validate", ".github/workflows/ci.yml"], in: directory.url)
        #expect(warned.status == 0)
        #expect(
            warned.stderr.contains(
                "ci.yml:6:15: warning: the action './.github/actions/docker' is a Docker action: it needs a container engine"
            ))
        #expect(
            warned.stderr.contains(
                "ci.yml:7:15: warning: the local action './.github/actions/absent' has no readable action.yml"))
        try directory.write(
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./../elsewhere\n")
        let refused = try GantryBinary.run(["validate", ".github/workflows/ci.yml"], in: directory.url)
        #expect(refused.status == 2)
        #expect(
            refused.stderr.contains("ci.yml:6:15: error: './../elsewhere' leaves the repository"), "\(refused.stderr)")
    }
}
