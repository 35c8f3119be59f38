import GantryCore
import Testing

@Suite struct DurationParserTests {
    @Test(
        arguments: [
            ("90s", 90_000), ("5m", 300_000), ("1h30m", 5_400_000), ("250ms", 250), ("2", 2000), ("1.5s", 1500),
            ("1d", 86_400_000), (" 10s ", 10_000),
        ] as [(String, Int64)])
    func parsesValidDurations(input: String, milliseconds: Int64) throws {
        #expect(try DurationParser.parse(input).milliseconds == milliseconds)
    }

    @Test(arguments: ["", "abc", "10x", "5m3", "0s", "0", "-5s", "m", "1.2.3s"])
    func rejectsInvalidDurations(input: String) {
        #expect(throws: DurationParser.Failure.self) { try DurationParser.parse(input) }
    }

    /// Durations from hostile files and flags used to trap converting a huge Double to Int64 (SIGILL).
    @Test(
        arguments: [
            "9999999999999999999s", "99999999999999d", "99999999999999999999999999", "1e308s",
            "999999999999999999999999999999999999999999999999999999999999999999999999h", "3651d", "5000d1s",
        ])
    func rejectsDurationsPastTheMaximum(input: String) {
        #expect(throws: DurationParser.Failure.self) { try DurationParser.parse(input) }
    }

    @Test func acceptsTheMaximum() throws {
        #expect(try DurationParser.parse("3650d") == DurationParser.maximum)
        #expect(try DurationParser.parse("315360000") == DurationParser.maximum)
    }

    @Test func errorNamesInputAndExample() {
        do {
            _ = try DurationParser.parse("10x")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("'10x'"))
            #expect(error.description.contains("unknown unit 'x'"))
        }
    }

    @Test func humanShortForms() {
        #expect(Duration.milliseconds(850).humanShort == "850ms")
        #expect(Duration.milliseconds(12_300).humanShort == "12.3s")
        #expect(Duration.seconds(245).humanShort == "4m05s")
        #expect(Duration.seconds(3720).humanShort == "1h02m")
    }
}
