import Testing

@testable import Processes

@Suite struct CStringArrayTests {
    /// Reads a NULL-terminated C array back into Swift strings.
    private static func strings(_ array: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> [String] {
        var result: [String] = []
        var index = 0
        while let pointer = array[index] {
            result.append(String(cString: pointer))
            index += 1
        }
        return result
    }

    @Test func argumentsKeepTheirOrderAndBytes() {
        let arguments = ["/usr/bin/env", "", "two words", "ünïcödé", "a=b"]
        #expect(CStringArray.with(arguments) { Self.strings($0) } == arguments)
        #expect(CStringArray.with([]) { Self.strings($0) }.isEmpty)
    }

    @Test func environmentGetsTheExtraVariableInPlaceOfOneOfTheSameName() {
        let environment = ["PATH": "/usr/bin:/bin", "EMPTY": "", "MARK": "old", "EQ": "a=b=c"]
        let entries = CStringArray.withEnvironment(environment, adding: ("MARK", "new")) { Self.strings($0) }
        #expect(entries.sorted() == ["EMPTY=", "EQ=a=b=c", "MARK=new", "PATH=/usr/bin:/bin"])
        let added = CStringArray.withEnvironment([:], adding: ("ONLY", "1")) { Self.strings($0) }
        #expect(added == ["ONLY=1"])
    }
}
