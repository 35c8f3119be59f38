import Artifacts
import Foundation
import GantryCore

/// Makes and attaches the attestations of a freshly packed artifact: a CycloneDX SBOM and a SLSA v1
/// provenance that records the SBOM's digest (the **SBOM seal**), each signed as a DSSE envelope and
/// stored as an OCI referrer of the artifact.
public struct Attestor: Sendable {
    /// Artifact types of the attached documents.
    public static let provenanceType = "application/vnd.gantry.provenance.v1+dsse"
    public static let sbomType = "application/vnd.gantry.sbom.v1+dsse"

    public let store: ArtifactStore
    public let key: SigningKey

    public init(store: ArtifactStore, key: SigningKey) {
        self.store = store
        self.key = key
    }

    /// What `attest` attached.
    public struct Result: Sendable {
        public var sbomDigest: Digest
        public var components: Int
        public var provenance: Digest
        public var sbom: Digest
    }

    /// Builds, signs and attaches the SBOM (from the lockfiles in `directory`) and the provenance.
    public func attest(
        _ packed: PackedArtifact, directory: URL, context: BuildContext, timestamp: Int64
    ) throws -> Result {
        let artifact = try store.resolve(.digest(app: packed.app, packed.digest))
        let bom = try SBOMGenerator(appName: packed.app, timestamp: timestamp).bom(for: directory)
        let sbomDigest = try bom.digest()
        let subject = [StatementSubject(name: packed.app, digest: ["sha256": packed.digest.hex])]

        let sbomStatement = Statement(
            subject: subject, predicateType: CycloneDXBOM.predicateType,
            predicate: bom)
        let sbomEnvelope = try DSSEEnvelope.sign(
            try sbomStatement.canonicalData(), type: DSSEEnvelope.inTotoPayloadType, with: key)

        let provenance = SLSAProvenance(
            buildDefinition: .init(
                buildType: SLSAProvenance.buildType,
                externalParameters: externalParameters(context),
                internalParameters: Self.treeParameters(context),
                resolvedDependencies: try dependencies(context, directory: directory, components: bom.components)),
            runDetails: .init(
                builder: .init(id: "https://gantry.dev/builder/local", version: ["gantry": AttestationVersion.gantry]),
                metadata: .init(
                    invocationId: context.invocationID,
                    startedOn: Timestamp.rfc3339Seconds(Int64(context.startedOn.timeIntervalSince1970)),
                    finishedOn: Timestamp.rfc3339Seconds(Int64(context.finishedOn.timeIntervalSince1970))),
                byproducts: [
                    ResourceDescriptor(
                        name: "sbom.cdx.json", digest: ["sha256": sbomDigest.hex], mediaType: CycloneDXBOM.mediaType)
                ]))
        let provenanceStatement = Statement(
            subject: subject, predicateType: SLSAProvenance.predicateType, predicate: provenance)
        let provenanceEnvelope = try DSSEEnvelope.sign(
            try provenanceStatement.canonicalData(), type: DSSEEnvelope.inTotoPayloadType, with: key)

        let sbomReferrer = try store.attach(
            try CanonicalJSON.encode(sbomEnvelope), mediaType: DSSEEnvelope.mediaType, artifactType: Self.sbomType,
            to: artifact)
        let provenanceReferrer = try store.attach(
            try CanonicalJSON.encode(provenanceEnvelope), mediaType: DSSEEnvelope.mediaType,
            artifactType: Self.provenanceType,
            to: artifact)
        return Result(
            sbomDigest: sbomDigest, components: bom.components.count, provenance: provenanceReferrer, sbom: sbomReferrer
        )
    }

    /// Signs an in-toto statement about `artifact` with `predicate` and attaches it as a referrer of
    /// `artifactType`. Returns the referrer's digest.
    @discardableResult
    public func attach<P: Codable & Sendable & Hashable>(
        _ predicate: P, predicateType: String, artifactType: String, to artifact: StoredArtifact
    ) throws -> Digest {
        let statement = Statement(
            subject: [StatementSubject(name: artifact.app, digest: ["sha256": artifact.digest.hex])],
            predicateType: predicateType, predicate: predicate)
        let envelope = try DSSEEnvelope.sign(
            try statement.canonicalData(), type: DSSEEnvelope.inTotoPayloadType, with: key)
        return try store.attach(
            try CanonicalJSON.encode(envelope), mediaType: DSSEEnvelope.mediaType, artifactType: artifactType,
            to: artifact)
    }

    /// Attaches an unsigned in-toto statement (when no signing key is configured).
    @discardableResult
    public static func attachUnsigned<P: Codable & Sendable & Hashable>(
        _ predicate: P, predicateType: String, artifactType: String, to artifact: StoredArtifact,
        in store: ArtifactStore
    ) throws -> Digest {
        let statement = Statement(
            subject: [StatementSubject(name: artifact.app, digest: ["sha256": artifact.digest.hex])],
            predicateType: predicateType, predicate: predicate)
        return try store.attach(
            try statement.canonicalData(), mediaType: "application/vnd.in-toto+json", artifactType: artifactType,
            to: artifact)
    }

    /// Whether the working tree was clean, and its uncommitted changes (at most 50 named): an artifact
    /// built from a dirty tree is not what its commit says.
    static func treeParameters(_ context: BuildContext) -> [String: String] {
        guard let changes = context.uncommittedChanges else { return [:] }
        guard !changes.isEmpty else { return ["treeState": "clean"] }
        var listed = Array(changes.prefix(50))
        if changes.count > 50 { listed.append("… and \(changes.count - 50) more") }
        return [
            "treeState": "dirty", "uncommittedChanges": listed.joined(separator: "\n"),
            "uncommittedCount": "\(changes.count)",
        ]
    }

    private func externalParameters(_ context: BuildContext) -> [String: String] {
        var parameters = ["app": context.app, "tag": context.tag]
        if let file = context.pipelineFile { parameters["pipeline"] = file }
        if let job = context.job { parameters["job"] = job }
        return parameters
    }

    /// The commit, the pipeline file, every lockfile and every digest-pinned base image of a Dockerfile.
    private func dependencies(_ context: BuildContext, directory: URL, components: [CycloneDXBOM.Entry]) throws
        -> [ResourceDescriptor]
    {
        var result: [ResourceDescriptor] = []
        if let commit = context.commit {
            result.append(
                ResourceDescriptor(
                    uri: "git+file:\(context.branch.map { "@refs/heads/\($0)" } ?? "")", digest: ["gitCommit": commit]))
        }
        if let file = context.pipelineFile, let digest = context.pipelineDigest {
            result.append(ResourceDescriptor(name: file, digest: ["sha256": digest.hex]))
        }
        let lockfiles = Set(components.flatMap { $0.properties.filter { $0.name == "gantry:lockfile" }.map(\.value) })
        for lockfile in lockfiles.sorted() {
            let digest = try Digest.sha256(fileAt: directory.appendingPathComponent(lockfile))
            result.append(ResourceDescriptor(name: lockfile, digest: ["sha256": digest.hex]))
        }
        result += BaseImages.pinned(under: directory)
        return result
    }
}

/// Base images pinned by digest in Dockerfiles (`FROM image@sha256:…`).
enum BaseImages {
    static func pinned(under root: URL) -> [ResourceDescriptor] {
        var result: [ResourceDescriptor] = []
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return [] }
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            guard name == "Dockerfile" || name == "Containerfile" || name.hasSuffix(".Dockerfile") else { continue }
            guard let text = try? String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8) else {
                continue
            }
            for line in text.components(separatedBy: "\n") {
                let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ").map(String.init)
                guard words.first?.uppercased() == "FROM" else { continue }
                guard let image = words.dropFirst().first(where: { !$0.hasPrefix("--") }),
                    let at = image.range(of: "@sha256:")
                else { continue }
                let hex = String(image[at.upperBound...])
                guard Digest(parsing: "sha256:" + hex) != nil else { continue }
                result.append(
                    ResourceDescriptor(
                        name: relative, uri: "docker://" + image[..<at.lowerBound], digest: ["sha256": hex]))
            }
        }
        return result
    }
}
