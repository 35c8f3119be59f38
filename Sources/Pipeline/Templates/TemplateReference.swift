public import Foundation
public import GantryCore

/// One `include:` entry of a `gantry.yml`: a shared pipeline template and the version it is pinned to.
///
/// ```yaml
/// include:
///   - template: ../platform/pipeline-templates   # a local git repository (or a file:// URL)
///     file: python.yml                            # the file in it (default gantry-template.yml)
///     version: v2.3.1                             # a tag or a full commit
///   - template: ci/shared.yml                     # a file of this repository: versioned with it
/// ```
public struct TemplateReference: Sendable, Hashable, Codable {
    /// The template as written: a file of the repository, or a local git repository.
    public var source: String
    /// The file in a repository (nil: the default, `gantry-template.yml`).
    public var file: String?
    /// The tag or commit it is pinned to (nil when not given).
    public var version: String?
    /// Where the entry is.
    public var location: SourceLocation

    /// The file in a repository a reference without `file:` names.
    public static let defaultFile = "gantry-template.yml"

    public init(source: String, file: String? = nil, version: String? = nil, location: SourceLocation) {
        self.source = source
        self.file = file
        self.version = version
        self.location = location
    }

    /// Whether `other` names the same template at the same version (wherever it is written).
    public func sameTemplate(as other: TemplateReference) -> Bool {
        source == other.source && file == other.file && version == other.version
    }
}

/// A template as a pipeline uses it: what the reference resolved to (kept with the definition, shown
/// by `validate` and `plan`, compared by `plan --template`).
public struct TemplateUse: Sendable, Hashable, Codable {
    /// How firmly the version is pinned.
    public enum Pin: String, Sendable, Hashable, Codable {
        /// A file of the pipeline's own repository: versioned with it.
        case file
        /// A full commit id.
        case commit
        /// A tag (a release of the template).
        case tag
        /// A branch, an abbreviated commit or no version: the template can change under the pipeline.
        case floating
    }

    public var reference: TemplateReference
    public var pin: Pin
    /// The commit the version named (a repository template).
    public var commit: String?
    /// The repository's (or the file's) real path: how `plan --template` recognises it.
    public var resolvedPath: String
    /// How diagnostics name the template's file: `pipeline-templates@v2.3.1/python.yml`.
    public var label: String
    /// Why it floats (`'main' is a branch`), for `pin == .floating`.
    public var floatingReason: String?

    public init(
        reference: TemplateReference, pin: Pin, commit: String?, resolvedPath: String, label: String,
        floatingReason: String? = nil
    ) {
        self.reference = reference
        self.pin = pin
        self.commit = commit
        self.resolvedPath = resolvedPath
        self.label = label
        self.floatingReason = floatingReason
    }
}

/// A template's text, read at the version its reference names.
public struct ResolvedTemplate: Sendable, Hashable {
    public var use: TemplateUse
    public var text: String

    public init(use: TemplateUse, text: String) {
        self.use = use
        self.text = text
    }
}

/// Reads the templates a pipeline includes (a local git repository at a tag or commit, or a file of
/// the repository). The engine implements it with the real `git`.
public protocol TemplateSource: Sendable {
    /// Whether a template that is not pinned (a branch, no version) is an error (`CI=true`) rather
    /// than a warning.
    var requirePinned: Bool { get }
    /// The templates `references` name, in order, for the pipeline whose repository is `workspace`.
    func resolve(_ references: [TemplateReference], workspace: URL) async throws(DiagnosticsError)
        -> [ResolvedTemplate]
}
