import Foundation
import GantryCore
import GantryTestSupport
import Testing

@testable import Engine

/// Values from outputs reach `run:` scripts as variables: a hostile output cannot run code.
@Suite struct ScriptInjectionTests {
    /// Before: the output was pasted into the second job's script and `touch PWNED` ran.
    @Test func aHostileOutputIsDataInTheNextJob() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              a:
                outputs: { title: "${{ steps.t.outputs.title }}" }
                steps:
                  - id: t
                    run: |
                      printf '%s\\n' 'title=x"; touch PWNED; echo "$(touch PWNED2)' >> "$GANTRY_OUTPUT"
              b:
                needs: a
                steps:
                  - run: printf '%s\\n' "${{ needs.a.outputs.title }}" > seen.txt
            """)
        defer { harness.directory.remove() }
        let result = try await harness.run()
        #expect(result.status == .success)
        #expect(!FileManager.default.fileExists(atPath: harness.directory.url.appendingPathComponent("PWNED").path))
        #expect(!FileManager.default.fileExists(atPath: harness.directory.url.appendingPathComponent("PWNED2").path))
        #expect(try harness.directory.read("seen.txt") == "x\"; touch PWNED; echo \"$(touch PWNED2)\n")
    }

    @Test func otherInterpretersRefusePlaceholdersWithTheSafeForm() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              a:
                matrix: { v: [one] }
                steps:
                  - shell: python3
                    run: print("${{ matrix.v }}")
            """)
        defer { harness.directory.remove() }
        do {
            _ = try await harness.run()
            Issue.record("expected the pipeline to be refused")
        } catch let error as DiagnosticsError {
            let message = error.diagnostics.map(\.description).joined()
            #expect(message.contains("gantry.yml:6:14: error: job 'a' step 1: '${{ matrix.v }}' would be pasted"))
            #expect(message.contains("pass the value through env:"))
        }
    }
}
