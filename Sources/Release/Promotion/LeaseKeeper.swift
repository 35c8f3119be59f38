import Foundation
import GantryCore
import StateModel

/// Renews an open promotion's lease while its process deploys, verifies or rolls it back, so that a
/// process on another host can tell a live promotion from one whose process died (its lease runs
/// out) without judging a pid it cannot see.
final class LeaseKeeper: Sendable {
    private let task: Task<Void, Never>

    /// Renews every third of `duration`; calls `lost` once if the lease was taken over or the promotion
    /// closed meanwhile (then renewing stops).
    init(
        state: any StateRepositories, promotionID: String, token: Int64, duration: Duration,
        lost: @escaping @Sendable () -> Void
    ) {
        task = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: duration / 3)
                if Task.isCancelled { return }
                let until = Date().addingTimeInterval(Double(duration.components.seconds))
                // A database that is busy for a moment is retried at the next beat.
                guard let renewed = try? await state.renewLease(promotionID, token: token, until: until) else {
                    continue
                }
                if !renewed {
                    lost()
                    return
                }
            }
        }
    }

    func stop() { task.cancel() }
}

extension Promoter {
    /// How long a promotion's lease lasts without renewal: `GANTRY_PROMOTION_LEASE` (e.g. `30s`), else
    /// 60 seconds; at least 1 second.
    var leaseDuration: Duration {
        guard let text = context.processEnvironment["GANTRY_PROMOTION_LEASE"], !text.isEmpty,
            let duration = try? DurationParser.parse(text)
        else { return .seconds(60) }
        return max(duration, .seconds(1))
    }

    /// When a lease granted now expires.
    var leaseExpiry: Date { Date().addingTimeInterval(Double(leaseDuration.components.seconds)) }
}
