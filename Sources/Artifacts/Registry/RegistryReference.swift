public import GantryCore

/// An artifact in a registry: `HOST[:PORT]/REPOSITORY[:TAG][@sha256:…]`, as Docker and skopeo write it.
public struct RegistryReference: Sendable, Hashable, CustomStringConvertible {
    /// `host[:port]`.
    public var registry: String
    /// `team/web`: lowercase path components.
    public var repository: String
    public var tag: String?
    public var digest: Digest?

    public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Parses and validates a reference. The first path component must be a registry host (it holds a
    /// `.` or a `:`, or is `localhost`): Gantry never guesses a default registry.
    public init(parsing text: String) throws {
        var rest = Substring(text)
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            guard let parsed = Digest(parsing: String(rest[rest.index(after: at)...])) else {
                throw ArtifactError.invalidReference(text, reason: "expected @sha256:<64 lowercase hex digits>")
            }
            digest = parsed
            rest = rest[..<at]
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw ArtifactError.invalidReference(
                text, reason: "expected REGISTRY/REPOSITORY[:TAG], e.g. 127.0.0.1:5000/team/web:1.0")
        }
        let registry = String(rest[..<slash])
        guard Self.isRegistryHost(registry) else {
            throw ArtifactError.invalidReference(
                text, reason: "'\(registry)' is not a registry host (name one with a '.' or a port, or localhost)")
        }
        var path = rest[rest.index(after: slash)...]
        var tag: String?
        if let colon = path.lastIndex(of: ":") {
            tag = String(path[path.index(after: colon)...])
            path = path[..<colon]
        }
        let repository = String(path)
        guard Self.isValidRepository(repository) else {
            throw ArtifactError.invalidReference(
                text,
                reason:
                    "repository '\(repository)' must be lowercase letters and digits, separated by '.', '_', '-' or '/'"
            )
        }
        if let tag { try ArtifactReference.validate(tag: tag, in: text) }
        self.init(registry: registry, repository: repository, tag: tag, digest: digest)
    }

    /// Whether `text` names a registry (its first component is a host) rather than a local artifact.
    public static func looksRemote(_ text: String) -> Bool {
        guard let slash = text.firstIndex(of: "/") else { return false }
        return isRegistryHost(String(text[..<slash]))
    }

    static func isRegistryHost(_ host: String) -> Bool {
        guard !host.isEmpty, host.count <= 255 else { return false }
        guard ImageName.isRegistryHost(host) else { return false }
        return host.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || ".-:[]".unicodeScalars.contains($0)
        }
    }

    /// The distribution spec's repository grammar: components of `[a-z0-9]+` joined by `.`, `_`, `__`
    /// or dashes, separated by `/`.
    static func isValidRepository(_ repository: String) -> Bool {
        guard !repository.isEmpty, repository.count <= 255 else { return false }
        for component in repository.split(separator: "/", omittingEmptySubsequences: false) {
            guard let first = component.unicodeScalars.first, let last = component.unicodeScalars.last,
                Self.isAlphanumeric(first), Self.isAlphanumeric(last)
            else { return false }
            var previousSeparator: Unicode.Scalar?
            var run = 0
            for scalar in component.unicodeScalars {
                if Self.isAlphanumeric(scalar) {
                    previousSeparator = nil
                    run = 0
                    continue
                }
                guard "._-".unicodeScalars.contains(scalar) else { return false }
                run += 1
                if let previous = previousSeparator, !(previous == "_" && scalar == "_" && run == 2),
                    !(previous == "-" && scalar == "-")
                {
                    return false
                }
                previousSeparator = scalar
            }
        }
        return true
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// The tag or digest to ask the registry for (the digest wins when both are given).
    public var identifier: String { digest?.description ?? tag ?? "latest" }

    public var description: String {
        "\(registry)/\(repository)\(tag.map { ":\($0)" } ?? "")\(digest.map { "@\($0)" } ?? "")"
    }
}
