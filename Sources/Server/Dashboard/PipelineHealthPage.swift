import Foundation
import GantryCore
import StateModel

/// The pipeline-health page's body: per pipeline its pass rate, median duration and the newest runs
/// as a strip of coloured marks, then per job its pass rate, median and p90 duration and retries.
enum PipelineHealthPage {
    static func html(_ pipelines: [PipelineHealth], window: Int) -> String {
        guard !pipelines.isEmpty else { return "<p>No runs yet.</p>" }
        var body = "<p>Over the last \(window) runs of this server.</p>"
        for pipeline in pipelines {
            let name = (pipeline.project.map { "\($0) / " } ?? "") + pipeline.pipeline
            body += "<section aria-label=\"\(HTMLPage.escape(name))\" class=\"health\">"
            body += "<h2>\(HTMLPage.escape(name))</h2><p>"
            body +=
                pipeline.passRate.map { "<strong>\($0)%</strong> of \(pipeline.runs) finished runs passed" }
                ?? "No finished runs"
            body += pipeline.medianMs.map { "; median duration \(seconds($0))" } ?? ""
            body += ".</p>" + strip(pipeline.recent)
            guard !pipeline.jobs.isEmpty else {
                body += "</section>"
                continue
            }
            body += "<table aria-label=\"Jobs of \(HTMLPage.escape(name))\"><tr><th scope=\"col\">Job</th>"
            body += "<th scope=\"col\">Pass rate</th><th scope=\"col\">Ran</th><th scope=\"col\">Median</th>"
            body += "<th scope=\"col\">p90</th><th scope=\"col\">Retried</th><th scope=\"col\">Last</th></tr>"
            for job in pipeline.jobs {
                let rate = job.runs == 0 ? "-" : "\(Int((Double(job.passed) / Double(job.runs) * 100).rounded()))%"
                body += "<tr><td>\(HTMLPage.escape(job.name))</td><td>\(rate)</td><td>\(job.runs)</td>"
                body += "<td>\(seconds(job.medianMs))</td><td>\(seconds(job.p90Ms))</td><td>\(job.retried)</td>"
                body += "<td>\(HTMLPage.badge(job.last.rawValue))</td></tr>"
            }
            body += "</table></section>"
        }
        return body
    }

    /// The newest runs, newest first, one coloured mark each (with its status as text for readers).
    private static func strip(_ statuses: [RunStatus]) -> String {
        let width = statuses.count * 12
        var out = "<svg role=\"img\" aria-label=\"Newest runs, newest first: "
        out += statuses.map(\.rawValue).joined(separator: ", ")
        out += "\" width=\"\(max(width, 1))\" height=\"18\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (index, status) in statuses.enumerated() {
            let colour =
                switch status {
                case .success: "#3f9b4f"
                case .running: "#2f6fb3"
                case .cancelled: "#c9a227"
                default: "#c0392b"
                }
            out += "<rect x=\"\(index * 12)\" y=\"2\" width=\"9\" height=\"14\" rx=\"2\" fill=\"\(colour)\">"
            out += "<title>\(status.rawValue)</title></rect>"
        }
        return out + "</svg>"
    }

    private static func seconds(_ ms: Int64) -> String { Duration.milliseconds(ms).humanShort }
}
