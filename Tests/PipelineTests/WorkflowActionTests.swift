import Foundation
import GantryCore
import Testing

@testable import Pipeline

/// Actions that are not Gantry's own: local and vendored, composite and JavaScript.
@Suite struct WorkflowActionTests {
    static let commit = "0123456789abcdef0123456789abcdef01234567"

    /// A repository with the workflow, and a vendored actions folder beside it.
    static func parse(_ workflow: String, actions: [String: String]) throws -> (
        Result<PipelineDefinition, DiagnosticsError>, URL
    ) {
        var files = actions.reduce(into: [String: String]()) { $0["actions/" + $1.key] = $1.value }
        files["repo/.github/workflows/ci.yml"] = workflow
        let root = try repository(files)
        let file = root.appendingPathComponent("repo/.github/workflows/ci.yml").path
        do {
            return (
                .success(
                    try PipelineParser.parse(
                        text: workflow, file: file, actionsDirectory: root.appendingPathComponent("actions"))), root
            )
        } catch {
            return (.failure(error), root)
        }
    }

    static let javaScript = """
        inputs:
          who-to-greet: {default: World}
          token: {default: "${{ github.token }}"}
        runs:
          using: node20
          main: dist/index.js
          post: dist/post.js
        """

    @Test func aVendoredJavaScriptActionRunsItsMainWithNodeAndItsInputs() throws {
        let (result, root) = try Self.parse(
            """
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - id: hello
                    uses: octo/hello@v1
                    with:
                      who-to-greet: Gantry
                      extra: x
                  - uses: octo/tools/greet@\(Self.commit)
            """,
            actions: [
                "octo/hello@v1/action.yml": Self.javaScript,
                "octo/tools@\(Self.commit)/greet/action.yml":
                    "runs:\n  using: composite\n  steps:\n    - run: ${{ github.action_path }}/greet.sh\n      shell: bash\n",
            ])
        defer { try? FileManager.default.removeItem(at: root) }
        let definition = try result.get()
        let steps = try #require(definition.job("a")?.steps)
        let hello = steps[0]
        #expect(hello.id == "hello")
        #expect(hello.run == "exec node \"$GANTRY_ACTION_ENTRY\"")
        let env = Dictionary(hello.env.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        #expect(env["INPUT_WHO-TO-GREET"] == "Gantry")
        #expect(env["INPUT_TOKEN"] == "${{ github.token }}")
        #expect(env["INPUT_EXTRA"] == "x")
        #expect(env["GANTRY_ACTION_ENTRY"]?.hasSuffix("actions/octo/hello@v1/dist/index.js") == true)
        // A composite action of a vendored repository's subfolder, reading its own folder.
        #expect(steps[1].run?.contains("actions/octo/tools@\(Self.commit)/greet") == true)
        // The post script runs after every other step, when main ran.
        #expect(steps.count == 3)
        #expect(steps[2].name == "post octo/hello@v1")
        #expect(steps[2].condition == "${{ (always()) && steps.hello.outcome != 'skipped' }}")
        #expect(steps[2].env.first { $0.name == "GANTRY_ACTION_ENTRY" }?.value.hasSuffix("dist/post.js") == true)
        // A tag can be moved: said, not refused.
        let warnings = definition.warnings.map(\.message)
        #expect(warnings.contains { $0.contains("'octo/hello@v1' is not pinned to a full commit SHA") })
        #expect(!warnings.contains { $0.contains("octo/tools") })
        #expect(definition.unsupported.isEmpty)
    }

    @Test func whatCannotRunIsNamedWithWhereItWasLookedFor() throws {
        let (result, root) = try Self.parse(
            """
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - uses: octo/missing@v2
                  - uses: octo/docker@v1
                  - uses: octo/escape@v1
            """,
            actions: [
                "octo/docker@v1/action.yml": "runs:\n  using: docker\n  image: Dockerfile\n",
                "octo/escape@v1/action.yml": "runs:\n  using: node20\n  main: ../../../../../etc/passwd\n",
            ])
        defer { try? FileManager.default.removeItem(at: root) }
        switch result {
        case .success:
            Issue.record("an action whose main leaves its folder was accepted")
        case .failure(let error):
            #expect(
                error.diagnostics.contains {
                    $0.message.contains("runs '../../../../../etc/passwd', which is outside its folder")
                })
        }
        let (unsupported, other) = try Self.parse(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: octo/missing@v2\n      - uses: octo/docker@v1\n",
            actions: ["octo/docker@v1/action.yml": "runs:\n  using: docker\n  image: Dockerfile\n"])
        defer { try? FileManager.default.removeItem(at: other) }
        let messages = try unsupported.get().unsupported.map(\.message)
        #expect(messages.contains { $0.contains("'octo/missing@v2' is not vendored: no folder octo/missing@v2 in") })
        #expect(messages.contains { $0.contains("'octo/docker@v1' is a Docker action: it needs a container engine") })
    }

    @Test func actionsCacheBecomesTheJobsCacheForPathsInsideTheWorkspace() throws {
        let definition = try PipelineParser.parse(
            text: """
                on: push
                jobs:
                  a:
                    runs-on: ubuntu-latest
                    steps:
                      - uses: actions/cache@v4
                        with:
                          path: |
                            node_modules
                            ~/.npm
                            /tmp/x
                            **/target
                          key: npm-${{ hashFiles('package-lock.json') }}
                          restore-keys: |
                            npm-
                  b:
                    runs-on: ubuntu-latest
                    steps:
                      - uses: actions/cache@v4
                        with:
                          path: ~/.cargo
                          key: cargo
                """, file: ".github/workflows/ci.yml")
        let cache = try #require(definition.job("a")?.cache)
        #expect(cache.key == "npm-${{ hashFiles('package-lock.json') }}")
        #expect(cache.paths == ["node_modules"])
        #expect(cache.restoreKeys == ["npm-"])
        #expect(definition.job("a")?.steps.first?.run?.contains("cache-hit=") == true)
        #expect(cache.policy == .pullPush)
        // Nothing inside the workspace: no cache, the step is skipped as before.
        #expect(definition.job("b")?.cache == nil)
        #expect(definition.job("b")?.steps.first?.uses == "gantry/echo")
    }

    @Test func aVendoredReusableWorkflowIsInlinedAndNamedByItsReference() throws {
        let (result, root) = try Self.parse(
            """
            on: push
            jobs:
              shared:
                uses: octo/ci/.github/workflows/lint.yml@v3
                with:
                  strict: true
            """,
            actions: [
                "octo/ci@v3/.github/workflows/lint.yml":
                    "on:\n  workflow_call:\n    inputs:\n      strict: {type: boolean, default: false}\njobs:\n  lint:\n"
                    + "    runs-on: ubuntu-latest\n    steps:\n      - run: echo strict=${{ inputs.strict }}\n      - stesp: x\n"
            ])
        defer { try? FileManager.default.removeItem(at: root) }
        switch result {
        case .success: Issue.record("a step without run or uses was accepted")
        case .failure(let error):
            // Its own mistakes point at its own file, named by the reference.
            #expect(
                error.diagnostics.contains {
                    $0.description.hasPrefix("octo/ci/.github/workflows/lint.yml@v3:10:9: error: unknown key 'stesp'")
                }, "\(error.diagnostics)")
        }
        let (fixed, other) = try Self.parse(
            "on: push\njobs:\n  shared:\n    uses: octo/ci/.github/workflows/lint.yml@v3\n",
            actions: [
                "octo/ci@v3/.github/workflows/lint.yml":
                    "on: workflow_call\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo lint\n"
            ])
        defer { try? FileManager.default.removeItem(at: other) }
        let definition = try fixed.get()
        #expect(definition.jobs.map(\.id) == ["shared__lint", "shared"])
        #expect(definition.warnings.first?.message.contains("is not pinned to a full commit SHA") == true)
    }

    /// Composite actions using composite actions (40 steps each, 4 deep: 2.5 million steps) are
    /// bounded: said once, at the step that uses them, and the parse ends.
    @Test func nestedCompositeActionsCannotMultiplyStepsWithoutBound() throws {
        var files: [String: String] = [:]
        for (name, next) in [("a", "b"), ("b", "c"), ("c", "d"), ("d", "")] {
            let steps = (0..<40).map { index in
                next.isEmpty ? "    - run: echo \(index)\n      shell: bash" : "    - uses: ./.github/actions/\(next)"
            }
            files["repo/.github/actions/\(name)/action.yml"] =
                "runs:\n  using: composite\n  steps:\n" + steps.joined(separator: "\n") + "\n"
        }
        let workflow =
            "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/a\n"
        files["repo/.github/workflows/ci.yml"] = workflow
        let root = try repository(files)
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("repo/.github/workflows/ci.yml").path
        do {
            _ = try PipelineParser.parse(text: workflow, file: file)
            Issue.record("2.5 million steps were accepted")
        } catch {
            #expect(
                error.diagnostics.map(\.message) == [
                    "composite actions add more than 1000 steps to the workflow; use fewer or smaller actions"
                ])
        }
    }
}
