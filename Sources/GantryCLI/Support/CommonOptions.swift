import ArgumentParser
import Composition
import Foundation
import Store

/// The pipeline file, shared by commands that read one: `gantry.yml`, or a GitHub Actions workflow
/// (`.github/workflows/*.yml`), given as `FILE` or `--file FILE`.
struct PipelineFileOption: ParsableArguments {
    @Argument(help: ArgumentHelp("The pipeline file (gantry.yml, or a GitHub Actions workflow).", valueName: "file"))
    var path: String?

    @Option(name: [.customShort("f"), .customLong("file")], help: "The pipeline file (the same as FILE).")
    var option: String?

    /// FILE, else --file, else gantry.yml.
    var file: String { path ?? option ?? "gantry.yml" }

    func validate() throws {
        if path != nil, option != nil { throw ValidationError("give the pipeline file once: FILE or --file FILE") }
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

    /// The state database for a command that records something (created on first use). Runs whose
    /// process died are closed as `abandoned` on the way.
    static func openState() throws -> StateStore { try services.state() }

    /// The state database for a read-only command: never creates `.gantry/`; exit 2 when there is none.
    static func openExistingState() throws -> StateStore { try services.existingState() }
}
