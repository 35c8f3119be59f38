import Foundation
import GantryCore
import HTTPTypes
import Hummingbird

/// The dashboard's HTML: escaped text, one stylesheet inline (no asset leaves the server, no CDN),
/// readable without JavaScript, labelled for screen readers, narrow enough for a laptop.
enum HTMLPage {
    /// `text` safe inside HTML text and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A whole page: `title`, the navigation (for `session`'s user, when signed in), and `body`
    /// (already HTML).
    static func render(
        title: String, session: DashboardSessions.Session?, body: String, status: HTTPResponse.Status = .ok,
        script: Bool = false
    ) -> Response {
        let navigation =
            session.map { session in
                """
                <nav aria-label="Main">
                  <a href="/runs">Runs</a> <a href="/health">Health</a> <a href="/environments">Environments</a>
                  <a href="/artifacts">Artifacts</a>
                  <a href="/audit">Audit</a>
                  <span class="who">\(escape(session.principal.user)) (\(session.principal.role))</span>
                  <form method="post" action="/logout" class="inline">
                    <input type="hidden" name="csrf" value="\(session.csrf)"><button type="submit">Sign out</button>
                  </form>
                </nav>
                """
            } ?? ""
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Gantry</title>
            <style>\(stylesheet)</style>
            </head>
            <body>
            <header><strong>Gantry</strong> \(navigation)</header>
            <main>
            <h1>\(escape(title))</h1>
            \(body)
            </main>
            </body>
            </html>
            """
        var response = JSONResponse.make(
            status: status, body: Array(html.utf8), contentType: "text/html; charset=utf-8")
        // The pages load nothing from elsewhere and embed only their own style.
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
            + (script ? "; script-src 'self'; connect-src 'self'" : "")
        return response
    }

    /// A redirect after a form (303: the browser follows with GET).
    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .contentLength: "0"])
        if let cookie { response.headers[.setCookie] = cookie }
        return response
    }

    /// A status as a coloured badge (its text says it too).
    static func badge(_ status: String) -> String {
        let tone =
            switch status {
            case "success", "succeeded", "finished", "cached": "good"
            case "failure", "failed", "timed_out", "retries_exhausted", "rolled_back", "aborted", "abandoned",
                "interrupted":
                "bad"
            case "running", "deploying", "verifying", "awaiting_approval", "queued", "started": "busy"
            default: "neutral"
            }
        return "<span class=\"badge \(tone)\">\(escape(status))</span>"
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "" }
        let text = Timestamp.iso8601(date)
        return
            "<time datetime=\"\(text)\">\(escape(String(text.prefix(19)).replacingOccurrences(of: "T", with: " ")))</time>"
    }

    /// How long ago, for people: `45s ago`, `12m ago`, `3h ago`, `5d ago`.
    static func age(_ date: Date, now: Date = Date()) -> String { "\(Age.since(date, now: now)) ago" }

    private static let stylesheet = """
        body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2129;background:#f7f8fa}
        header{background:#1d2129;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center}
        header a{color:#cfe3ff;margin-right:.8rem}nav{display:flex;gap:.4rem;align-items:center;flex:1}
        .who{margin-left:auto;color:#bbb}.inline{display:inline}main{padding:1rem 1.2rem;max-width:1200px}
        table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.35rem .6rem;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top;overflow-wrap:break-word}
        #audit td{overflow-wrap:anywhere}
        th{background:#eef1f5}code{font-size:13px}.badge{padding:.05rem .45rem;border-radius:.6rem;font-size:13px}
        .good{background:#d9f2de;color:#13591f}.bad{background:#fbdcdc;color:#7a1010}.busy{background:#fff1c2;color:#6b4e00}
        .neutral{background:#e6e9ee}form.cell{margin:.3rem 0}button{cursor:pointer}
        .error{background:#fbdcdc;padding:.5rem;border-radius:.3rem}label{display:block;margin:.4rem 0 .1rem}
        svg text{font:12px system-ui,sans-serif}
        #live{background:#111;color:#ddd;padding:.6rem;min-height:6rem;white-space:pre-wrap;font:13px/1.35 monospace}
        #live .job{color:#8ab4f8}#live .stderr{color:#f6b3b3}#live .event{color:#9aa3ad}.b{font-weight:bold}
        .c30,.c90{color:#888}.c31,.c91{color:#ff6b6b}.c32,.c92{color:#7bd88f}.c33,.c93{color:#ffd866}
        .c34,.c94{color:#6cb6ff}.c35,.c95{color:#d2a8ff}.c36,.c96{color:#76e3ea}.c37,.c97{color:#fff}
        """
}
