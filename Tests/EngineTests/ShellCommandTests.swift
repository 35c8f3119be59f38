import Foundation
import Testing

@testable import Engine

@Suite struct ShellCommandTests {
    let path = "/usr/local/bin:/usr/bin:/bin"

    @Test func plainCommandsRunWithoutAShell() throws {
        let words = try #require(ShellCommand.simpleCommand("true", path: path))
        #expect(words.count == 1)
        #expect(words[0].hasSuffix("/true"))
        #expect(ShellCommand.simpleCommand("  ls -la /tmp  ", path: path)?.dropFirst() == ["-la", "/tmp"])
        #expect(ShellCommand.simpleCommand("\n\ttrue\n", path: path)?.count == 1)
    }

    /// Only what bash splits words on is trimmed: a carriage return or a no-break space at an end is
    /// part of the word for bash, so such a script goes to bash (which says "command not found").
    @Test(arguments: ["true\r", "true\u{00A0}", "\u{2003}true", "   ", "\n\t"])
    func onlyBashWordSeparatorsAreTrimmed(script: String) {
        #expect(ShellCommand.simpleCommand(script, path: path) == nil)
    }

    @Test(arguments: [
        "exit 3", "cd /tmp", "echo $HOME", "echo 'quoted'", "ls *.swift", "true && false", "true; false",
        "echo hi > file", "FOO=1 env", "export A=1", "no-such-program-xyz", "true\nfalse", "a | b", "",
    ])
    func anythingAShellMustInterpretGoesToBash(script: String) {
        #expect(ShellCommand.simpleCommand(script, path: path) == nil, "\(script)")
    }

    @Test func behavesLikeBashForExitCodesAndMissingPrograms() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              missing:
                steps: [{ run: no-such-program-xyz }]
              exits:
                steps: [{ run: "exit 3" }]
              plain:
                steps: [{ run: "false" }]
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.job("missing")?.reason == "step 'no-such-program-xyz' exited with status 127")
        #expect(try harness.lines(result, job: "missing").first?.contains("command not found") == true)
        #expect(result.job("exits")?.reason == "step 'exit 3' exited with status 3")
        #expect(result.job("plain")?.reason == "step 'false' exited with status 1")
    }

    @Test func otherShells() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              shells:
                steps:
                  - shell: sh
                    run: echo "sh $((1 + 1))"
                  - shell: python3
                    run: print("python", 6 * 7)
                  - shell: "bash -x {0}"
                    run: echo traced
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.status == .success)
        let lines = try harness.lines(result, job: "shells")
        #expect(lines.contains("sh 2"))
        #expect(lines.contains("python 42"))
        #expect(lines.contains("+ echo traced"))
        #expect(lines.contains("traced"))
    }
}
