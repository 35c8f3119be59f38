import Foundation
import GantryTestSupport
import Testing

/// Escape sequences from step output, file names and scanned content never reach the terminal raw.
@Suite struct TerminalSafetyCLITests {
    static let escape = "\u{1B}"

    /// Before: a step could set the window title, clear the screen or rewrite earlier lines.
    @Test func stepOutputIsNeutralisedOnTheTerminalButKeptInTheLog() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml", "jobs:\n  a:\n    steps:\n      - run: printf '\\033]0;owned\\007\\033[2Jok\\rFAKE\\n'\n")
        let result = try GantryBinary.run(["run"], in: directory.url)
        #expect(result.status == 0)
        #expect(!result.stdout.contains(Self.escape) && !result.stdout.contains("\r"))
        #expect(result.stdout.contains("^[]0;owned^G^[[2Jok^MFAKE"), "\(result.stdout)")
        let logs = try GantryBinary.run(["logs", "latest", "--json"], in: directory.url)
        #expect(logs.stdout.contains("\\u001b]0;owned\\u0007"), "the log keeps the bytes")
        let text = try GantryBinary.run(["logs", "latest"], in: directory.url)
        #expect(!text.stdout.contains(Self.escape))
    }

    @Test func fileNamesAndFindingsAreNeutralised() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let token = "gh" + "p_" + "Q8wK3mZx7Lp2Nv5Rt9Bc4Hd6Fg1Js0Ya3Ue8"
        try directory.write("tree/evil\(Self.escape)[2Jname.txt", "token = \"\(token)\"\n")
        let result = try GantryBinary.run(["scan", "secrets", "tree"], in: directory.url)
        #expect(result.status == 1)
        #expect(!result.stdout.contains(Self.escape) && !result.stderr.contains(Self.escape))
        #expect(result.stdout.contains("evil^[[2Jname.txt"), "\(result.stdout)")
    }
}

/// In CI, a long silent step prints a heartbeat, so it does not look hung.
@Suite struct HeartbeatCLITests {
    @Test func aSilentStepGetsStillRunningLines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("gantry.yml", "jobs:\n  slow:\n    steps: [{ run: sleep 3 }]\n")
        let beating = try GantryBinary.run(["run"], in: directory.url, environment: ["GANTRY_HEARTBEAT": "1s"])
        #expect(beating.status == 0)
        #expect(beating.stdout.contains("[slow] … still running ("), "\(beating.stdout)")
        let quiet = try GantryBinary.run(["run"], in: directory.url, environment: ["GANTRY_HEARTBEAT": "off"])
        #expect(!quiet.stdout.contains("still running"))
    }
}
