import Foundation
import StateModel

/// The state of one rollout that `gantry rollout` acts on: the step it is at, kept in the state for
/// `gantry rollout status`, and a manual pause (`gantry rollout pause` until `resume`). Used by the
/// one task that runs the rollout.
final class RolloutControl {
    private let state: any StateRepositories
    private let app: String
    private let environment: String
    private var current: RolloutProgress
    private var pausedAt: ContinuousClock.Instant?

    init(state: any StateRepositories, app: String, environment: String, promotionID: String) {
        self.state = state
        self.app = app
        self.environment = environment
        current = RolloutProgress(promotionID: promotionID, step: 0, steps: 0, phase: "starting")
    }

    var isPaused: Bool { pausedAt != nil }

    /// Records that the rollout is at `step` of `steps`, doing `phase`.
    func progress(step: Int, of steps: Int, _ phase: String) async {
        current.step = step
        current.steps = steps
        current.phase = phase
        await save()
    }

    /// Pauses; false when it already was.
    func pause(by actor: String) async -> Bool {
        guard pausedAt == nil else { return false }
        pausedAt = .now
        current.pausedBy = actor
        await save()
        return true
    }

    /// Ends a manual pause; how long it lasted, or nil when the rollout was not paused.
    func resume() async -> Duration? {
        guard let since = pausedAt else { return nil }
        pausedAt = nil
        current.pausedBy = nil
        await save()
        return .now - since
    }

    /// A failed write loses a line of `gantry rollout status`, never the rollout.
    private func save() async {
        current.at = Date()
        try? await state.recordRolloutProgress(app: app, environment: environment, current)
    }
}
