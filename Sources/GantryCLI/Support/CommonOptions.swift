import ArgumentParser
import Foundation

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
}
