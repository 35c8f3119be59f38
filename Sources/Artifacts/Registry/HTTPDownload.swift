public import Foundation
public import GantryCore
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Downloads one HTTP(S) resource into a file with bounded memory (for `gantry vulndb import URL`).
public enum HTTPDownload {
    /// Writes the body of a 2xx response to `file`; returns its size and digest. A non-2xx status, a
    /// network failure (`ArtifactError.io`) or a body larger than `maxBytes` (`InputError`) names the URL.
    public static func fetch(
        _ url: URL, to file: URL, maxBytes: Int64, timeout: TimeInterval = 600,
        progress: (@Sendable (Int64) -> Void)? = nil
    ) async throws -> (size: Int64, digest: Digest) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw InputError("\(url.absoluteString): only http and https URLs can be downloaded")
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        configuration.timeoutIntervalForResource = timeout
        let tooLarge = TooLarge()
        let outcome: BlobStream.Outcome
        do {
            outcome = try await BlobStream.fetch(
                URLRequest(url: url), to: file, configuration: configuration,
                progress: { received in
                    if received > maxBytes { tooLarge.set() }
                    progress?(received)
                }, shouldStop: { tooLarge.isSet })
        } catch {
            if tooLarge.isSet { throw tooLargeError(url, maxBytes) }
            throw ArtifactError.io("cannot download \(url.absoluteString): \(error.localizedDescription)")
        }
        if tooLarge.isSet || outcome.size > maxBytes { throw tooLargeError(url, maxBytes) }
        guard let status = outcome.response?.statusCode, (200..<300).contains(status) else {
            let code = outcome.response.map { String($0.statusCode) } ?? "no response"
            throw InputError("cannot download \(url.absoluteString): HTTP \(code)")
        }
        return (outcome.size, outcome.digest)
    }

    private static func tooLargeError(_ url: URL, _ maxBytes: Int64) -> InputError {
        InputError("\(url.absoluteString) is larger than \(maxBytes) bytes: download it yourself and import the file")
    }

    /// Set once the body passed the limit.
    private final class TooLarge: Sendable {
        private let flag = Mutex(false)
        func set() { flag.withLock { $0 = true } }
        var isSet: Bool { flag.withLock { $0 } }
    }
}
