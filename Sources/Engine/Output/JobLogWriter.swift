import Foundation
import GantryCore
import Synchronization

/// Writes one job's structured log, `.gantry/logs/<run>/<job>.jsonl`: one JSON object per output line
/// (`ts`, `run`, `correlation`, `job`, `step`, `attempt`, `stream`, `line`) and per lifecycle event.
///
/// Writes are buffered (256 KiB). Heavy output is handed to a background writer (at most two buffers in
/// flight), so the memory a log costs stays bounded whatever a step prints. The file is created at the
/// first write, and not at all for a job whose log is discarded (one avoided by its `inputs`): creating
/// files is the dominant cost of a re-run that does nothing.
public final class JobLogWriter: Sendable {
    private struct State {
        /// -1 until the file is created.
        var fd: Int32 = -1
        var discarded = false
        /// Why the file could not be created, if it could not.
        var failure: String?
        var buffer: [UInt8] = []
        var lastMillis: Int64 = -1
        var lastStamp: [UInt8] = []
        /// Created the first time a buffer fills: most jobs never need one.
        var background: BackgroundFileWriter?
    }

    private let state: Mutex<State>
    private let identity: String
    /// The log file.
    public let url: URL

    /// Prepares the log; the file (truncated if it exists) is created at the first write.
    public init(url: URL, run: String, correlation: String, job: String) {
        self.url = url
        var initial = State()
        initial.buffer.reserveCapacity(Self.capacity + 4096)
        state = Mutex(initial)
        identity =
            ",\"run\":\(JSONText.quote(run)),\"correlation\":\(JSONText.quote(correlation)),\"job\":\(JSONText.quote(job))"
    }

    static let capacity = 256 * 1024

    /// The constant middle part of a line record for one step attempt and stream.
    public func linePrefix(step: String, attempt: Int, stream: OutputStream) -> [UInt8] {
        Array(
            "\(identity),\"step\":\(JSONText.quote(step)),\"attempt\":\(attempt),\"stream\":\"\(stream.rawValue)\",\"line\":\""
                .utf8)
    }

    /// Appends output lines (already masked) that arrived in one read; they share one timestamp.
    public func lines(prefix: [UInt8], _ batch: LineBatch) {
        state.withLock { state in
            Self.refreshTimestamp(&state)
            let stamp = state.lastStamp
            batch.forEachLine { line in
                state.buffer.append(contentsOf: stamp)
                state.buffer.append(contentsOf: prefix)
                JSONLineEscaper.append(line, to: &state.buffer)
                state.buffer.append(contentsOf: [34, 125, 10])  // "}\n
                if state.buffer.count >= Self.capacity { self.handOff(&state) }
            }
        }
    }

    /// Appends a lifecycle event such as `step_start` or `job_end`; `fields` are pre-encoded JSON values.
    public func event(_ name: String, step: String? = nil, attempt: Int? = nil, fields: [(String, String)] = []) {
        var text = "\(identity),\"event\":\(JSONText.quote(name))"
        if let step { text += ",\"step\":\(JSONText.quote(step))" }
        if let attempt { text += ",\"attempt\":\(attempt)" }
        for (key, value) in fields { text += ",\(JSONText.quote(key)):\(value)" }
        text += "}\n"
        state.withLock { state in
            Self.appendTimestamp(&state)
            state.buffer.append(contentsOf: Array(text.utf8))
        }
    }

    /// Writes buffered records to the file.
    public func flush() { state.withLock { self.flush(&$0) } }

    /// Drops everything written so far and later, and never creates the file.
    public func discard() {
        state.withLock { state in
            state.discarded = true
            state.buffer.removeAll()
        }
    }

    /// Why the log file could not be written, if it could not.
    public var failure: String? { state.withLock { $0.failure } }

    /// Flushes and closes the file.
    public func close() {
        state.withLock { state in
            self.flush(&state)
            if state.fd >= 0 {
                _ = Foundation.close(state.fd)
                state.fd = -1
            }
        }
    }

    deinit { close() }

    private static func appendTimestamp(_ state: inout State) {
        refreshTimestamp(&state)
        state.buffer.append(contentsOf: state.lastStamp)
    }

    private static func refreshTimestamp(_ state: inout State) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let millis = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
        if millis != state.lastMillis {
            state.lastMillis = millis
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            state.lastStamp = Array("{\"ts\":\"\(Timestamp.iso8601(date))\"".utf8)
        }
    }

    /// Passes a full buffer to the background writer and starts a new one (output threads only).
    /// Creates the file on first use; false when it cannot be (the reason is kept in `failure`).
    private func ensureOpen(_ state: inout State) -> Bool {
        if state.fd >= 0 { return true }
        guard !state.discarded, state.failure == nil else { return false }
        state.fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if state.fd < 0 { state.failure = "cannot create log file \(url.path): \(errnoText())" }
        return state.fd >= 0
    }

    private func handOff(_ state: inout State) {
        guard ensureOpen(&state) else {
            state.buffer.removeAll(keepingCapacity: true)
            return
        }
        if state.background == nil { state.background = BackgroundFileWriter(fd: state.fd, label: "\(state.fd)") }
        var full: [UInt8] = []
        full.reserveCapacity(Self.capacity + 4096)
        swap(&full, &state.buffer)
        state.background?.submit(full)
    }

    /// Writes everything buffered, after whatever the background writer still holds.
    private func flush(_ state: inout State) {
        state.background?.drain()
        if !state.buffer.isEmpty, ensureOpen(&state) { BackgroundFileWriter.writeAll(state.fd, state.buffer) }
        state.buffer.removeAll(keepingCapacity: true)
    }
}

/// Escapes raw output bytes into the body of a JSON string; invalid UTF-8 becomes U+FFFD.
enum JSONLineEscaper {
    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var hasHigh = false
        for byte in bytes where byte >= 0x80 {
            hasHigh = true
            break
        }
        if hasHigh {
            // Decoding with replacement makes any byte sequence valid UTF-8.
            let valid = Array(String(decoding: bytes, as: UTF8.self).utf8)
            valid.withUnsafeBytes { appendValid($0, to: &out) }
        } else {
            appendValid(bytes, to: &out)
        }
    }

    /// Bytes that JSON strings must escape (controls, `"`, `\\`) and DEL, which we escape for readability.
    static let needsEscape: [Bool] = (0..<256).map { $0 < 0x20 || $0 == 34 || $0 == 92 || $0 == 0x7f }

    private static func appendValid(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var runStart = 0
        needsEscape.withUnsafeBufferPointer { table in
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard table[Int(byte)] else { continue }
                if index > runStart {
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
                }
                switch byte {
                case 34: out.append(contentsOf: [92, 34])
                case 92: out.append(contentsOf: [92, 92])
                case 10: out.append(contentsOf: [92, 110])
                case 13: out.append(contentsOf: [92, 114])
                case 9: out.append(contentsOf: [92, 116])
                default: out.append(contentsOf: [92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
                }
                runStart = index + 1
            }
        }
        if runStart < bytes.count {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
    }
}
