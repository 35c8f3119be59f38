public import Foundation
import GantryCore

/// The SLSA Provenance v1 predicate Gantry writes when it packs an artifact.
public struct SLSAProvenance: Codable, Sendable, Hashable {
    public struct BuildDefinition: Codable, Sendable, Hashable {
        public var buildType: String
        public var externalParameters: [String: String]
        public var internalParameters: [String: String]
        public var resolvedDependencies: [ResourceDescriptor]
    }

    public struct RunDetails: Codable, Sendable, Hashable {
        public struct Builder: Codable, Sendable, Hashable {
            public var id: String
            public var version: [String: String]
        }
        public struct Metadata: Codable, Sendable, Hashable {
            public var invocationId: String
            public var startedOn: String
            public var finishedOn: String
        }
        public var builder: Builder
        public var metadata: Metadata
        /// The SBOM made at pack time: its digest here is the **SBOM seal**.
        public var byproducts: [ResourceDescriptor]
    }

    public static let predicateType = "https://slsa.dev/provenance/v1"
    public static let buildType = "https://gantry.dev/build/pack/v1"

    public var buildDefinition: BuildDefinition
    public var runDetails: RunDetails

    /// The sealed SBOM digest (hex), if the provenance carries one.
    /// The git commit the artifact was built from, when the build recorded one.
    public var commit: String? {
        buildDefinition.resolvedDependencies.lazy.compactMap { $0.digest?["gitCommit"] }.first
    }

    /// The branch the build recorded (`refs/heads/<branch>` or `refs/pull/…`), when it recorded one.
    public var gitReference: String? {
        for dependency in buildDefinition.resolvedDependencies {
            guard let uri = dependency.uri, let at = uri.range(of: "@refs/") else { continue }
            return String(uri[uri.index(after: at.lowerBound)...])
        }
        return nil
    }

    /// `clean` or `dirty` when the build recorded its working tree's state, nil otherwise.
    public var treeState: String? { buildDefinition.internalParameters["treeState"] }

    /// The uncommitted changes the build recorded (the first 50), one per line.
    public var uncommittedChanges: [String] {
        buildDefinition.internalParameters["uncommittedChanges"]?.split(separator: "\n").map(String.init) ?? []
    }

    /// When the build finished, as it recorded it.
    public var finishedOn: Date? { Timestamp.parse(runDetails.metadata.finishedOn) }

    public var sealedSBOMDigest: String? {
        runDetails.byproducts.first { $0.mediaType == CycloneDXBOM.mediaType }?.digest?["sha256"]
    }
}

/// Where and how an artifact was built, for its provenance.
public struct BuildContext: Sendable {
    public var app: String
    public var tag: String
    /// The run's correlation id (or a fresh id for a CLI pack).
    public var invocationID: String
    public var startedOn: Date
    public var finishedOn: Date
    public var pipelineFile: String?
    public var pipelineDigest: Digest?
    public var job: String?
    public var commit: String?
    public var branch: String?
    /// Uncommitted changes of the working tree the build ran in; empty when clean, nil when unknown
    /// (not a git checkout).
    public var uncommittedChanges: [String]?

    public init(app: String, tag: String, invocationID: String, startedOn: Date, finishedOn: Date) {
        self.app = app
        self.tag = tag
        self.invocationID = invocationID
        self.startedOn = startedOn
        self.finishedOn = finishedOn
    }
}
