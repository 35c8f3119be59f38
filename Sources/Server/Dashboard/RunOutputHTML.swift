import Engine
import Foundation
import StateModel

/// A finished run's output on its page, from the job log files (masked when written), ANSI colours
/// rendered; bounded, with a note where it was cut (the API's `/api/v1/runs/{id}/logs` has it all).
enum RunOutputHTML {
    static func render(logDirectory: URL, jobs: [JobRecord], maxLines: Int = 3000) -> String {
        var out = ""
        var shown = 0
        var cut = false
        for job in jobs {
            let file = logDirectory.appendingPathComponent(EngineLogNames.fileName(job.name))
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            try? EngineLogNames.forEachLine(of: file) { line in
                guard shown < maxLines else {
                    cut = true
                    return false
                }
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let text = object["line"] as? String
                else { return true }
                let stream = (object["stream"] as? String) == "stderr" ? "stderr" : "stdout"
                out += "<div class=\"line \(stream)\"><span class=\"job\">\(HTMLPage.escape(job.name))</span> "
                out += "\(ANSIHTML.render(text))</div>"
                shown += 1
                return true
            }
        }
        guard shown > 0 else { return "" }
        let note = cut ? "<p>The first \(maxLines) lines; the API's logs route has every line.</p>" : ""
        return "<h2>Output</h2><pre id=\"output\" aria-label=\"Output\">\(out)</pre>\(note)"
    }
}
