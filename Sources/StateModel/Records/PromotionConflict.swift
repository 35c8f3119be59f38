import GantryCore

/// Another promotion holds the app × environment lock.
public struct PromotionConflict: Error, CustomStringConvertible, GantryError {
    /// The promotion in progress.
    public var existing: PromotionRecord

    public var description: String {
        let who = existing.requestedBy
        let what = existing.kind == .rollback ? "rollback" : "promotion"
        return
            "\(what) \(existing.id) of \(existing.app)@\(existing.digest.description.prefix(19))… to \(existing.environment) is in progress (\(existing.status.rawValue), started by \(who) at \(Timestamp.iso8601(existing.requestedAt))); wait for it, or cancel it with 'gantry cancel \(existing.id)'"
    }

    public var exitStatus: ExitStatus { .failure }

    public init(existing: PromotionRecord) {
        self.existing = existing
    }
}
