import Foundation
import Testing

@testable import Server

@Suite struct LiveLogsTests {
    @Test func aViewerGetsLinesInOrderResumesAfterTheLastItShowedAndSeesTheEnd() async throws {
        let live = LiveLogs()
        live.publish(runID: "r", job: "build", stream: "stdout", lines: ["one", "two"])
        let first = await live.lines(runID: "r", after: 0, timeout: .seconds(1))
        #expect(first.lines.map(\.text) == ["one", "two"])
        #expect(first.lines.map(\.number) == [1, 2])
        #expect(!first.ended)
        // A waiting viewer is woken by the next line.
        async let next = live.lines(runID: "r", after: 2, timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(50))
        live.publish(runID: "r", job: "build", stream: "stderr", lines: ["three"])
        #expect(await next.lines.map(\.text) == ["three"])
        // A viewer that reconnects after line 1 gets 2 and 3 again, not 1.
        #expect(await live.lines(runID: "r", after: 1, timeout: .seconds(1)).lines.map(\.number) == [2, 3])
        live.finish(runID: "r")
        let end = await live.lines(runID: "r", after: 3, timeout: .seconds(1))
        #expect(end.lines.isEmpty && end.ended)
        // An unknown run ends at once.
        #expect(await live.lines(runID: "nope", after: 0, timeout: .seconds(5)).ended)
    }

    @Test func terminalColoursBecomeSpansAndMarkupIsEscaped() {
        #expect(
            ANSIHTML.render("\u{1B}[1;31mfailed\u{1B}[0m <b>&") == "<span class=\"b c31\">failed</span> &lt;b&gt;&amp;")
        #expect(ANSIHTML.render("\u{1B}[2Kplain\u{1B}[32m green") == "plain<span class=\"c32\"> green</span>")
        #expect(ANSIHTML.render("<script>") == "&lt;script&gt;")
    }
}
