import Foundation
import GantryCore
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// `GET /runs/{id}/live?after=N` upgraded to a WebSocket: the output of a run this server executes,
/// line by line as it is printed (masked by the engine, ANSI colours as HTML), each line numbered so
/// a viewer that reconnects asks for what follows the last one it showed. Needs a dashboard session
/// and a same-origin `Origin` (a cookie-authenticated socket must not be opened by another site).
/// A request that does not qualify is not upgraded, and the router answers it (404).
enum LiveLogSocket {
    static func shouldUpgrade(_ request: HTTPRequest, services: ServerServices)
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        guard let target = request.path, let components = URLComponents(string: target) else { return .dontUpgrade }
        let parts = components.path.split(separator: "/")
        guard parts.count == 3, parts[0] == "runs", parts[2] == "live" else { return .dontUpgrade }
        let runID = String(parts[1])
        let after = components.queryItems?.first { $0.name == "after" }?.value.flatMap(Int.init) ?? 0
        guard sameOrigin(request), session(request, services: services) != nil, services.liveLogs.knows(runID)
        else { return .dontUpgrade }
        let live = services.liveLogs
        return .upgrade([:]) { _, outbound, _ in
            // A graceful shutdown ends the stream (the page reconnects to the next server): an open
            // dashboard must not hold the server's drain until the run ends.
            let ended = try await cancelWhenGracefulShutdown {
                try await stream(runID: runID, after: after, live: live, outbound: outbound)
            }
            if !ended { try? await outbound.close(.goingAway, reason: "the server is stopping") }
        }
    }

    /// Sends the run's lines until it ends (true) or the task is cancelled (false).
    private static func stream(runID: String, after: Int, live: LiveLogs, outbound: WebSocketOutboundWriter)
        async throws -> Bool
    {
        var last = max(0, after)
        while !Task.isCancelled {
            let (lines, ended) = await live.lines(runID: runID, after: last, timeout: .seconds(15))
            for line in lines {
                var out = JSONWriter()
                out.object { out in
                    out.field("html", ANSIHTML.render(line.text))
                    out.field("job", line.job)
                    out.field("n", line.number)
                    out.field("state", line.state)
                    out.field("stream", line.stream)
                }
                try await outbound.write(.text(String(decoding: out.bytes, as: UTF8.self)))
                last = line.number
            }
            if ended {
                try await outbound.close(.normalClosure, reason: "the run ended")
                return true
            }
        }
        return false
    }

    /// The browser says where the page came from; it must be this server.
    private static func sameOrigin(_ request: HTTPRequest) -> Bool {
        guard let origin = request.headerFields[.origin], let host = request.authority
        else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    private static func session(_ request: HTTPRequest, services: ServerServices) -> DashboardSessions.Session? {
        let cookies = request.headerFields[values: .cookie].flatMap { $0.split(separator: ";") }
        for cookie in cookies {
            let pair = cookie.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == DashboardRoutes.cookie {
                return services.sessions.session(String(pair[1]))
            }
        }
        return nil
    }
}
