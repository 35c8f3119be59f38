import Foundation
import GantryCore
import HTTPTypes
import Hummingbird
import Logging
import Processes
import Release
import StateModel
import Synchronization

/// Promotions, approvals and rollbacks the server is carrying out. A deployment and its health check
/// can take minutes, longer than a request should: each runs as a task the server owns (stopped with
/// it: `drain` waits for them within the grace period, then cancels their deploy commands), and the
/// request answers as soon as the promotion is recorded (202) or has ended (200), or with the error
/// that stopped it before anything was recorded (a refused gate, a conflict).
final class ReleaseTasks: Sendable {
    private struct Running {
        var task: Task<Void, Never>
        var cancellation: CancellationFlag
    }

    /// By operation (several operations can act on one promotion: its request, then approvals).
    private let running = Mutex<[String: Running]>([:])
    /// How each finished operation ended, by operation, kept for the request waiting on it (bounded:
    /// a request that answered early leaves its entry to be dropped with the rest).
    private let outcomes = Mutex<[String: Result<PromotionRecord?, APIError>]>([:])

    /// Starts `operation` for promotion `id` in `workspace` (closed when it ends), then answers.
    /// `existing` is the promotion's status before (an approval acts on a recorded promotion): the
    /// answer waits for a change from it.
    func start(
        id: String, existing: PromotionStatus? = nil, workspace: ReleaseWorkspace.Opened,
        state: any StateRepositories, logger: Logger,
        operation: @escaping @Sendable (Promoter) async throws -> Promoter.Outcome
    ) async throws -> Response {
        let promoter = Promoter(context: workspace.context)
        let operationID = UUID().uuidString
        let task = Task.detached { [self] in
            let outcome: Result<PromotionRecord?, APIError>
            do {
                outcome = .success(try await operation(promoter).promotion)
            } catch {
                // A failed deployment is recorded (failed or rolled_back): the record is the answer.
                let recorded = try? await state.promotion(id: id)
                if let recorded, Self.isOutcomeRecorded(error) {
                    outcome = .success(recorded)
                } else {
                    outcome = .failure(Self.apiError(error, logger: logger))
                }
            }
            // The answer first; the worktree is removed after (shutdown's drain waits for that too).
            outcomes.withLock { outcomes in
                if outcomes.count > 1000 { outcomes.removeAll() }
                outcomes[operationID] = outcome
            }
            await workspace.close()
            _ = running.withLock { $0.removeValue(forKey: operationID) }
        }
        running.withLock { $0[operationID] = Running(task: task, cancellation: workspace.context.cancellation) }
        return try await answer(id: id, operation: operationID, existing: existing, state: state)
    }

    /// Waits until the operation ended or moved its promotion on: 200 when it has ended, 202 while it
    /// is open (deploying, verifying, awaiting approval). The gates and approval checks come first and
    /// are what a refusal comes from, so the wait is bounded by them, not by the deployment; after a
    /// minute the answer is 202 "starting" and the promotion is followed at /api/v1/promotions/{id}.
    private func answer(id: String, operation: String, existing: PromotionStatus?, state: any StateRepositories)
        async throws -> Response
    {
        for _ in 0..<3000 {
            if let outcome = outcomes.withLock({ $0.removeValue(forKey: operation) }) {
                switch outcome {
                case .success(let record?):
                    return JSONResponse.encode(PromotionSummary(record), status: record.status.isOpen ? .accepted : .ok)
                case .success(nil): return JSONResponse.encode(["id": id, "status": "unknown"])
                case .failure(let error): throw error
                }
            }
            if let record = try await state.promotion(id: id), record.status.isOpen, record.status != existing {
                return JSONResponse.encode(PromotionSummary(record), status: .accepted)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return JSONResponse.encode(["id": id, "status": "starting"], status: .accepted)
    }

    /// Waits for every operation under way, cancelling (stopping their deploy commands) those still
    /// going after `grace`.
    func drain(grace: Duration) async {
        let tasks = running.withLock { $0 }
        guard !tasks.isEmpty else { return }
        let deadline = Task.detached {
            try? await Task.sleep(for: grace)
            for entry in tasks.values { entry.cancellation.cancel() }
        }
        for entry in tasks.values { await entry.task.value }
        deadline.cancel()
    }

    /// Errors after which the promotion record tells what happened.
    private static func isOutcomeRecorded(_ error: any Error) -> Bool {
        switch error as? ReleaseError {
        case .deploymentFailed?, .cancelled?: true
        default: false
        }
    }

    /// What the API answers for an error that stopped a release operation.
    static func apiError(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as PromotionConflict: return APIError.conflict(error.description)
        case let error as ReleaseError:
            switch error {
            case .input(let message): return APIError.invalid(message)
            case .checkFailed: return APIError(.unprocessableContent, "check_failed", error.description)
            case .approvalRefused: return APIError(.forbidden, "approval_refused", error.description)
            case .deploymentFailed, .cancelled: return APIError(.conflict, "deployment_failed", error.description)
            }
        case let error as any GantryError where error.exitStatus == .inputError:
            return APIError.invalid(error.description)
        default:
            logger.error("release operation failed", metadata: ["error": "\(error)"])
            return APIError(.internalServerError, "internal", "the release operation failed; the server's log says why")
        }
    }
}
