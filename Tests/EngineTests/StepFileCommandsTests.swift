import Testing

@testable import Engine

@Suite struct StepFileCommandsTests {
    @Test func parsesPairsAndHeredocs() throws {
        let text = "version=1.2.3\nnotes<<EOF\nline one\nline=two\nEOF\nempty=\n\nurl=https://x?a=b\r\n"
        let values = try StepFileCommands.parse(text, label: "out")
        #expect(values.map(\.0) == ["version", "notes", "empty", "url"])
        #expect(values[1].1 == "line one\nline=two")
        #expect(values[2].1 == "")
        #expect(values[3].1 == "https://x?a=b")
    }

    @Test func reportsMalformedLinesWithTheirNumber() {
        #expect(throws: StepFileCommands.Failure.self) { try StepFileCommands.parse("ok=1\njust text\n", label: "out") }
        do {
            _ = try StepFileCommands.parse("a<<END\nnever closed\n", label: "out")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("never closed"))
        }
        #expect(throws: StepFileCommands.Failure.self) { try StepFileCommands.parse("1bad=x\n", label: "out") }
    }
}
