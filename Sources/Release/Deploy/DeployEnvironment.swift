public import Foundation
public import GantryCore

/// What a deploy command or a health-check command is told about the deployment, as `GANTRY_*`
/// environment variables.
public struct DeployEnvironment: Sendable, Hashable {
    public var app: String
    public var digest: Digest
    public var environment: String
    /// The unpacked artifact; valid while the command runs.
    public var artifactDirectory: URL
    /// What the environment ran before (empty for a first deployment).
    public var previousDigest: Digest?
    public var promotionID: String
    public var tag: String?
    public var commit: String?

    public init(
        app: String, digest: Digest, environment: String, artifactDirectory: URL, previousDigest: Digest?,
        promotionID: String, tag: String? = nil, commit: String? = nil
    ) {
        self.app = app
        self.digest = digest
        self.environment = environment
        self.artifactDirectory = artifactDirectory
        self.previousDigest = previousDigest
        self.promotionID = promotionID
        self.tag = tag
        self.commit = commit
    }

    /// The variables, named as the docs list them.
    public var variables: [String: String] {
        [
            "GANTRY_APP": app, "GANTRY_DIGEST": digest.description, "GANTRY_ENV": environment,
            "GANTRY_ARTIFACT_DIR": artifactDirectory.path, "GANTRY_PREVIOUS_DIGEST": previousDigest?.description ?? "",
            "GANTRY_PROMOTION": promotionID, "GANTRY_TAG": tag ?? "", "GANTRY_COMMIT": commit ?? "",
        ]
    }
}
