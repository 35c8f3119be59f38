import GantryCore
import Testing

@testable import Pipeline

/// A pipeline file can arrive in a pull request: memory and time spent on it are bounded, and each
/// refusal names the line.
@Suite struct UntrustedInputLimitTests {
    /// "A billion laughs": nine levels of nine aliases. Before the bound, walking `env:` took 11–15 GB.
    static func aliasBomb(under section: String) -> String {
        var lines = ["x: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]"]
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("x\(level): &a\(level) [\(refs)]")
        }
        let bomb = lines.joined(separator: "\n")
        return "anchors:\n" + bomb.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n" + section
    }

    @Test(
        arguments: [
            "env:\n  BOOM: *a9\njobs:\n  a:\n    steps: [{ run: echo }]\n",
            "jobs:\n  a:\n    matrix:\n      include: *a9\n    steps: [{ run: echo }]\n",
            "artifacts: *a9\njobs:\n  a:\n    steps: [{ run: echo }]\n",
        ])
    func aliasBombsAreRefusedWithTheLine(section: String) {
        let result = diagnostics(Self.aliasBomb(under: section))
        #expect(result.count == 1)
        // The anchors are on lines 2–11; the refusal points into them (where the aliases multiply).
        let first = result.first ?? ""
        #expect(first.contains("expands to more than \(BoundedYAML.maximumNodes) nodes through its aliases"))
        let line = Int(first.split(separator: ":")[1]) ?? 0
        #expect((2...11).contains(line), "\(first)")
    }

    @Test func ordinaryAnchorsStillWork() throws {
        let text = """
            jobs:
              a:
                env: &env
                  A: "1"
                steps: [{ run: echo }]
              b:
                env: *env
                steps: [{ run: echo }]
            """
        let definition = try parse(text).get()
        #expect(definition.job("b")?.env.map(\.value) == ["1"])
    }

    /// 12 axes × 10 values took 21 GB before the cap.
    @Test func hugeMatricesAreRefusedBeforeExpansion() {
        let axes = (1...12).map { "      a\($0): [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]" }.joined(separator: "\n")
        let result = diagnostics("jobs:\n  a:\n    matrix:\n\(axes)\n    steps: [{ run: echo }]\n")
        #expect(result.count == 1)
        #expect(result.first?.hasPrefix("gantry.yml:4:7: error: job 'a' matrix has more than 256 combinations") == true)
        #expect(result.first?.contains("a1 (10) × a2 (10)") == true)
    }

    @Test func matricesAreCappedAt256JobsAfterExclude() {
        // 17 × 16 = 272 combinations; excluding 16 of them brings it to the limit.
        let values = (1...17).map(String.init).joined(separator: ", ")
        let columns = (1...16).map(String.init).joined(separator: ", ")
        let over = "jobs:\n  a:\n    matrix:\n      x: [\(values)]\n      y: [\(columns)]\n    steps: [{ run: echo }]\n"
        #expect(diagnostics(over).first?.contains("matrix has 272 combinations; the limit is 256") == true)
        let excluded = over.replacingOccurrences(of: "    steps:", with: "      exclude: [{ x: 17 }]\n    steps:")
        #expect(diagnostics(excluded) == [])
    }

    /// `timeout: 9999999999999999999s` crashed with SIGILL converting a Double to Int64.
    @Test func hugeDurationsAreDiagnostics() {
        let result = diagnostics("jobs:\n  a:\n    timeout: 9999999999999999999s\n    steps: [{ run: echo }]\n")
        #expect(result.count == 1)
        #expect(result.first?.hasPrefix("gantry.yml:3:14: error:") == true)
        #expect(result.first?.contains("longer than the maximum of 3650d") == true)
    }
}
