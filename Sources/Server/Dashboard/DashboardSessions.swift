import Foundation
import GantryCore
import StateModel
import Synchronization

/// Browser sessions of the dashboard: signing in with a token gives an opaque session id (the cookie)
/// and a CSRF token that every form must send back. Sessions live in memory (a restart signs everyone
/// out) for at most `lifetime`, and never longer than the token they came from.
final class DashboardSessions: Sendable {
    struct Session: Sendable {
        var principal: Principal
        /// The hidden form field state-changing forms carry.
        var csrf: String
        var expires: Date
    }

    let lifetime: TimeInterval = 12 * 3600
    private let sessions = Mutex<[String: Session]>([:])
    /// When each client's recent sign-ins failed (the last minute's, a sliding window: no reset at a
    /// minute's turn that would double the attempts across it).
    private let failures = Mutex<[String: [Date]]>([:])
    /// Failed sign-ins a client may make in any 60 seconds before it gets 429.
    let failureLimit = 5
    let failureWindow: TimeInterval = 60

    /// Starts a session for `principal` (its token expiring at `tokenExpiry`); returns its id.
    func start(_ principal: Principal, tokenExpiry: Date?, now: Date = Date()) -> (id: String, session: Session) {
        let id = APITokens.randomHex(bytes: 32)
        let expires = min(now.addingTimeInterval(lifetime), tokenExpiry ?? .distantFuture)
        let session = Session(principal: principal, csrf: APITokens.randomHex(bytes: 32), expires: expires)
        sessions.withLock { sessions in
            if sessions.count > 10_000 { sessions = sessions.filter { $0.value.expires > now } }
            sessions[id] = session
        }
        return (id, session)
    }

    func session(_ id: String?, now: Date = Date()) -> Session? {
        guard let id, id.count == 64 else { return nil }
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expires > now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    func end(_ id: String?) {
        guard let id else { return }
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// Ends every session of a token (revoked through the API).
    func end(tokenID: String) {
        sessions.withLock { sessions in sessions = sessions.filter { $0.value.principal.tokenID != tokenID } }
    }

    /// Whether `client` may try to sign in now: nil when it may, else the seconds until it may.
    func signInDelay(_ client: String, now: Date = Date()) -> Int? {
        failures.withLock { failures in
            let recent = (failures[client] ?? []).filter { now.timeIntervalSince($0) < failureWindow }
            failures[client] = recent.isEmpty ? nil : recent
            guard recent.count >= failureLimit, let oldest = recent.first else { return nil }
            return max(1, Int((failureWindow - now.timeIntervalSince(oldest)).rounded(.up)))
        }
    }

    func recordFailure(_ client: String, now: Date = Date()) {
        failures.withLock { failures in
            // Bounded whatever the number of clients: past 10,000, only the last minute's are kept.
            if failures.count > 10_000 {
                failures = failures.compactMapValues { dates in
                    let recent = dates.filter { now.timeIntervalSince($0) < failureWindow }
                    return recent.isEmpty ? nil : recent
                }
            }
            failures[client, default: []].append(now)
        }
    }

}
