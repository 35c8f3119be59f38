import Foundation
import GantryCore
import Yams

/// What the Gantry environments of a repository decide for the jobs that deploy to one
/// (`environment:` of a job — written in a `gantry.yml`, or taken from a GitHub workflow or a GitLab CI
/// file): the protection a forge gives its environments, with Gantry's settings.
///
/// - A job whose environment needs approvals cannot run in a pipeline run, which has no one to ask: it
///   is recorded as unsupported (`gantry run` refuses it, `--skip-unsupported` skips it, `gantry plan`
///   says why), and the digest reaches the environment through `gantry promote`. A job whose
///   environment is chosen by an expression is judged the same way when any environment needs approvals
///   (it cannot be known before it runs where it deploys).
/// - A secret an environment scopes (`environments.<env>.secrets`) may be read only by the jobs of that
///   environment; a job of another (or of none) reading it is an error at the place it is read.
/// - In a `gantry.yml` the environment must be declared; in a workflow or GitLab file an environment the
///   repository's `gantry.yml` does not declare is a warning when it declares others (a misspelt name
///   would otherwise lose its protection without a word), and nothing when it declares none.
struct EnvironmentProtection {
    /// The environments that protect the jobs, and the file they were declared in (for messages).
    let environments: [EnvironmentDefinition]
    let declaredIn: String
    /// Whether the jobs come from the same `gantry.yml` (an undeclared environment is then an error).
    let native: Bool

    private(set) var errors: [Diagnostic] = []
    private(set) var warnings: [Diagnostic] = []
    private(set) var unsupported: [UnsupportedConstruct] = []

    init(environments: [EnvironmentDefinition], declaredIn: String, native: Bool) {
        self.environments = environments
        self.declaredIn = declaredIn
        self.native = native
    }

    /// Judges every job of `definition`; `references` locate the expressions that read secrets.
    mutating func check(_ definition: PipelineDefinition, references: [PendingReference]) {
        let guarded = environments.filter { $0.approvals != nil }
        for job in definition.jobs {
            if let environment = job.environment { judge(job: job.id, environment: environment, guarded: guarded) }
        }
        checkSecrets(definition, references: references)
    }

    private mutating func judge(job: String, environment: JobEnvironment, guarded: [EnvironmentDefinition]) {
        if environment.isComputed {
            guard let first = guarded.first else { return }
            unsupported.append(
                UnsupportedConstruct(
                    location: environment.location, job: job, step: nil,
                    message:
                        "job '\(job)' deploys to an environment chosen when it runs (\(environment.name)), and "
                        + "\(declaredIn) protects '\(first.name)' with approvals: a run can neither tell where it "
                        + "deploys nor collect approvals — promote the digest with gantry promote (docs/promotion.md)"))
            return
        }
        if let declared = environment.declared(in: environments) {
            guard let approvals = declared.approvals else { return }
            let count = approvals.count == 1 ? "an approval" : "\(approvals.count) approvals"
            unsupported.append(
                UnsupportedConstruct(
                    location: environment.location, job: job, step: nil,
                    message:
                        "job '\(job)' deploys to environment '\(declared.name)', which needs \(count) "
                        + "(\(declared.location)): a run cannot collect them — promote the digest with gantry "
                        + "promote (docs/promotion.md)"))
            return
        }
        let hint = Suggestion.hint(for: environment.name.lowercased(), in: environments.map(\.name))
        if native {
            errors.append(
                Diagnostic(
                    environment.location, .error,
                    "job '\(job)' environment '\(environment.name)' is not declared in environments:\(hint)"))
        } else if !environments.isEmpty {
            warnings.append(
                Diagnostic(
                    environment.location, .warning,
                    "job '\(job)' deploys to environment '\(environment.name)', which \(declaredIn) does not "
                        + "declare\(hint): it runs without an environment's protection"))
        }
    }

    /// Secrets an environment scopes, read by a job of another environment.
    private mutating func checkSecrets(_ definition: PipelineDefinition, references: [PendingReference]) {
        var owners: [String: [String]] = [:]
        for environment in environments {
            for secret in environment.secrets { owners[secret, default: []].append(environment.name) }
        }
        guard !owners.isEmpty else { return }
        for job in definition.jobs {
            let own = job.environment?.declared(in: environments)?.name
            for secret in job.secrets {
                guard let scoped = owners[secret], !scoped.contains(where: { $0 == own }) else { continue }
                let location =
                    references.first { reference in
                        (reference.scope.job == job.id || reference.scope.job == nil)
                            && reference.expression.references.contains {
                                $0.root == "secrets" && $0.properties.first == secret
                            }
                    }?.location ?? job.location
                let names = scoped.map { "'\($0)'" }.joined(separator: " and ")
                errors.append(
                    Diagnostic(
                        location, .error,
                        "job '\(job.id)' reads secret \(secret), which \(declaredIn) releases only to environment "
                            + "\(names) (environments.\(scoped[0]).secrets): add 'environment: \(scoped[0])' to the "
                            + "job, or give it a secret of its own"))
            }
        }
    }
}

/// The `environments:` of the `gantry.yml` beside a GitHub workflow or a GitLab CI file: the Gantry
/// environments that protect its deployment jobs.
enum RepositoryEnvironments {
    /// The environments declared in `<workspace>/gantry.yml`, that file's path, and its problems (a
    /// broken declaration is reported rather than read as no protection). No file: none.
    static func read(workspace: URL) -> (environments: [EnvironmentDefinition], file: String, problems: [Diagnostic]) {
        let url = workspace.appendingPathComponent("gantry.yml", isDirectory: false)
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { return ([], path, []) }
        let text: String
        do {
            (text, _) = try PipelineParser.read(path)
        } catch let error as DiagnosticsError {
            return ([], path, error.diagnostics)
        } catch {
            return ([], path, [Diagnostic(SourceLocation(file: path, line: 1, column: 1), .error, "\(error)")])
        }
        // Shown as the workflow's own path is: relative to the working directory when under it.
        let shown = FileWalker.relativePath(
            of: url, to: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
        let document: YAMLDocument
        do {
            document = try YAMLDocument(file: shown, text: text)
        } catch {
            return ([], path, error.diagnostics)
        }
        guard case .mapping(let top)? = document.root, let node = top["environments"] else { return ([], path, []) }
        var parser = PipelineParser(document: document)
        let environments = parser.parseEnvironments(node)
        return (environments, path, parser.diagnostics)
    }
}
