import Foundation
import GantryCore
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Streams one GET response into a file while hashing it, so a pulled blob is written and verified
/// in one pass with bounded memory. Bodies of non-2xx responses are kept (up to 64 KiB) for messages.
final class BlobStream: NSObject, URLSessionDataDelegate, Sendable {
    struct Outcome: Sendable {
        var response: HTTPURLResponse?
        var digest: Digest
        var size: Int64
        var errorBody: Data
    }

    private struct State {
        var fd: Int32 = -1
        var hasher = StreamingHasher()
        var size: Int64 = 0
        var response: HTTPURLResponse?
        var errorBody = Data()
        /// Received bytes not yet written: written in 1 MiB batches, not one write(2) per network read.
        var pending = Data()
        var writeFailed: String?
        var continuation: CheckedContinuation<Outcome, any Error>?
    }

    private let state = Mutex(State())
    private let file: URL
    /// Told the bytes received so far.
    private let progress: (@Sendable (Int64) -> Void)?
    /// Asked after each piece: true cancels the transfer (a size limit was passed).
    private let shouldStop: (@Sendable () -> Bool)?

    init(file: URL, progress: (@Sendable (Int64) -> Void)? = nil, shouldStop: (@Sendable () -> Bool)? = nil) {
        self.file = file
        self.progress = progress
        self.shouldStop = shouldStop
    }

    static let batch = 1 << 20

    /// Writes the pending bytes; false (with the file closed and the error recorded) when it fails.
    private static func flush(_ state: inout State, file: URL) -> Bool {
        guard state.fd >= 0 else { return false }
        guard !state.pending.isEmpty else { return true }
        defer { state.pending.removeAll(keepingCapacity: true) }
        if RawFile.writeAll(state.fd, state.pending) { return true }
        state.writeFailed = "cannot write \(file.path): \(String(cString: strerror(errno)))"
        close(state.fd)
        state.fd = -1
        return false
    }

    /// Runs `request`, writing a 2xx body to `file`.
    static func fetch(
        _ request: URLRequest, to file: URL, configuration: URLSessionConfiguration,
        progress: (@Sendable (Int64) -> Void)? = nil, shouldStop: (@Sendable () -> Bool)? = nil
    ) async throws -> Outcome {
        let stream = BlobStream(file: file, progress: progress, shouldStop: shouldStop)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: stream, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            stream.state.withLock { $0.continuation = continuation }
            session.dataTask(with: request).resume()
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        state.withLock { state in
            state.response = response as? HTTPURLResponse
            if let status = state.response?.statusCode, (200..<300).contains(status) {
                try? FileManager.default.createDirectory(
                    at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                state.fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                if state.fd < 0 { state.writeFailed = "cannot write \(file.path): \(String(cString: strerror(errno)))" }
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let received: Int64? = state.withLock { state in
            guard state.fd >= 0 else {
                if state.errorBody.count < 65536 { state.errorBody.append(data.prefix(65536 - state.errorBody.count)) }
                return nil
            }
            state.hasher.update(data)
            state.size += Int64(data.count)
            state.pending.append(data)
            if state.pending.count >= Self.batch, !Self.flush(&state, file: file) { dataTask.cancel() }
            return state.size
        }
        if let received { progress?(received) }
        if shouldStop?() == true { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (continuation, result) = state.withLock {
            state -> (CheckedContinuation<Outcome, any Error>?, Result<Outcome, any Error>) in
            let continuation = state.continuation
            state.continuation = nil
            if state.fd >= 0, Self.flush(&state, file: file) {
                if fsync(state.fd) != 0 && state.writeFailed == nil {
                    state.writeFailed = "cannot write \(file.path): \(String(cString: strerror(errno)))"
                }
                close(state.fd)
                state.fd = -1
            }
            if let problem = state.writeFailed { return (continuation, .failure(ArtifactError.io(problem))) }
            if let error { return (continuation, .failure(error)) }
            return (
                continuation,
                .success(
                    Outcome(
                        response: state.response, digest: state.hasher.finalize(), size: state.size,
                        errorBody: state.errorBody))
            )
        }
        continuation?.resume(with: result)
    }
}
