import ArgumentParser
import Engine

/// `gantry`: build once, promote the digest, roll back in one command.
struct GantryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gantry",
        abstract: "Self-hosted software delivery: pipelines, artifacts, promotion.",
        version: BuildInfo.versionLine,
        subcommands: [
            InitCommand.self, ValidateCommand.self, PlanCommand.self, RunCommand.self, LogsCommand.self,
            RunsCommand.self,
            ArtifactCommand.self, KeysCommand.self, PromoteCommand.self, ApproveCommand.self, StatusCommand.self,
            HistoryCommand.self, RollbackCommand.self, RejectCommand.self, CancelCommand.self, UsersCommand.self,
            GCCommand.self, ScanCommand.self, VulnDBCommand.self, PolicyCommand.self, AuditCommand.self,
            ServeCommand.self, ProxyCommand.self, RolloutCommand.self,
            TokensCommand.self, VersionCommand.self, ConvertCommand.self,
        ]
    )
}
