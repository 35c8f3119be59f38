import Foundation
import StateModel

/// A run's DAG as SVG: one box per planned job in columns by depth, an arrow from each job it needs,
/// filled by its state (from the job records; a job with none yet is waiting, or running when the
/// run's live events say so). `/assets/live.js` recolours boxes as job events arrive (`data-job`).
enum RunGraphSVG {
    static let boxWidth = 190.0
    static let boxHeight = 30.0
    static let columnGap = 56.0
    static let rowGap = 12.0

    /// The fill of a job state.
    static func colour(_ state: String) -> String {
        switch state {
        case "success", "cached", "avoided": "#3f9b4f"
        case "skipped": "#9aa3ad"
        case "cancelled": "#c9a227"
        case "running": "#2f6fb3"
        case "waiting": "#e8ebef"
        default: "#c0392b"
        }
    }

    /// `states` holds what is known of jobs that have no record yet (`running`).
    static func svg(graph: [RunGraphNode], jobs: [JobRecord], states: [String: String] = [:]) -> String {
        guard !graph.isEmpty else { return "" }
        let recorded = Dictionary(jobs.map { ($0.name, $0.status.rawValue) }, uniquingKeysWith: { $1 })
        let depth = (graph.map(\.level).max() ?? 0) + 1
        var columns = Array(repeating: [RunGraphNode](), count: depth)
        for node in graph { columns[max(0, min(node.level, depth - 1))].append(node) }
        var position: [String: (x: Double, y: Double)] = [:]
        for (column, nodes) in columns.enumerated() {
            for (row, node) in nodes.enumerated() {
                position[node.name] = (
                    Double(column) * (boxWidth + columnGap) + 4, Double(row) * (boxHeight + rowGap) + 4
                )
            }
        }
        let width = Double(depth) * (boxWidth + columnGap) - columnGap + 8
        let height = Double(columns.map(\.count).max() ?? 1) * (boxHeight + rowGap) - rowGap + 8
        var out = """
            <svg id="dag" role="img" aria-label="The run's jobs and what each needs" width="\(Int(width))" \
            height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" xmlns="http://www.w3.org/2000/svg">
            <defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" \
            orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#66707a"/></marker></defs>
            """
        for node in graph {
            guard let to = position[node.name] else { continue }
            for need in node.needs {
                guard let from = position[need] else { continue }
                let (x1, y1) = (from.x + boxWidth, from.y + boxHeight / 2)
                let (x2, y2) = (to.x, to.y + boxHeight / 2)
                let bend = (x2 - x1) / 2
                out += "<path d=\"M\(x1),\(y1) C\(x1 + bend),\(y1) \(x2 - bend),\(y2) \(x2),\(y2)\" fill=\"none\" "
                out += "stroke=\"#66707a\" stroke-width=\"1.4\" marker-end=\"url(#arrow)\"/>"
            }
        }
        for node in graph {
            guard let at = position[node.name] else { continue }
            let state = recorded[node.name] ?? states[node.name] ?? "waiting"
            let text = state == "waiting" ? "#1d2733" : "#ffffff"
            out += "<g class=\"job\" data-job=\"\(HTMLPage.escape(node.name))\" data-state=\"\(state)\">"
            out += "<title>\(HTMLPage.escape(node.name)): \(state)</title>"
            out += "<rect x=\"\(at.x)\" y=\"\(at.y)\" width=\"\(boxWidth)\" height=\"\(boxHeight)\" rx=\"5\" "
            out += "fill=\"\(colour(state))\" stroke=\"#4a5560\"/>"
            out += "<text x=\"\(at.x + 9)\" y=\"\(at.y + 19)\" fill=\"\(text)\">"
            out += "\(HTMLPage.escape(String(node.name.prefix(24))))\(node.name.count > 24 ? "…" : "")</text></g>"
        }
        return out + "</svg>"
    }
}
