import Foundation
public import StateModel

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

    public init(
        app: String, environment: String, pointer: EnvironmentPointer?, open: PromotionRecord?, approvalsGiven: Int,
        tag: String?
    ) {
        self.app = app
        self.environment = environment
        self.pointer = pointer
        self.open = open
        self.approvalsGiven = approvalsGiven
        self.tag = tag
    }
}

/// Builds the app × environment table from the store, in the pipeline's environment order: the same
/// rows for `gantry status`, the server's `/api/v1/environments` and its board.
public enum ReleaseStatus {
    /// Rows for `app` (every environment, deployed or not), or for every app with a deployment or an
    /// open promotion, environments in `order` first (the pipeline's); with
    /// `everyEnvironment`, each app (and each of `apps`, packed but maybe never deployed) has a row for
    /// every environment (the board's promote targets).
    public static func rows(
        state: any StateRepositories, environments order: [String] = [], app: String? = nil,
        tags: [String: [String]] = [:], everyEnvironment: Bool = false, apps known: Set<String> = []
    ) async throws -> [StatusRow] {
        let open = try await state.openPromotions(app: app)
        var approvals: [String: Int] = [:]
        for promotion in open { approvals[promotion.id] = try await state.approvals(of: promotion.id).count }
        return assemble(
            pointers: try await state.pointers(app: app), open: open, approvals: approvals, environments: order,
            app: app, tags: tags, everyEnvironment: everyEnvironment, apps: known)
    }

    /// Joins pointers and open promotions into rows: apps sorted, environments in `order` and then as
    /// first seen. `approvals` counts the approvals each open promotion has, by promotion id.
    static func assemble(
        pointers: [EnvironmentPointer], open promotions: [PromotionRecord], approvals: [String: Int],
        environments order: [String], app: String?, tags: [String: [String]], everyEnvironment: Bool = false,
        apps known: Set<String> = []
    ) -> [StatusRow] {
        var apps = Set(pointers.map(\.app)).union(promotions.map(\.app))
        if app == nil, everyEnvironment { apps.formUnion(known) }
        if let app { apps.insert(app) }
        var environments = order
        for name in pointers.map(\.environment) + promotions.map(\.environment) where !environments.contains(name) {
            environments.append(name)
        }
        var rows: [StatusRow] = []
        for name in apps.sorted() {
            for environment in environments {
                let pointer = pointers.first { $0.app == name && $0.environment == environment }
                let open = promotions.first { $0.app == name && $0.environment == environment }
                if app == nil, !everyEnvironment, pointer == nil, open == nil { continue }
                let tag = pointer.flatMap { pointer in
                    let current = tags["\(name)@\(pointer.digest)"] ?? []
                    return current.first { $0 != "latest" } ?? current.first
                        ?? pointers.first { $0.app == name && $0.digest == pointer.digest && $0.tag != nil }?.tag
                }
                rows.append(
                    StatusRow(
                        app: name, environment: environment, pointer: pointer, open: open,
                        approvalsGiven: open.flatMap { approvals[$0.id] } ?? 0, tag: tag))
            }
        }
        return rows
    }
}
