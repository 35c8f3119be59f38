import GantryCore

/// A container image reference split as registries read it: `[host[:port]/]path[:tag][@digest]`.
struct ContainerImageReference: Hashable {
    /// The repository as written (without tag or digest).
    var repository: String
    var tag: String?
    var digest: String?

    init(_ text: String) {
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        let lastSlash = rest.lastIndex(of: "/")
        let nameStart = lastSlash.map { rest.index(after: $0) } ?? rest.startIndex
        if let colon = rest[nameStart...].firstIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        repository = String(rest)
    }

    /// The repository as a registry resolves it: Docker Hub names get their implicit
    /// `docker.io/` (and `library/`) prefix, so `nginx` and `docker.io/library/nginx` compare equal.
    var canonicalRepository: String {
        Self.canonical(repository)
    }

    /// `repository` with Docker Hub's implicit prefixes made explicit.
    static func canonical(_ repository: String) -> String {
        let components = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard let first = components.first else { return repository }
        let hasHost = components.count > 1 && ImageName.isRegistryHost(first)
        if hasHost {
            return first == "index.docker.io"
                ? "docker.io/" + components.dropFirst().joined(separator: "/") : repository
        }
        return components.count == 1 ? "docker.io/library/" + repository : "docker.io/" + repository
    }
}
