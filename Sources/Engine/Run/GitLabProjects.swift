import Foundation
import GantryCore
import Pipeline

/// Files of other GitLab projects a CI file includes (`include: {project, ref, file}`), read from
/// local mirrors: the folder `GANTRY_GITLAB_PROJECTS` names holds each project at its path
/// (`<folder>/my-group/ci-templates`, or with `.git`), a clone or a bare mirror
/// (`git clone --mirror https://gitlab.example.com/my-group/ci-templates.git`).
struct GitLabProjects {
    let mirrors: URL

    /// The texts of `requests`; a file that cannot be read is an error at its include.
    func fetch(_ requests: [GitLabProjectRequest]) async throws(DiagnosticsError) -> [GitLabProjectFile: String] {
        var texts: [GitLabProjectFile: String] = [:]
        var problems: [Diagnostic] = []
        for request in requests where texts[request.file] == nil {
            do {
                texts[request.file] = try await fetch(request.file)
            } catch let problem as GitFileReader.Problem {
                problems.append(Diagnostic(request.location, .error, problem.message))
            } catch {
                problems.append(Diagnostic(request.location, .error, "\(request.file.label) cannot be read: \(error)"))
            }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return texts
    }

    private func fetch(_ file: GitLabProjectFile) async throws -> String {
        let what = "the project '\(file.project)'"
        let parts = file.project.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw GitFileReader.Problem(message: "\(what): not a project path such as my-group/ci-templates")
        }
        let candidates = [
            mirrors.appendingPathComponent(file.project), mirrors.appendingPathComponent(file.project + ".git"),
        ]
        guard
            let repository = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }),
            await GitFileReader.isRepository(repository)
        else {
            throw GitFileReader.Problem(
                message: "\(what) has no mirror in \(mirrors.path) (GANTRY_GITLAB_PROJECTS): clone it there as "
                    + "\(file.project) (git clone --mirror URL \(file.project).git)")
        }
        let revision = file.ref ?? "HEAD"
        let commit = try await GitFileReader.commit(revision, in: repository, what: what)
        return try await GitFileReader.text(of: file.file, at: commit, in: repository, what: what, revision: revision)
    }
}
