import Foundation
import Testing

@testable import Pipeline

/// `run:` scripts get placeholder values as variables, never as code (the script-injection class).
@Suite struct ShellTemplateTests {
    /// A value that runs commands when pasted into a script in any quoting context.
    static let hostile = #"a'"; touch PWNED; echo "$(touch PWNED2)`touch PWNED3`'$HOME\"#

    static let context = ExpressionContext(roots: [
        "needs": .object(["build": .object(["outputs": .object(["v": .string(hostile)])])])
    ])

    /// Runs `script` after rendering, in a fresh directory; returns stdout and whether anything was created.
    func run(_ script: String) throws -> (output: String, pwned: Bool) {
        let (rendered, environment) = try ShellTemplate.render(script, in: Self.context)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", rendered]
        process.currentDirectoryURL = directory
        process.environment = environment.merging(["PATH": "/usr/bin:/bin", "HOME": "/home/x"]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let created = (try FileManager.default.contentsOfDirectory(atPath: directory.path)).filter {
            $0.hasPrefix("PWNED")
        }
        return (String(decoding: data, as: UTF8.self), !created.isEmpty)
    }

    @Test(arguments: [
        #"printf '%s\n' "${{ needs.build.outputs.v }}""#,
        #"printf '%s\n' '${{ needs.build.outputs.v }}'"#,
        #"printf '%s\n' "prefix ${{ needs.build.outputs.v }} suffix" | sed 's/^prefix //; s/ suffix$//'"#,
        #"x="$(printf '%s' "${{ needs.build.outputs.v }}")"; printf '%s\n' "$x""#,
        "cat <<EOF\n${{ needs.build.outputs.v }}\nEOF",
        "cat <<-EOF\n\t${{ needs.build.outputs.v }}\n\tEOF",
    ])
    func hostileValuesArriveLiterallyAndRunNothing(script: String) throws {
        let (output, pwned) = try run(script)
        #expect(!pwned, "the value ran as code")
        #expect(output == Self.hostile + "\n", "\(output)")
    }

    @Test func unquotedValuesAreWordsNotCode() throws {
        let (output, pwned) = try run("printf '[%s]' ${{ needs.build.outputs.v }}")
        #expect(!pwned)
        #expect(output.contains("[touch]"))
    }

    @Test func quotedHeredocsRefuseWithTheSafeForm() {
        #expect(throws: ShellTemplate.Refusal.self) {
            _ = try ShellTemplate.render("cat <<'EOF'\n${{ needs.build.outputs.v }}\nEOF\n", in: Self.context)
        }
        // After the heredoc ends, placeholders work again.
        let ok = try? ShellTemplate.render(
            "cat <<'EOF'\nplain\nEOF\necho \"${{ needs.build.outputs.v }}\"", in: Self.context)
        #expect(ok?.script == "cat <<'EOF'\nplain\nEOF\necho \"${GANTRY_EXPR_1}\"")
    }

    @Test func rewritesByContext() throws {
        let cases: [(String, String)] = [
            ("echo ${{ needs.build.outputs.v }}", "echo ${GANTRY_EXPR_1}"),
            ("echo '${{ needs.build.outputs.v }}'", "echo ''\"${GANTRY_EXPR_1}\"''"),
            ("echo $'a${{ needs.build.outputs.v }}'", "echo $'a'\"${GANTRY_EXPR_1}\"$''"),
            ("echo hi # ${{ needs.build.outputs.v }}", "echo hi # ${{ needs.build.outputs.v }}"),
            ("echo a#${{ needs.build.outputs.v }}", "echo a#${GANTRY_EXPR_1}"),
            ("cat <<<'${{ needs.build.outputs.v }}'", "cat <<<''\"${GANTRY_EXPR_1}\"''"),
        ]
        for (script, expected) in cases {
            #expect(try ShellTemplate.render(script, in: Self.context).script == expected)
        }
    }
}
