import ArgumentParser
import Foundation
import Store

/// `--file`, shared by commands that read a pipeline.
struct PipelineFileOption: ParsableArguments {
    @Option(name: [.short, .long], help: "The pipeline file.")
    var file: String = "gantry.yml"
}

/// Where Gantry keeps state: `GANTRY_HOME`, else `.gantry/` in the current directory.
enum StateLocation {
    static var directory: URL {
        if let home = ProcessInfo.processInfo.environment["GANTRY_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home)
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".gantry")
    }

    /// Where the vulnerability database lives: `GANTRY_VULNDB` (a state directory shared by many
    /// clones, imported once), else the state directory itself.
    static var vulnerabilityDatabase: URL {
        if let shared = ProcessInfo.processInfo.environment["GANTRY_VULNDB"], !shared.isEmpty {
            return URL(fileURLWithPath: shared)
        }
        return directory
    }

    /// The store holding the vulnerability database (the state itself unless `GANTRY_VULNDB` is set).
    static func openVulnerabilityDatabase(state: @autoclosure () throws -> StateStore) throws -> StateStore {
        vulnerabilityDatabase.standardizedFileURL == directory.standardizedFileURL
            ? try state() : try StateStore(directory: vulnerabilityDatabase)
    }

    /// The state database for a command that records something (created on first use). Runs whose
    /// process died are closed as `abandoned` on the way.
    static func openState() throws -> StateStore {
        let store = try StateStore(directory: directory)
        try store.closeAbandonedRuns()
        return store
    }

    /// The state database for a read-only command: never creates `.gantry/`; exit 2 when there is none.
    static func openExistingState() throws -> StateStore {
        let store = try StateStore(existingIn: directory)
        try store.closeAbandonedRuns()
        return store
    }
}
