import ArgumentParser
import Engine
import Foundation
import GantryCore
import Processes

/// Parses the command line, runs the command, and maps every error to Gantry's exit codes:
/// 0 success, 1 a job or check failed, 2 usage or input error, 3 infrastructure error.
public enum GantryMain {
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        signal(SIGPIPE, SIG_IGN)
        ProcessSecrecy.harden()
        do {
            var command = try GantryCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch let error as CommandExit {
            exit(error.status.rawValue)
        } catch let error as DiagnosticsError {
            Terminal.printError(error.diagnostics.map(\.description).joined(separator: "\n"))
            Terminal.printError("\(error.diagnostics.count) error\(error.diagnostics.count == 1 ? "" : "s") found")
            exit(ExitStatus.inputError.rawValue)
        } catch let error as any GantryError {
            Terminal.printError("error: \(error.description)")
            exit(error.exitStatus.rawValue)
        } catch {
            let code = GantryCommand.exitCode(for: error)
            let message = GantryCommand.fullMessage(for: error)
            if code == .success {
                print(message)
                exit(0)
            }
            Terminal.printError(message)
            // ArgumentParser reports usage errors as 64; Gantry's convention is 2.
            exit(code == .validationFailure ? ExitStatus.inputError.rawValue : code.rawValue)
        }
    }
}

/// Thrown by a command that has printed its result and only needs to set the exit status.
struct CommandExit: Error {
    let status: ExitStatus
}
