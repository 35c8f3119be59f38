import ArgumentParser
import Foundation
import GantryCore
import Store

extension AuditCommand {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the hash chain; exit 1 if any row was edited, deleted or reordered.",
            discussion: "Prints the head hash: keep it elsewhere to detect a truncated log later.")

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let result = try StateLocation.openExistingState().verifyAudit()
            if json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "intact": result.isIntact, "entries": result.count, "head": result.headHash,
                            "problems": result.problems,
                        ]
                            as [String: Any]))
            } else {
                for problem in result.problems { print("✗ \(problem)") }
                print(
                    result.isIntact
                        ? "audit log intact: \(result.count) entries, head \(result.headHash)"
                        : "audit log TAMPERED: \(result.problems.count) problem(s) in \(result.count) entries")
            }
            if !result.isIntact { throw CommandExit(status: .failure) }
        }
    }
}
