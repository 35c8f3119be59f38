import Foundation
import GantryCore
import Pipeline

/// Reads the templates a `gantry.yml` includes, with the real `git`: a local git repository (a path,
/// or a `file://` URL; a network URL is refused with how to mirror it) at a tag or a full commit, or a
/// file of the pipeline's own repository. Git runs with hooks and the fsmonitor turned off: a
/// template repository is data, never code.
public struct GitTemplates: TemplateSource {
    public let requirePinned: Bool

    /// - Parameter requirePinned: refuse templates that are not pinned (`CI=true`).
    public init(requirePinned: Bool) { self.requirePinned = requirePinned }

    /// Why one reference cannot be read.
    struct Problem: Error {
        let message: String
    }

    public func resolve(_ references: [TemplateReference], workspace: URL) async throws(DiagnosticsError)
        -> [ResolvedTemplate]
    {
        var resolved: [ResolvedTemplate] = []
        var problems: [Diagnostic] = []
        for reference in references {
            do {
                resolved.append(try await resolve(reference, workspace: workspace))
            } catch let problem as Problem {
                problems.append(Diagnostic(reference.location, .error, problem.message))
            } catch {
                problems.append(
                    Diagnostic(
                        reference.location, .error, "the template '\(reference.source)' cannot be read: \(error)"))
            }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return resolved
    }

    /// One reference (a `Problem` says why it cannot be read).
    func resolve(_ reference: TemplateReference, workspace: URL) async throws -> ResolvedTemplate {
        var source = reference.source
        if ["https://", "http://", "ssh://", "git://", "git@"].contains(where: source.hasPrefix) {
            throw Problem(
                message: "the template '\(source)' is remote: Gantry reads templates from local git repositories "
                    + "(mirror it with git clone --mirror and name the mirror's path)")
        }
        if source.hasPrefix("file://") { source = String(source.dropFirst("file://".count)) }
        let url = source.hasPrefix("/") ? URL(fileURLWithPath: source) : workspace.appendingPathComponent(source)
        let real = url.resolvingSymlinksInPath().standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real.path, isDirectory: &isDirectory) else {
            throw Problem(
                message: "the template '\(reference.source)' does not exist (name a file of the repository or a "
                    + "local git repository)")
        }
        if !isDirectory.boolValue { return try fileTemplate(reference, at: real, workspace: workspace) }
        return try await repositoryTemplate(reference, at: real)
    }

    /// A file of the pipeline's repository: versioned with it, so pinned by it.
    private func fileTemplate(_ reference: TemplateReference, at real: URL, workspace: URL) throws -> ResolvedTemplate {
        guard reference.version == nil, reference.file == nil else {
            throw Problem(
                message: "the template '\(reference.source)' is a file, versioned with this repository: version: "
                    + "and file: apply to a template repository")
        }
        let root = workspace.resolvingSymlinksInPath().standardizedFileURL.path
        guard real.path.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw Problem(
                message: "the template '\(reference.source)' is a file outside the repository: a shared template "
                    + "must come from a git repository, pinned with version:")
        }
        let label = String(real.path.dropFirst(root.count).drop { $0 == "/" })
        let text: String
        switch RepositoryFile.read(label, under: workspace, what: "the template '\(reference.source)'") {
        case .success(let read): text = read
        case .failure(let problem): throw Problem(message: problem.message)
        }
        return ResolvedTemplate(
            use: TemplateUse(reference: reference, pin: .file, commit: nil, resolvedPath: real.path, label: label),
            text: text)
    }

    /// A file of a template repository at the version the reference names.
    private func repositoryTemplate(_ reference: TemplateReference, at repository: URL) async throws
        -> ResolvedTemplate
    {
        let what = "the template '\(reference.source)'"
        guard await GitFileReader.isRepository(repository) else {
            throw Problem(message: "\(what) is a directory but not a git repository")
        }
        let file = reference.file ?? TemplateReference.defaultFile
        let version = reference.version ?? "HEAD"
        let commit: String
        let text: String
        do {
            commit = try await GitFileReader.commit(version, in: repository, what: what)
            text = try await GitFileReader.text(of: file, at: commit, in: repository, what: what, revision: version)
        } catch let problem as GitFileReader.Problem {
            throw Problem(message: problem.message)
        }
        let pin: TemplateUse.Pin
        var reason: String?
        if reference.version == nil {
            pin = .floating
            reason = "it has no version: (it follows the repository's HEAD)"
        } else if version.lowercased() == commit {
            pin = .commit
        } else if (try? await GitFileReader.git(
            ["show-ref", "--verify", "--quiet", "refs/tags/\(version)"], in: repository))
            != nil
        {
            pin = .tag
        } else if version.allSatisfy(\.isHexDigit) {
            pin = .floating
            reason = "'\(version)' is an abbreviated commit (give all of it)"
        } else {
            pin = .floating
            reason = "'\(version)' is a branch"
        }
        var name = repository.lastPathComponent
        if name.hasSuffix(".git") { name.removeLast(4) }
        return ResolvedTemplate(
            use: TemplateUse(
                reference: reference, pin: pin, commit: commit, resolvedPath: repository.path,
                label: "\(name)@\(version)/\(file)", floatingReason: reason),
            text: text)
    }
}
