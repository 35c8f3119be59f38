import Foundation
import StateModel

/// A run's jobs drawn as an SVG timeline: one bar per job from its start to its end, coloured by
/// status and labelled with its name (the table below it says the same in text).
enum RunTimeline {
    static func svg(jobs: [JobRecord]) -> String {
        let timed = jobs.compactMap { job -> (JobRecord, Date, Date)? in
            guard let start = job.startedAt else { return nil }
            return (job, start, job.finishedAt ?? start.addingTimeInterval(Double(job.durationMs) / 1000))
        }
        guard let first = timed.map(\.1).min(), let last = timed.map(\.2).max() else { return "" }
        let span = max(last.timeIntervalSince(first), 0.001)
        let width = 900.0
        let row = 22.0
        let labelWidth = 200.0
        var out = """
            <svg role="img" aria-label="Timeline of the run's jobs" width="\(Int(width + labelWidth))" \
            height="\(Int(Double(timed.count) * row + 8))" xmlns="http://www.w3.org/2000/svg">
            """
        for (index, (job, start, end)) in timed.enumerated() {
            let x = labelWidth + start.timeIntervalSince(first) / span * width
            let w = max(2, end.timeIntervalSince(start) / span * width)
            let y = Double(index) * row + 4
            let colour =
                switch job.status {
                case .success, .cached: "#3f9b4f"
                case .skipped: "#9aa3ad"
                case .cancelled: "#c9a227"
                default: "#c0392b"
                }
            out += "<text x=\"0\" y=\"\(y + 13)\">\(HTMLPage.escape(String(job.name.prefix(28))))</text>"
            out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(row - 6)\" fill=\"\(colour)\">"
            out +=
                "<title>\(HTMLPage.escape(job.name)): \(job.status.rawValue), \(Double(job.durationMs) / 1000) s</title></rect>"
        }
        return out + "</svg>"
    }
}
