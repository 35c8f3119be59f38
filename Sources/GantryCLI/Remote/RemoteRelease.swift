import Foundation
import GantryCore
import Release
import Store

/// Promote, approve, roll back and cancel through a server: the server answers once the gates have
/// passed (or refused), and the command follows the promotion until its deployment ends or it waits
/// for approvals, then prints what the local command prints.
struct RemoteRelease {
    let client: ServerClient

    /// POSTs `body` to `path` and follows the promotion it answers with.
    func start(_ path: String, _ body: [String: Any]) async throws -> PromotionRecord {
        let object = try RemoteObject(try await client.post(path, body).object(), "promotion")
        return try await follow(try object.string("id"))
    }

    /// Polls the promotion until it is no longer deploying, verifying or rolling back.
    func follow(_ id: String) async throws -> PromotionRecord {
        let path = "/api/v1/promotions/\(try RemotePath.segment(id))"
        var delay = Duration.milliseconds(100)
        var unrecorded = 0
        while true {
            let answer: ServerClient.Answer
            do {
                answer = try await client.get(path)
            } catch let error as ServerAnswerError where error.status == 404 && unrecorded < 120 {
                // The server answered "starting": the gates are still being checked.
                unrecorded += 1
                try await Task.sleep(for: .seconds(1))
                continue
            }
            let record = try RemoteRecords.promotion(try RemoteObject(try answer.object(), "promotion"))
            if ![.deploying, .verifying, .rollingBack].contains(record.status) { return record }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }

    /// Prints the outcome as `gantry promote` does; a failed or rolled-back deployment exits 1.
    static func report(_ record: PromotionRecord, options: ReleaseOptions) throws {
        options.report(Promoter.Outcome(promotion: record, checks: []))
        if [.failed, .rolledBack, .aborted, .abandoned].contains(record.status) { throw CommandExit(status: .failure) }
    }
}
