import Foundation
import GantryCore

extension RegistryClient {
    static func pullScope(_ repository: String) -> String { "repository:\(repository):pull" }
    static func pushScope(_ repository: String) -> String { "repository:\(repository):pull,push" }

    /// Whether `repository` already has the blob (HEAD).
    func hasBlob(_ digest: Digest, in repository: String) async throws -> Bool {
        let response = try await send("HEAD", "\(repository)/blobs/\(digest)", scopes: [Self.pushScope(repository)])
        return response.status == 200
    }

    /// Asks the registry to link a blob from another repository it holds (no bytes sent). False when
    /// the registry declined (it then expects a normal upload).
    func mount(_ digest: Digest, into repository: String, from source: String) async throws -> Bool {
        let response = try await send(
            "POST", "\(repository)/blobs/uploads/?mount=\(digest)&from=\(source)",
            scopes: [Self.pushScope(repository), Self.pullScope(source)])
        return response.status == 201
    }

    /// Uploads a blob from `file`: one PUT when it is at most `chunkSize`, PATCH chunks otherwise.
    func upload(file: URL, digest: Digest, size: Int64, to repository: String) async throws {
        let scopes = [Self.pushScope(repository)]
        let start = try await send("POST", "\(repository)/blobs/uploads/", scopes: scopes)
        guard start.status == 202, var location = start.header("Location") else {
            throw refusal("start an upload to \(repository)", start)
        }
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw ArtifactError.notFound("blob \(digest) (\(file.path))")
        }
        defer { try? handle.close() }
        if size <= Int64(configuration.chunkSize) {
            let data = try handle.readToEnd() ?? Data()
            let done = try await send(
                "PUT", Self.appending(location, "digest=\(digest)"),
                headers: ["Content-Type": "application/octet-stream", "Content-Length": "\(data.count)"], body: data,
                scopes: scopes)
            guard done.status == 201 else { throw refusal("upload blob \(digest.short)", done) }
            transferProgress?(ProgressUpdate(label: "push \(digest.short)", done: size, total: size))
            return
        }
        var offset: Int64 = 0
        while offset < size {
            guard let chunk = try handle.read(upToCount: configuration.chunkSize), !chunk.isEmpty else {
                throw ArtifactError.io("\(file.path) ended at \(offset) bytes; its descriptor says \(size)")
            }
            let end = offset + Int64(chunk.count) - 1
            let response = try await send(
                "PATCH", location,
                headers: [
                    "Content-Type": "application/octet-stream", "Content-Range": "\(offset)-\(end)",
                    "Content-Length": "\(chunk.count)",
                ], body: chunk, scopes: scopes)
            guard response.status == 202, let next = response.header("Location") else {
                throw refusal("upload bytes \(offset)-\(end) of blob \(digest.short)", response)
            }
            location = next
            transferProgress?(ProgressUpdate(label: "push \(digest.short)", done: end + 1, total: size))
            offset = end + 1
        }
        let done = try await send(
            "PUT", Self.appending(location, "digest=\(digest)"), headers: ["Content-Length": "0"], body: Data(),
            scopes: scopes)
        guard done.status == 201 else { throw refusal("finish the upload of blob \(digest.short)", done) }
    }

    /// Downloads a blob into the layout, hashing it as it streams; nothing is stored unless its digest
    /// and size match the descriptor.
    func download(_ descriptor: Descriptor, from repository: String, into layout: OCILayout) async throws {
        if layout.hasBlob(descriptor.digest) { return }
        let temporary = layout.temporaryURL()
        defer { try? FileManager.default.removeItem(at: temporary) }
        let response = try await send(
            "GET", "\(repository)/blobs/\(descriptor.digest)", scopes: [Self.pullScope(repository)],
            destination: temporary, destinationProgress: pullProgress(descriptor))
        guard response.status == 200 else { throw refusal("download blob \(descriptor.digest.short)", response) }
        guard response.digest == descriptor.digest, response.size == descriptor.size else {
            throw RegistryError.digestMismatch(
                "\(registry)/\(repository) sent \(response.size) bytes with digest \(response.digest?.description ?? "?") for blob \(descriptor.digest) (\(descriptor.size) bytes); nothing was stored"
            )
        }
        try layout.adopt(temporary, as: descriptor.digest, alreadyVerified: true)
    }

    /// `location` with a query parameter added.
    /// Reports the bytes of `descriptor` received so far, when anyone listens.
    private func pullProgress(_ descriptor: Descriptor) -> (@Sendable (Int64) -> Void)? {
        guard let report = transferProgress else { return nil }
        let label = "pull \(descriptor.digest.short)"
        let total = descriptor.size
        return { received in report(ProgressUpdate(label: label, done: received, total: total)) }
    }

    static func appending(_ location: String, _ parameter: String) -> String {
        location + (location.contains("?") ? "&" : "?") + parameter
    }

    /// An error for an unexpected status, with the registry's own error text.
    func refusal(_ what: String, _ response: Response) -> RegistryError {
        let detail = Self.errorSummary(response.body).map { ": \($0)" } ?? ""
        if response.status == 404 { return .notFound("\(registry): cannot \(what): not found (HTTP 404)\(detail)") }
        return .refused("\(registry): cannot \(what): HTTP \(response.status)\(detail)")
    }
}
