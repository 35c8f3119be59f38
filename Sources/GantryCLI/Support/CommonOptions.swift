import ArgumentParser
import Composition
import Foundation
import GantryCore
import Pipeline
import Store

/// The pipeline file, shared by commands that read one: `gantry.yml`, or a GitHub Actions workflow
/// (`.github/workflows/*.yml`), given as `FILE` or `--file FILE`.
struct PipelineFileOption: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "The pipeline file (gantry.yml, a GitHub Actions workflow or a .gitlab-ci.yml).", valueName: "file"))
    var path: String?

    @Option(name: [.customShort("f"), .customLong("file")], help: "The pipeline file (the same as FILE).")
    var option: String?

    @Option(
        help: ArgumentHelp(
            "Without FILE: the workflow of .github/workflows to use, by file name or by its name:.",
            valueName: "name"))
    var workflow: String?

    @Option(
        name: .customLong("var"),
        help: ArgumentHelp(
            "A pipeline variable for a GitLab CI file, over its own (its rules and jobs see it). Repeatable.",
            valueName: "name=value"))
    var variableAssignments: [String] = []

    @Option(
        name: .customLong("var-file"),
        help: ArgumentHelp(
            "Pipeline variables from a file of NAME=VALUE lines (# comments), under --var. Repeatable.",
            valueName: "file"))
    var variableFiles: [String] = []

    @Option(
        name: .customLong("event"),
        help: ArgumentHelp(
            "For gantry run of a GitHub workflow: the event the run stands for (github.event_name), e.g. pull_request.",
            valueName: "name"))
    var event: String?

    @Option(
        name: .customLong("event-file"),
        help: ArgumentHelp(
            "For gantry run of a GitHub workflow: the event's payload as JSON (github.event), e.g. a pull_request webhook body.",
            valueName: "file"))
    var eventFile: String?

    /// `--var-file` then `--var`, as a dictionary (a GitLab CI file's variables, a workflow's `vars`).
    func variables() throws -> [String: String] {
        var variables: [String: String] = [:]
        for file in variableFiles {
            let text = try Self.readSmall(file, option: "--var-file")
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
                guard let equals = trimmed.firstIndex(of: "="), EnvVar.isValidName(String(trimmed[..<equals])) else {
                    throw ValidationError("--var-file \(file):\(number + 1): expected NAME=VALUE")
                }
                variables[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
            }
        }
        for assignment in variableAssignments {
            guard let equals = assignment.firstIndex(of: "="),
                EnvVar.isValidName(String(assignment[..<equals]))
            else {
                throw ValidationError(
                    "--var \(assignment): expected NAME=VALUE with a variable name (letters, digits, _)")
            }
            variables[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return variables
    }

    /// `--event-file` as an expression value (a JSON object, at most 1 MiB and 64 levels deep).
    func eventPayload() throws -> ExpressionValue? {
        guard let eventFile else { return nil }
        let text = try Self.readSmall(eventFile, option: "--event-file")
        let payload: JSONValue
        do {
            payload = try JSONValue.parse(Array(text.utf8), maxDepth: 64)
        } catch {
            throw ValidationError("--event-file \(eventFile): \(error)")
        }
        guard case .object = payload else { throw ValidationError("--event-file \(eventFile): not a JSON object") }
        return ExpressionValue(json: payload)
    }

    /// A small text file an option names (at most 1 MiB, UTF-8).
    static func readSmall(_ path: String, option: String) throws -> String {
        try SmallTextFile.read(path, label: "\(option) \(path)").mapError { ValidationError($0.message) }.get()
    }

    /// FILE, else --file, else gantry.yml (what `resolved()` checks and completes).
    var file: String { path ?? option ?? "gantry.yml" }

    func validate() throws {
        if path != nil, option != nil { throw ValidationError("give the pipeline file once: FILE or --file FILE") }
        if workflow != nil, path != nil || option != nil {
            throw ValidationError("--workflow picks a file of .github/workflows: leave out FILE")
        }
    }

    /// The file to read: FILE or --file; else `gantry.yml` when it exists; else, in a repository that
    /// has only GitHub workflows, the one `--workflow` names (listing them when none or an unknown one
    /// is named).
    func resolved(in directory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws
        -> String
    {
        if let chosen = path ?? option { return chosen }
        if workflow == nil, FileManager.default.fileExists(atPath: directory.appendingPathComponent("gantry.yml").path)
        {
            return "gantry.yml"
        }
        if workflow == nil,
            FileManager.default.fileExists(atPath: directory.appendingPathComponent(".gitlab-ci.yml").path)
        {
            return ".gitlab-ci.yml"
        }
        let workflows = WorkflowFiles.list(in: directory)
        guard !workflows.isEmpty else {
            if workflow != nil { throw InputError("there is no .github/workflows directory with workflows here") }
            return "gantry.yml"
        }
        let listing = workflows.map { "\($0.file)\($0.name.map { " (\($0))" } ?? "")" }.joined(separator: ", ")
        guard let workflow else {
            throw InputError(
                "no gantry.yml here; the repository has workflows: \(listing). Name one: "
                    + "gantry run .github/workflows/\(workflows[0].file), or --workflow \(workflows[0].stem)")
        }
        let matches = workflows.filter { $0.file == workflow || $0.stem == workflow || $0.name == workflow }
        guard let match = matches.first else {
            throw InputError(
                "no workflow '\(workflow)' in .github/workflows\(Suggestion.hint(for: workflow, in: workflows.map(\.stem))) (there are: \(listing))"
            )
        }
        return ".github/workflows/\(match.file)"
    }
}

/// The workflows of a repository's `.github/workflows`, with their `name:`.
enum WorkflowFiles {
    struct Entry {
        var file: String
        var name: String?
        var stem: String { (file as NSString).deletingPathExtension }
    }

    static func list(in directory: URL) -> [Entry] {
        let folder = directory.appendingPathComponent(".github/workflows")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted().map { file in
            Entry(file: file, name: name(of: folder.appendingPathComponent(file)))
        }
    }

    /// The top-level `name:` of a workflow, read without parsing the whole file.
    private static func name(of url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        let text = String(decoding: (try? handle.read(upToCount: 64 * 1024)) ?? Data(), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("name:") {
            let value = line.dropFirst("name:".count).trimmingCharacters(in: .whitespaces)
            return value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return nil
    }
}

/// This process's composition root and where it keeps state: `GANTRY_HOME`, else `.gantry/` in the
/// current directory; the vulnerability database in `GANTRY_VULNDB` when set. Commands take their
/// stores, keys and actions from `services`, built once.
enum StateLocation {
    static let services = GantryServices(
        .from(
            environment: ProcessInfo.processInfo.environment,
            currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)))

    static var directory: URL { services.configuration.stateDirectory }

    /// The services of `gantry serve --data DIR` and `gantry tokens --data DIR`: `DIR` as the state
    /// directory, or the usual location without one.
    static func services(data: String?) -> GantryServices {
        guard let data, !data.isEmpty else { return services }
        let configuration = services.configuration
        return GantryServices(
            .init(
                stateDirectory: URL(fileURLWithPath: data).standardizedFileURL,
                vulnerabilityDatabase: configuration.vulnerabilityDatabase == configuration.stateDirectory
                    ? nil : configuration.vulnerabilityDatabase,
                environment: configuration.environment))
    }

    /// The state, for a command that records something (created on first use). Runs whose process
    /// died are closed as `abandoned` on the way.
    static func repositories() throws -> SQLiteRepositories { try services.repositories() }

    /// The state, for a read-only command: never creates `.gantry/`; exit 2 when there is none.
    static func existingRepositories() throws -> SQLiteRepositories { try services.existingRepositories() }
}
