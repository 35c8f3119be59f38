import ArgumentParser
import Engine

/// `gantry`: build once, promote the digest, roll back in one command.
struct GantryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gantry",
        abstract: "Self-hosted software delivery: pipelines, artifacts, promotion.",
        version: ToolVersions.gantry,
        subcommands: [
            ValidateCommand.self, PlanCommand.self, RunCommand.self, LogsCommand.self, RunsCommand.self,
            ArtifactCommand.self, KeysCommand.self, AuditCommand.self,
        ]
    )
}
