import Foundation
import StateModel

/// How a pipeline has fared over its recent runs: pass rate, durations and retries, per pipeline and
/// per job. Runs still running are left out of the rates; skipped jobs ran nothing and are left out
/// of a job's rate; a cached job (build avoidance) passed.
struct PipelineHealth: Equatable {
    struct Job: Equatable {
        var name: String
        /// Runs in which the job ran (not skipped).
        var runs: Int
        var passed: Int
        /// Runs in which it needed more than one attempt.
        var retried: Int
        var medianMs: Int64
        var p90Ms: Int64
        /// Its status in the newest run that has it.
        var last: JobStatus
    }

    var project: String?
    var pipeline: String
    /// Finished runs.
    var runs: Int
    var passed: Int
    var medianMs: Int64?
    /// Statuses of the newest runs, newest first (at most 30).
    var recent: [RunStatus]
    var jobs: [Job]

    /// Passed runs in percent of finished ones (nil with none finished).
    var passRate: Int? { runs == 0 ? nil : Int((Double(passed) / Double(runs) * 100).rounded()) }

    /// One entry per project and pipeline, busiest first. `runs` are newest first.
    static func summarize(runs: [RunRecord], outcomes: [JobOutcome]) -> [PipelineHealth] {
        let byRun = Dictionary(grouping: outcomes, by: \.runID)
        var order: [String] = []
        var groups: [String: [RunRecord]] = [:]
        for run in runs {
            let key = "\(run.project ?? "")\u{1F}\(run.pipelineName)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(run)
        }
        return order.compactMap { key -> PipelineHealth? in
            guard let group = groups[key], let first = group.first else { return nil }
            let finished = group.filter { $0.status != .running }
            var jobs: [String: [(status: JobStatus, attempts: Int, ms: Int64)]] = [:]
            var jobOrder: [String] = []
            for run in finished {
                for outcome in byRun[run.id] ?? [] {
                    if jobs[outcome.name] == nil { jobOrder.append(outcome.name) }
                    jobs[outcome.name, default: []].append((outcome.status, outcome.attempts, outcome.durationMs))
                }
            }
            let jobHealth = jobOrder.compactMap { name -> Job? in
                guard let entries = jobs[name], let last = entries.first?.status else { return nil }
                let ran = entries.filter { $0.status != .skipped }
                let durations = ran.map(\.ms).sorted()
                return Job(
                    name: name, runs: ran.count,
                    passed: ran.filter { $0.status == .success || $0.status == .cached }.count,
                    retried: ran.filter { $0.attempts > 1 }.count, medianMs: percentile(durations, 0.5) ?? 0,
                    p90Ms: percentile(durations, 0.9) ?? 0, last: last)
            }
            return PipelineHealth(
                project: first.project, pipeline: first.pipelineName, runs: finished.count,
                passed: finished.filter { $0.status == .success }.count,
                medianMs: percentile(finished.compactMap(\.durationMs).sorted(), 0.5),
                recent: Array(group.prefix(30).map(\.status)), jobs: jobHealth)
        }
        .sorted { $0.runs > $1.runs }
    }

    /// The nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Int64], _ fraction: Double) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }
}
