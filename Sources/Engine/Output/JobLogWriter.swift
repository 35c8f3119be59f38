import Dispatch
import Foundation
import GantryCore
import Processes
import Synchronization

/// Writes one job's structured log, `.gantry/logs/<run>/<job>.jsonl`: one JSON object per output line
/// (`ts`, `run`, `correlation`, `job`, `step`, `attempt`, `stream`, `line`) and per lifecycle event.
///
/// Small amounts are encoded in place. Once a step prints heavily (a read of 16 KiB or more), records
/// are encoded and written on the log's own serial queue, in call order, so the thread that reads the
/// output only splits and masks: the two run on separate cores. At most four batches of lines wait on
/// the queue (the reader waits for a free slot), and the buffer is written every 256 KiB, so the memory a
/// log costs stays bounded whatever a step prints. The file is created at the first write after the
/// job printed something or logged a notable event (a retry, a cache restore), and not at all for a
/// quiet job (its routine events are dropped: the run's record holds its steps, exit codes and status) or whose log is discarded (one
/// avoided by its `inputs`): creating files is the dominant cost of a run of quiet jobs on disk.
public final class JobLogWriter: Sendable {
    private struct State {
        /// -1 until the file is created.
        var fd: Int32 = -1
        var discarded = false
        /// An output line or a notable event (retry, cache, artifacts…) was logged: only then is the file
        /// worth creating.
        var sawOutput = false
        /// Why the file could not be created or written, if it could not.
        var failure: String?
        var buffer: [UInt8] = []
    }

    private let state: Mutex<State>
    private let clock = Mutex<(millis: Int64, stamp: [UInt8])>((-1, []))
    /// Created at the first heavy batch; from then on every record goes through it, to keep the order.
    private let queue = Mutex<DispatchQueue?>(nil)
    private let slots = DispatchSemaphore(value: 4)
    /// A read at least this large moves encoding to the queue.
    static let heavyBatch = 16 * 1024
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
    public func linePrefix(step: String, attempt: Int, stream: ProcessStream) -> [UInt8] {
        Array(
            "\(identity),\"step\":\(JSONText.quote(step)),\"attempt\":\(attempt),\"stream\":\"\(stream.rawValue)\",\"line\":\""
                .utf8)
    }

    /// Appends output lines (already masked) that arrived in one read; they share the arrival timestamp.
    /// Heavy output is encoded on the log's queue (waiting while four earlier batches are pending).
    public func lines(prefix: [UInt8], _ batch: LineBatch) {
        let stamp = timestamp()
        let encode: @Sendable () -> Void = { [self] in
            state.withLock { state in
                state.sawOutput = true
                batch.forEachLine { line in
                    state.buffer.append(contentsOf: stamp)
                    state.buffer.append(contentsOf: prefix)
                    JSONLineEscaper.append(line, to: &state.buffer)
                    state.buffer.append(contentsOf: [34, 125, 10])  // "}\n
                    if state.buffer.count >= Self.capacity { self.writeBuffer(&state) }
                }
            }
        }
        let queue = self.queue.withLock { queue -> DispatchQueue? in
            if queue == nil && batch.bytes.count >= Self.heavyBatch { queue = DispatchQueue(label: "gantry.log") }
            return queue
        }
        guard let queue else { return encode() }
        slots.wait()
        queue.async { [slots] in
            encode()
            slots.signal()
        }
    }

    /// Appends a lifecycle event such as `step_start` or `job_end`; `fields` are pre-encoded JSON values.
    public func event(_ name: String, step: String? = nil, attempt: Int? = nil, fields: [(String, String)] = []) {
        var text = "\(identity),\"event\":\(JSONText.quote(name))"
        if let step { text += ",\"step\":\(JSONText.quote(step))" }
        if let attempt { text += ",\"attempt\":\(attempt)" }
        for (key, value) in fields { text += ",\(JSONText.quote(key)):\(value)" }
        text += "}\n"
        let record = timestamp() + Array(text.utf8)
        let notable = !Self.routineEvents.contains(name)
        inOrder(wait: false) {
            self.state.withLock { state in
                state.buffer.append(contentsOf: record)
                if notable { state.sawOutput = true }
            }
        }
    }

    /// Events every job has: alone they do not make a log file worth creating (the run's record holds
    /// the same steps, exit codes and status).
    static let routineEvents: Set<String> = ["job_start", "step_start", "step_end", "job_end"]

    /// Runs `body` after everything queued before it: directly when nothing was ever queued.
    private func inOrder<T>(wait: Bool = true, _ body: @escaping @Sendable () -> T) -> T? {
        guard let queue = queue.withLock({ $0 }) else { return body() }
        if wait { return queue.sync(execute: body) }
        queue.async { _ = body() }
        return nil
    }

    /// Writes everything so far to the file.
    public func flush() { _ = inOrder { self.state.withLock { self.writeBuffer(&$0) } } }

    /// Drops everything written so far and later, and never creates the file.
    public func discard() {
        _ = inOrder {
            self.state.withLock { state in
                state.discarded = true
                state.buffer.removeAll()
            }
        }
    }

    /// Why the log file could not be written, if it could not.
    public var failure: String? { inOrder { self.state.withLock { $0.failure } } ?? nil }

    /// Writes everything and closes the file.
    public func close() { _ = inOrder { self.state.withLock { self.closeFile(&$0) } } }

    // The queue's blocks hold `self`, so this runs after the last of them, possibly on the queue's own
    // thread: close directly rather than through `queue.sync`, which would wait on itself.
    deinit { state.withLock { closeFile(&$0) } }

    /// `{"ts":"…"` for now, formatted once per millisecond.
    private func timestamp() -> [UInt8] {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let millis = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
        return clock.withLock { cached in
            if cached.millis != millis {
                let date = Date(timeIntervalSince1970: Double(millis) / 1000)
                cached = (millis, Array("{\"ts\":\"\(Timestamp.iso8601(date))\"".utf8))
            }
            return cached.stamp
        }
    }

    private func closeFile(_ state: inout State) {
        writeBuffer(&state)
        if state.fd >= 0 {
            _ = Foundation.close(state.fd)
            state.fd = -1
        }
    }

    /// Writes the buffer, creating the file on first use (not when the log was discarded). Until the
    /// job prints a line, events stay in the buffer (a quiet job with runaway events drops them rather
    /// than growing without bound).
    private func writeBuffer(_ state: inout State) {
        guard state.sawOutput || state.fd >= 0 else {
            if state.buffer.count >= Self.capacity { state.buffer.removeAll(keepingCapacity: true) }
            return
        }
        defer { state.buffer.removeAll(keepingCapacity: true) }
        guard !state.buffer.isEmpty, !state.discarded, state.failure == nil else { return }
        if state.fd < 0 {
            state.fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard state.fd >= 0 else {
                state.failure = "cannot create log file \(url.path): \(errnoText())"
                return
            }
        }
        if !RawFile.writeAll(state.fd, state.buffer) {
            state.failure = "cannot write log file \(url.path): \(errnoText())"
        }
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
extension JobLogWriter: JobLogSink {}
