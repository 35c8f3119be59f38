import Foundation
import GantryCore
import Testing

@testable import Pipeline

/// Local reusable workflows (`jobs.<id>.uses: ./.github/workflows/x.yml`) inlined into the caller.
@Suite struct ReusableWorkflowTests {
    static let called = """
        on:
          workflow_call:
            inputs:
              python-version:
                type: string
                default: "3.11"
              coverage:
                type: boolean
                default: false
              shards:
                type: number
                required: true
            secrets:
              token:
                required: true
            outputs:
              report:
                value: ${{ jobs.test.outputs.report }}
        env:
          SHARED: called
        jobs:
          lint:
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{ inputs.python-version }} ${{ inputs.shards }}"
          test:
            needs: lint
            runs-on: ubuntu-latest
            env:
              SHARED: own
            outputs:
              report: ${{ steps.r.outputs.path }}
            steps:
              - id: r
                run: echo "path=r.xml" >> "$GITHUB_OUTPUT"
              - if: inputs.coverage && needs.lint.result == 'success'
                env:
                  TOKEN: ${{ secrets.token }}
                run: echo "$TOKEN"
          notify:
            needs: test
            if: always()
            runs-on: ubuntu-latest
            steps:
              - run: echo done
        """

    /// Parses `caller` as `.github/workflows/ci.yml` in a repository that also holds `files`.
    static func parse(_ caller: String, files: [String: String] = [:]) throws -> (
        Result<PipelineDefinition, DiagnosticsError>, URL
    ) {
        var all = files
        all[".github/workflows/ci.yml"] = caller
        let root = try repository(all)
        let file = root.appendingPathComponent(".github/workflows/ci.yml").path
        do {
            return (.success(try PipelineParser.parse(text: caller, file: file)), root)
        } catch {
            return (.failure(error), root)
        }
    }

    static func problems(_ caller: String, files: [String: String]) throws -> [String] {
        let (result, root) = try parse(caller, files: files)
        defer { try? FileManager.default.removeItem(at: root) }
        guard case .failure(let error) = result else { return [] }
        return error.diagnostics.map { $0.description.replacingOccurrences(of: root.path + "/", with: "") }
    }

    @Test func calledJobsJoinTheGraphWithInputsSecretsAndOutputs() throws {
        let (result, root) = try Self.parse(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: echo build
              tests:
                name: Tests
                needs: build
                uses: ./.github/workflows/reusable.yml
                with:
                  coverage: true
                  shards: 4
                secrets:
                  token: ${{ secrets.API_TOKEN }}
              report:
                needs: tests
                runs-on: ubuntu-latest
                steps:
                  - run: echo "${{ needs.tests.outputs.report }}"
            """, files: [".github/workflows/reusable.yml": Self.called])
        defer { try? FileManager.default.removeItem(at: root) }
        let definition = try result.get()
        #expect(
            definition.jobs.map(\.id) == ["build", "tests__lint", "tests__test", "tests__notify", "tests", "report"])
        let jobs = Dictionary(uniqueKeysWithValues: definition.jobs.map { ($0.id, $0) })
        #expect(jobs["tests__lint"]?.name == "Tests / lint")
        #expect(jobs["tests__lint"]?.needs == ["build"])
        #expect(jobs["tests__test"]?.needs == ["tests__lint", "build"])
        // Inputs become literals of their type (the default where the caller gives none).
        #expect(jobs["tests__lint"]?.steps.first?.run == "echo \"${{ '3.11' }} ${{ 4 }}\"")
        // A bare if: reads the input too; needs.<called job> follows the rename.
        #expect(jobs["tests__test"]?.steps.last?.condition == "true && needs.tests__lint.result == 'success'")
        // The secret passed as token is the caller's API_TOKEN: the job is given it.
        #expect(jobs["tests__test"]?.secrets == ["API_TOKEN"])
        // The called workflow's env is under the job's own.
        #expect(jobs["tests__test"]?.env.first { $0.name == "SHARED" }?.value == "own")
        #expect(jobs["tests__lint"]?.env.first { $0.name == "SHARED" }?.value == "called")
        // An always() job still waits for what the call needs.
        #expect(jobs["tests__notify"]?.condition == "${{ (always()) && needs.build.result == 'success' }}")
        // The caller keeps its place: it waits for the called jobs and carries the outputs.
        #expect(jobs["tests"]?.needs == ["tests__lint", "tests__test", "tests__notify", "build"])
        #expect(jobs["tests"]?.outputs.first?.1 == "${{ needs.tests__test.outputs.report }}")
        #expect(jobs["report"]?.needs == ["tests"])
    }

    @Test func aCallersConditionAndMatrixApplyToEveryCalledJob() throws {
        let (result, root) = try Self.parse(
            """
            on: push
            jobs:
              matrix:
                if: github.event_name == 'push'
                strategy:
                  matrix:
                    python: ["3.11", "3.12"]
                uses: ./.github/workflows/reusable.yml
                with:
                  python-version: ${{ matrix.python }}
                  shards: 1
                secrets: inherit
            """, files: [".github/workflows/reusable.yml": Self.called])
        defer { try? FileManager.default.removeItem(at: root) }
        let definition = try result.get()
        let jobs = Dictionary(uniqueKeysWithValues: definition.jobs.map { ($0.id, $0) })
        #expect(jobs["matrix__if"]?.condition == "github.event_name == 'push'")
        #expect(jobs["matrix__lint"]?.needs == ["matrix__if"])
        #expect(jobs["matrix__lint"]?.matrix?.axes.first?.values.count == 2)
        #expect(jobs["matrix__lint"]?.steps.first?.run == "echo \"${{ (matrix.python) }} ${{ 1 }}\"")
        // inherit: the called workflow reads the caller's secret of the same name.
        #expect(jobs["matrix__test"]?.secrets == ["token"])
    }

    @Test func whatGitHubWouldRefuseIsAnErrorAtTheCaller() throws {
        let problems = try Self.problems(
            """
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                uses: ./.github/workflows/reusable.yml
                with:
                  python-verison: "3.12"
                  coverage: maybe
              b:
                uses: ./.github/workflows/plain.yml
              c:
                uses: ./.github/workflows/missing.yml
              d:
                uses: ./../outside.yml
              e:
                uses: ./.github/workflows/loop.yml
              f:
                uses: ./.github/workflows/broken.yml
            """,
            files: [
                ".github/workflows/reusable.yml": Self.called,
                ".github/workflows/plain.yml":
                    "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
                ".github/workflows/loop.yml":
                    "on: workflow_call\njobs:\n  again:\n    uses: ./.github/workflows/loop.yml\n",
                ".github/workflows/broken.yml":
                    "on: workflow_call\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stesp:\n      - run: echo\n",
            ])
        let expected = [
            ".github/workflows/ci.yml:4:5: error: jobs.a calls a reusable workflow, so it cannot have 'runs-on'",
            ".github/workflows/ci.yml:7:7: error: './.github/workflows/reusable.yml' declares no input 'python-verison' (on.workflow_call.inputs) (did you mean 'python-version'?)",
            ".github/workflows/ci.yml:8:17: error: the input 'coverage' of './.github/workflows/reusable.yml' is a boolean: true or false, not 'maybe'",
            ".github/workflows/ci.yml:5:11: error: jobs.a does not give './.github/workflows/reusable.yml' its required input 'shards'",
            ".github/workflows/ci.yml:5:11: error: jobs.a does not pass './.github/workflows/reusable.yml' its required secret 'token'",
            ".github/workflows/ci.yml:10:11: error: './.github/workflows/plain.yml' is not a reusable workflow: its 'on' has no workflow_call",
            ".github/workflows/ci.yml:14:11: error: the reusable workflow './../outside.yml' leaves the repository",
            ".github/workflows/loop.yml:4:11: error: './.github/workflows/loop.yml' calls itself",
            // The called file's own mistakes point at its own lines.
            ".github/workflows/broken.yml:5:5: error: unknown key 'stesp'",
        ]
        for prefix in expected {
            #expect(problems.contains { $0.hasPrefix(prefix) }, "\(prefix)\n\(problems.joined(separator: "\n"))")
        }
        // A called workflow that is not there (a workflow read without its repository) cannot run
        // here, as a missing local action: not an error.
        #expect(!problems.contains { $0.contains("missing.yml") })
        let (result, root) = try Self.parse("on: push\njobs:\n  c:\n    uses: ./.github/workflows/missing.yml\n")
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(
            try result.get().unsupported.map(\.message) == [
                "the reusable workflow './.github/workflows/missing.yml' is not a readable file in the repository"
            ])
    }

    /// A few calls of a large workflow would multiply into a run no one meant (and a parse that does
    /// not end): the jobs calls add are bounded, and said once.
    @Test func callsCannotMultiplyJobsWithoutBound() throws {
        let jobs = (0..<600).map { "  j\($0):\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \($0)" }
        let calls = (0..<64).map { "  c\($0):\n    uses: ./.github/workflows/big.yml" }
        let problems = try Self.problems(
            "on: push\njobs:\n" + calls.joined(separator: "\n") + "\n",
            files: [".github/workflows/big.yml": "on: workflow_call\njobs:\n" + jobs.joined(separator: "\n") + "\n"])
        #expect(
            problems == [
                ".github/workflows/ci.yml:6:11: error: the workflow's calls of reusable workflows add more than 1000 jobs; call fewer or smaller workflows"
            ])
    }

    @Test func expressionsAreRewrittenTokenByToken() {
        let replace: ExpressionRewriter.Replace = { root, name in
            root == "inputs" && name == "version" ? "'1.0'" : root == "needs" && name == "a" ? "needs.x__a" : nil
        }
        #expect(
            ExpressionRewriter.rewrite(expression: "inputs.version == 'inputs.version' && inputs.version_file", replace)
                == "'1.0' == 'inputs.version' && inputs.version_file")
        #expect(
            ExpressionRewriter.rewrite(expression: "needs.a.outputs.b || steps.needs.a", replace)
                == "needs.x__a.outputs.b || steps.needs.a")
        #expect(
            ExpressionRewriter.rewrite(
                template: "v${{ inputs.version }}-${{ format('}}{0}', inputs.version) }}", replace)
                == "v${{ '1.0' }}-${{ format('}}{0}', '1.0') }}")
        #expect(ExpressionRewriter.expression(fromTemplate: "plain 'text'") == "'plain ''text'''")
        #expect(ExpressionRewriter.expression(fromTemplate: "${{ matrix.os }}") == "(matrix.os)")
        #expect(ExpressionRewriter.expression(fromTemplate: "py{${{ matrix.v }}}") == "format('py{{{0}}}', matrix.v)")
        #expect(ExpressionRewriter.condition("${{ always() }}") == " always() ")
        #expect(ExpressionRewriter.condition("success()") == "success()")
    }
}
