public import GantryCore

/// A file of another GitLab project a CI file includes (`include: {project, ref, file}`). Pipeline
/// reads no git: the engine fetches what a parse asked for from a local mirror of the project
/// (`GANTRY_GITLAB_PROJECTS`) and parses again with the files given.
public struct GitLabProjectFile: Sendable, Hashable {
    /// The project's path (`my-group/ci-templates`).
    public var project: String
    /// The branch, tag or commit (nil: the project's default branch).
    public var ref: String?
    /// The file's path in the project, without a leading `/`.
    public var file: String

    public init(project: String, ref: String?, file: String) {
        self.project = project
        self.ref = ref
        self.file = file
    }

    /// How diagnostics name the file: `my-group/ci-templates@v2/templates/python.yml`.
    public var label: String { "\(project)@\(ref ?? "HEAD")/\(file)" }
}

/// A project file an include asked for and the parse did not have, with where the include is.
public struct GitLabProjectRequest: Sendable, Hashable {
    public var file: GitLabProjectFile
    public var location: SourceLocation

    public init(file: GitLabProjectFile, location: SourceLocation) {
        self.file = file
        self.location = location
    }
}
