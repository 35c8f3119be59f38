import Foundation

/// Where notifications go (`notifications:` in the server configuration).
public struct Notifier: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A Slack-compatible incoming webhook: `{"text": …}` (Mattermost and Rocket.Chat take it too).
        case slack
        /// Gantry's JSON event, signed with `X-Gantry-Signature-256` when a secret is set.
        case webhook
        /// GitHub commit statuses for finished runs (`POST /repos/OWNER/REPO/statuses/SHA`).
        case githubStatus = "github-status"
    }

    public var kind: Kind
    /// The endpoint (for GitHub: the API base, `https://api.github.com`).
    public var url: URL
    /// Event types delivered; nil: the kind's default (Slack: all but successful runs; others: all).
    public var events: Set<String>?
    /// HMAC secret (webhook) or token (github-status).
    public var secret: String?
    /// `OWNER/REPO` (github-status).
    public var repository: String?

    public init(
        kind: Kind, url: URL, events: Set<String>? = nil, secret: String? = nil, repository: String? = nil
    ) {
        self.kind = kind
        self.url = url
        self.events = events
        self.secret = secret
        self.repository = repository
    }

    /// Whether this notifier is told about `event`.
    func wants(type: String, fields: [String: String]) -> Bool {
        if let events { return events.contains(type) }
        switch kind {
        case .slack: return !(type == "run.finished" && fields["status"] == "success")
        case .webhook: return true
        case .githubStatus: return type == "run.finished" && fields["commit"] != nil
        }
    }
}
