import Foundation
import GantryCore

extension RegistryClient {
    static let manifestAccept = [MediaType.manifest, MediaType.index].joined(separator: ", ")

    /// A manifest's bytes and digest. When `reference` is a digest, the bytes must hash to it.
    func manifest(_ reference: String, in repository: String) async throws -> (data: Data, digest: Digest)? {
        let response = try await send(
            "GET", "\(repository)/manifests/\(reference)", headers: ["Accept": Self.manifestAccept],
            scopes: [Self.pullScope(repository)])
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw refusal("read manifest \(reference) of \(repository)", response) }
        let digest = Digest.sha256(response.body)
        if let expected = Digest(parsing: reference), expected != digest {
            throw RegistryError.digestMismatch(
                "\(registry)/\(repository) answered \(reference) with a manifest whose digest is \(digest): refusing it"
            )
        }
        return (response.body, digest)
    }

    /// Stores a manifest under a tag or its digest. Returns whether the registry processed its `subject`
    /// (the `OCI-Subject` header of registries with the referrers API).
    @discardableResult
    func putManifest(_ data: Data, mediaType: String, reference: String, in repository: String) async throws -> Bool {
        let response = try await send(
            "PUT", "\(repository)/manifests/\(reference)", headers: ["Content-Type": mediaType], body: data,
            scopes: [Self.pushScope(repository)])
        guard response.status == 201 else { throw refusal("store manifest \(reference) in \(repository)", response) }
        if let echoed = response.header("Docker-Content-Digest"), echoed != Digest.sha256(data).description {
            throw RegistryError.digestMismatch(
                "\(registry)/\(repository) stored manifest \(reference) as \(echoed), not \(Digest.sha256(data))")
        }
        return response.header("OCI-Subject") != nil
    }

    /// The referrers of `digest`: from the referrers API, or from the `sha256-<hex>` tag where the
    /// registry has no such API (the distribution spec's fallback).
    func referrers(of digest: Digest, in repository: String) async throws -> (descriptors: [Descriptor], viaAPI: Bool) {
        let response = try await send(
            "GET", "\(repository)/referrers/\(digest)", headers: ["Accept": MediaType.index],
            scopes: [Self.pullScope(repository)])
        if response.status == 200, response.header("Content-Type")?.hasPrefix(MediaType.index) == true {
            return (try Self.decodeIndex(response.body, what: "the referrers of \(digest)").manifests, true)
        }
        guard let fallback = try await manifest(Self.fallbackTag(digest), in: repository) else { return ([], false) }
        return (try Self.decodeIndex(fallback.data, what: "tag \(Self.fallbackTag(digest))").manifests, false)
    }

    /// Adds `descriptor` to the fallback index tag of `subject` (read, add, write back).
    func addToFallbackIndex(_ descriptor: Descriptor, subject: Digest, in repository: String) async throws {
        var index = ImageIndex(manifests: [])
        if let existing = try await manifest(Self.fallbackTag(subject), in: repository) {
            index = try Self.decodeIndex(existing.data, what: "tag \(Self.fallbackTag(subject))")
        }
        guard !index.manifests.contains(where: { $0.digest == descriptor.digest }) else { return }
        index.manifests.append(descriptor)
        try await putManifest(
            try CanonicalJSON.encode(index), mediaType: MediaType.index, reference: Self.fallbackTag(subject),
            in: repository)
    }

    static func fallbackTag(_ digest: Digest) -> String { "sha256-" + digest.hex }

    static func decodeIndex(_ data: Data, what: String) throws -> ImageIndex {
        do {
            return try JSONDecoder().decode(ImageIndex.self, from: data)
        } catch {
            throw RegistryError.malformed("\(what) is not a valid OCI image index: \(error)")
        }
    }
}
