extension ServerConfiguration {
    /// The project `name` names (404 when there is none), or without a name the server's only project
    /// (`ambiguous` when it has several: the message says how to name one).
    func resolveProject(_ name: String?, ambiguous: (Int) -> APIError) throws(APIError) -> ProjectConfiguration {
        if let name {
            guard let project = project(name) else { throw APIError.notFound("no project '\(name)'") }
            return project
        }
        guard projects.count == 1, let only = projects.first else { throw ambiguous(projects.count) }
        return only
    }
}
