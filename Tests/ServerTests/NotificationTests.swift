import Foundation
import GantryCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Server
import Store
import Synchronization
import Testing

/// The outbox: written with the change it reports, delivered at least once with its event id,
/// retried, and dead after the last attempt.
@Suite struct NotificationTests {
    /// Bodies a receiver was sent, with their headers.
    final class Received: Sendable {
        let bodies = Mutex<[(headers: HTTPFields, body: String)]>([])
    }

    static func receiver(_ received: Received, failFirst: Int = 0) -> some ApplicationProtocol {
        let router = Router()
        let calls = Mutex(0)
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let call = calls.withLock { value -> Int in
                value += 1
                return value
            }
            if call <= failFirst { return Response(status: .serviceUnavailable) }
            received.bodies.withLock { $0.append((request.headers, String(buffer: body))) }
            return Response(status: .noContent)
        }
        return Application(router: router, logger: Logger(label: "receiver"))
    }

    @Test func aFailedRunIsToldToAWebhookOnceItAnswersAndAnUnreachableOneEndsDead() async throws {
        let received = Received()
        try await Self.receiver(received, failFirst: 1).test(.live) { receiver in
            let port = try #require(receiver.port)
            let fixture = try ServerFixture { configuration in
                configuration.notifiers = [
                    Notifier(
                        kind: .webhook, url: try! #require(URL(string: "http://127.0.0.1:\(port)/hook")),
                        secret: "notify-secret"),
                    Notifier(kind: .slack, url: try! #require(URL(string: "http://127.0.0.1:1/closed"))),
                ]
                configuration.notificationAttempts = 3
                configuration.notificationBackoff = 0.05
            }
            defer { fixture.remove() }
            let state = try fixture.state
            try state.beginRun(
                RunRecord(
                    id: "run-1", correlation: "c", pipelineName: "demo", pipelineFile: "gantry.yml",
                    pipelineDigest: "sha256:" + String(repeating: "a", count: 64), status: .running, startedAt: Date(),
                    commitSHA: fixture.commit, branch: "main", project: "web"))
            // The event exists as soon as the run's end is committed, before any server saw it.
            try state.finishRun(id: "run-1", status: .failure, finishedAt: Date(), durationMs: 5)
            let pending = try state.outboxEvents(state: .pending)
            #expect(pending.map(\.type) == ["run.finished"])
            let eventID = try #require(pending.first?.id)

            let application = try await fixture.server.application(host: "127.0.0.1", port: 0)
            try await application.test(.router) { client in
                // The Slack target never answers: after three attempts the event is dead.
                var dead: [OutboxEvent] = []
                for _ in 0..<200 where dead.isEmpty {
                    try await Task.sleep(for: .milliseconds(50))
                    dead = try state.outboxEvents(state: .dead)
                }
                #expect(dead.map(\.id) == [eventID])
                #expect(dead.first?.attempts == 3)
                #expect(dead.first?.lastError?.contains("slack") == true)
                let listed = try await client.execute(
                    uri: "/api/v1/notifications?state=dead", method: .get, headers: fixture.headers(.admin))
                #expect(String(buffer: listed.body).contains(eventID))
                try await client.execute(
                    uri: "/api/v1/notifications", method: .get, headers: fixture.headers(.releaser)
                ) { #expect($0.status == .forbidden) }
                try await client.execute(
                    uri: "/api/v1/notifications/\(eventID)/retry", method: .post, headers: fixture.headers(.admin)
                ) { #expect($0.status == .ok) }
                #expect(try state.outboxEvents(state: .pending).map(\.id) == [eventID])
            }
            // The webhook failed once, then got the event (again on every retry: at least once,
            // deduplicated by its id), signed.
            let bodies = received.bodies.withLock { $0 }
            #expect(bodies.count >= 1)
            let first = try #require(bodies.first)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [String: Any])
            #expect(json["id"] as? String == eventID)
            #expect(json["type"] as? String == "run.finished")
            #expect((json["fields"] as? [String: String])?["status"] == "failure")
            #expect(first.headers[HTTPField.Name("X-Gantry-Event-ID")!] == eventID)
            #expect(first.headers[HTTPField.Name("X-Gantry-Signature-256")!]?.hasPrefix("sha256=") == true)
            #expect(Set(bodies.compactMap { ($0.body.range(of: eventID) != nil) ? eventID : nil }) == [eventID])
        }
    }

    @Test func promotionsAndApprovalRequestsAreWrittenWithTheirChange() throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let state = try fixture.state
        let digest = Digest.sha256("b")
        let waiting = try state.openPromotion(
            PromotionRecord(
                id: "p-1", kind: .promote, app: "web", environment: "prod", digest: digest, status: .awaitingApproval,
                requestedBy: "alice"))
        #expect(waiting.status == .awaitingApproval)
        #expect(try state.transition("p-1", from: [.awaitingApproval], to: .deploying, detail: "approved"))
        try state.completePromotion("p-1", verified: true, detail: "healthy")
        let types = try state.outboxEvents(state: .pending).map(\.type)
        #expect(types == ["promotion.succeeded", "approval.requested"])
    }
}
