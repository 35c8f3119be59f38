import Foundation
public import Pipeline
public import Store

/// One cell of `gantry status`: what an environment runs for an app, and what is on its way there.
public struct StatusRow: Sendable, Hashable {
    public var app: String
    public var environment: String
    /// What runs there now (nil when nothing was ever deployed).
    public var pointer: EnvironmentPointer?
    /// The promotion in progress or waiting for approvals, with the approvals it has.
    public var open: PromotionRecord?
    public var approvalsGiven: Int
    /// The tag to show for the digest that runs there: the same for every environment running that
    /// digest (a tag the artifact store has for it now, else one recorded by any of its promotions).
    public var tag: String?
}

/// Builds the app × environment table from the store, in the pipeline's environment order.
public enum ReleaseStatus {
    /// Rows for `app` (every environment, deployed or not), or for every app with a deployment or an
    /// open promotion. `tags` holds the artifact store's current tags by `APP@sha256:…`.
    public static func rows(
        state: StateStore, pipeline: PipelineDefinition?, app: String? = nil, tags: [String: [String]] = [:]
    ) throws -> [StatusRow] {
        let pointers = try state.pointers(app: app)
        let promotions = try state.promotions(app: app, limit: 10_000).filter { $0.status.isOpen }
        var apps = Set(pointers.map(\.app)).union(promotions.map(\.app))
        if let app { apps.insert(app) }
        var environments = pipeline?.environments.map(\.name) ?? []
        for name in pointers.map(\.environment) + promotions.map(\.environment) where !environments.contains(name) {
            environments.append(name)
        }
        var rows: [StatusRow] = []
        for name in apps.sorted() {
            for environment in environments {
                let pointer = pointers.first { $0.app == name && $0.environment == environment }
                let open = promotions.first { $0.app == name && $0.environment == environment }
                if app == nil, pointer == nil, open == nil { continue }
                let given = try open.map { try state.approvals(of: $0.id).count } ?? 0
                let tag = pointer.flatMap { pointer in
                    let current = tags["\(name)@\(pointer.digest)"] ?? []
                    return current.first { $0 != "latest" } ?? current.first
                        ?? pointers.first { $0.app == name && $0.digest == pointer.digest && $0.tag != nil }?.tag
                }
                rows.append(
                    StatusRow(
                        app: name, environment: environment, pointer: pointer, open: open, approvalsGiven: given,
                        tag: tag))
            }
        }
        return rows
    }
}
