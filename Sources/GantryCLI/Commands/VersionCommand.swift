import ArgumentParser
import Foundation

/// `gantry version`: the version, commit and build date, for people or (`--json`) machines.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print Gantry's version, the commit it was built from and when (the same as --version).")

    @Flag(help: "Print it as JSON.")
    var json = false

    func run() throws {
        guard json else {
            Terminal.printOut(BuildInfo.versionLine)
            return
        }
        #if arch(arm64)
            let architecture = "aarch64"
        #else
            let architecture = "x86_64"
        #endif
        Terminal.printOut(
            Terminal.json(
                [
                    "version": BuildInfo.version, "commit": BuildInfo.commit.map { $0 as Any } ?? NSNull(),
                    "build_date": BuildInfo.buildDate.map { $0 as Any } ?? NSNull(),
                    "development_build": BuildInfo.commit == nil, "platform": "linux-\(architecture)",
                ] as [String: Any]))
    }
}
