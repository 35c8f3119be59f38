import GantryCore

/// How a user names an artifact: `APP@sha256:…`, `APP:TAG`, `APP` (= `APP:latest`) or `sha256:…`.
public enum ArtifactReference: Hashable, Sendable, CustomStringConvertible {
    case digest(app: String?, Digest)
    case tag(app: String, tag: String)

    /// Parses and validates a reference.
    public init(parsing text: String) throws {
        if let at = text.firstIndex(of: "@") {
            let app = String(text[..<at])
            try ArtifactReference.validate(app: app, in: text)
            guard let digest = Digest(parsing: String(text[text.index(after: at)...])) else {
                throw ArtifactError.invalidReference(text, reason: "expected APP@sha256:<64 hex digits>")
            }
            self = .digest(app: app, digest)
        } else if text.hasPrefix("sha256:") {
            guard let digest = Digest(parsing: text) else {
                throw ArtifactError.invalidReference(text, reason: "expected sha256:<64 lowercase hex digits>")
            }
            self = .digest(app: nil, digest)
        } else if let colon = text.firstIndex(of: ":") {
            let app = String(text[..<colon])
            let tag = String(text[text.index(after: colon)...])
            try ArtifactReference.validate(app: app, in: text)
            try ArtifactReference.validate(tag: tag, in: text)
            self = .tag(app: app, tag: tag)
        } else {
            try ArtifactReference.validate(app: text, in: text)
            self = .tag(app: text, tag: "latest")
        }
    }

    public var description: String {
        switch self {
        case .digest(let app, let digest): app.map { "\($0)@\(digest)" } ?? digest.description
        case .tag(let app, let tag): "\(app):\(tag)"
        }
    }

    /// Application names: lowercase letters, digits, `.`, `_`, `-`, starting with a letter or digit
    /// (the OCI repository name rules, one path component), at most 128 characters.
    public static func validate(app: String, in reference: String? = nil) throws {
        let ok =
            !app.isEmpty && app.utf8.count <= 128
            && app.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
            }
            && app.unicodeScalars.first.map { ("a"..."z").contains($0) || ("0"..."9").contains($0) } == true
        if !ok {
            throw ArtifactError.invalidReference(
                reference ?? app,
                reason:
                    "application name '\(app)' must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        }
    }

    /// Tags: the OCI tag grammar `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
    public static func validate(tag: String, in reference: String? = nil) throws {
        let allowed = { (s: Unicode.Scalar) in
            ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
                || "._-".unicodeScalars.contains(s)
        }
        let ok =
            !tag.isEmpty && tag.utf8.count <= 128 && tag.unicodeScalars.allSatisfy(allowed)
            && tag.unicodeScalars.first.map { $0 != "." && $0 != "-" } == true
        if !ok {
            throw ArtifactError.invalidReference(
                reference ?? tag,
                reason: "tag '\(tag)' must be letters, digits, '.', '_' or '-' (not first), at most 128 characters")
        }
    }
}
