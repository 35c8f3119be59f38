import Foundation
import GantryCore
import StateModel

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends one event to one notifier over HTTP. A 2xx answer is delivery; anything else (or no answer
/// within 10 s) is a failure the outbox retries.
struct NotificationDelivery: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func send(_ event: OutboxEvent, to notifier: Notifier) async throws {
        var request = URLRequest(url: endpoint(event, notifier), timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("gantry", forHTTPHeaderField: "User-Agent")
        let body = Data(self.body(event, notifier).utf8)
        request.httpBody = body
        switch notifier.kind {
        case .webhook:
            request.setValue(event.id, forHTTPHeaderField: "X-Gantry-Event-ID")
            request.setValue(event.type, forHTTPHeaderField: "X-Gantry-Event")
            if let secret = notifier.secret {
                request.setValue(
                    WebhookSignature.sign(body: body, secret: secret), forHTTPHeaderField: "X-Gantry-Signature-256")
            }
        case .githubStatus:
            if let token = notifier.secret { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            request.setValue("application/vnd.github+json", forHTTPHeaderField: "Accept")
        case .slack:
            break
        }
        let response: URLResponse
        do {
            (_, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw Failure(description: "\(notifier.kind.rawValue): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw Failure(description: "\(notifier.kind.rawValue): HTTP \(status)")
        }
    }

    private func endpoint(_ event: OutboxEvent, _ notifier: Notifier) -> URL {
        guard notifier.kind == .githubStatus, let repository = notifier.repository, let commit = event.fields["commit"]
        else { return notifier.url }
        return notifier.url.appendingPathComponent("repos/\(repository)/statuses/\(commit)")
    }

    func body(_ event: OutboxEvent, _ notifier: Notifier) -> String {
        switch notifier.kind {
        case .slack:
            return "{\"text\":\(JSONText.quote(Self.sentence(event)))}"
        case .webhook:
            var out = JSONWriter()
            out.object { out in
                out.field("at", event.createdAt)
                out.field("fields", event.fields)
                out.field("id", event.id)
                out.field("subject", event.subject)
                out.field("type", event.type)
            }
            return String(decoding: out.bytes, as: UTF8.self)
        case .githubStatus:
            let state =
                switch event.fields["status"] {
                case "success": "success"
                case "failure": "failure"
                default: "error"
                }
            let context = "gantry/\(event.fields["pipeline"] ?? "pipeline")"
            return "{\"state\":\"\(state)\",\"context\":\(JSONText.quote(context)),"
                + "\"description\":\(JSONText.quote(Self.sentence(event)))}"
        }
    }

    /// The event for people, in one line.
    static func sentence(_ event: OutboxEvent) -> String {
        let f = event.fields
        let target = "\(f["app"] ?? "")@\(Digest.short(f["digest"] ?? "")) to \(f["environment"] ?? "")"
        switch event.type {
        case "run.finished":
            return "Run \(f["run"] ?? event.subject) of \(f["pipeline"] ?? "") \(f["status"] ?? "finished")"
                + (f["branch"].map { " on \($0)" } ?? "") + (f["commit"].map { " (\($0.prefix(12)))" } ?? "")
        case "approval.requested":
            return
                "Approval needed: promotion \(f["promotion"] ?? "") of \(target), requested by \(f["requested_by"] ?? "")"
        case "promotion.succeeded": return "Promoted \(target) (\(f["promotion"] ?? ""))"
        case "promotion.failed": return "Promotion of \(target) failed: \(f["detail"] ?? "")"
        case "promotion.rolled_back":
            return "Promotion of \(target) failed and was rolled back to \(Digest.short(f["restored"] ?? ""))"
        case "promotion.aborted":
            return "Rollout of \(target) aborted: \(f["detail"] ?? "")"
        case "rollback.succeeded":
            return "Rolled back \(f["app"] ?? "") in \(f["environment"] ?? "") to \(Digest.short(f["digest"] ?? ""))"
        default: return "\(event.type): \(event.subject)"
        }
    }
}
