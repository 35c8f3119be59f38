import ArgumentParser
import Foundation
import Release
import Store

/// `gantry cancel PROMOTION --reason TEXT`.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Withdraw a promotion that waits for approval (or close one whose process died).")

    @Argument(help: "The promotion id (p-…).")
    var promotion: String

    @Option(help: "Why.")
    var reason: String = "cancelled"

    @OptionGroup var options: ReleaseOptions

    @OptionGroup var remote: ServerOption

    func run() async throws {
        let record: PromotionRecord
        if let client = try remote.client() {
            let answer = try await client.post(
                "/api/v1/promotions/\(try RemotePath.segment(promotion))/cancel", ["reason": reason])
            record = try RemoteRecords.promotion(try RemoteObject(try answer.object(), "promotion"))
        } else {
            record = try await Promoter(context: try options.context(needsKeys: false)).cancel(
                promotionID: promotion, reason: reason)
        }
        if options.json {
            Terminal.printOut(Terminal.json(ReleaseJSON.promotion(record)))
        } else {
            print("promotion \(record.id): \(record.status.rawValue)")
        }
    }
}
