import ArgumentParser
import Composition
import Foundation
import Store

/// `--file`, shared by commands that read a pipeline.
struct PipelineFileOption: ParsableArguments {
    @Option(name: [.short, .long], help: "The pipeline file.")
    var file: String = "gantry.yml"
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
