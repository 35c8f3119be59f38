public import Foundation
import GantryCore
import Synchronization

/// The output of a promotion's deploy and health-check commands, and the lines Gantry printed about
/// them, kept with the promotion in `<state>/logs/promotions/<id>.log` (`gantry logs p-…`): a failed
/// deploy's output is not lost with the terminal. Bounded: after `limit` bytes a note says the rest
/// was cut.
public final class PromotionLog: Sendable {
    /// Where a promotion's log lives.
    public static func url(stateDirectory: URL, promotionID: String) -> URL {
        stateDirectory.appendingPathComponent("logs/promotions/\(promotionID).log")
    }

    static let limit = 4 << 20

    private struct State {
        var fd: Int32
        var written = 0
        var truncated = false
    }

    private let state: Mutex<State>

    /// Opens the promotion's log for appending (a rollback pass adds to the promotion's own log).
    init(stateDirectory: URL, promotionID: String) {
        let url = Self.url(stateDirectory: stateDirectory, promotionID: promotionID)
        try? FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        var info = stat()
        let existing = fd >= 0 && fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        state = Mutex(State(fd: fd, written: existing))
    }

    deinit {
        state.withLock { if $0.fd >= 0 { close($0.fd) } }
    }

    /// Appends command output.
    func append(_ data: Data) {
        state.withLock { state in
            guard state.fd >= 0, !state.truncated else { return }
            let room = Self.limit - state.written
            if data.count > room {
                _ = RawFile.writeAll(state.fd, data.prefix(max(0, room)))
                _ = RawFile.writeAll(state.fd, Data("\n… output cut at \(Self.limit) bytes\n".utf8))
                state.truncated = true
                return
            }
            _ = RawFile.writeAll(state.fd, data)
            state.written += data.count
        }
    }

    /// Appends one of Gantry's own lines.
    func line(_ text: String) { append(Data((text + "\n").utf8)) }
}
