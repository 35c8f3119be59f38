import ArgumentParser
import Foundation
import GantryCore
import Pipeline

/// `gantry convert`: a GitHub Actions workflow or a GitLab CI file as the equivalent gantry.yml.
struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract:
            "Write a GitHub Actions workflow or a GitLab CI file as the equivalent gantry.yml, with a comment at each construct not translated.",
        discussion: """
            The file must be valid (gantry validate), and the result is checked to validate before it is written. \
            A workflow keeps GitHub's contexts, runner files and workflow commands with `dialect: github`, lists \
            each job's secrets, and inlines local actions and reusable workflows. A GitLab CI file has its \
            includes, extends, !reference and defaults resolved, and keeps its stages and each job's rules, \
            only/except and when with `dialect: gitlab`, decided for each run as GitLab decides them for each \
            pipeline. Constructs that were not translated are also listed on standard error.
            """)

    @Argument(help: ArgumentHelp("The workflow or GitLab CI file to convert.", valueName: "file"))
    var file: String

    @Option(
        name: [.customShort("o"), .customLong("output")], help: "Write the gantry.yml here (default: standard output).")
    var output: String?

    @Flag(help: "Overwrite --output when it exists.")
    var force = false

    func run() async throws {
        let text = try SmallTextFile.read(file, label: file).get()
        let conversion = try PipelineConverter.convert(text: text, file: file)
        for note in conversion.notTranslated { Terminal.printError("warning: not translated: \(note)") }
        guard let output else {
            // The file itself, as `cat` would print it (meant for a redirection).
            Terminal.write(1, Data(conversion.text.utf8))
            return
        }
        if FileManager.default.fileExists(atPath: output), !force {
            throw InputError("\(output) exists: pass --force to overwrite it")
        }
        do {
            try Data(conversion.text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw InputError("\(output): cannot be written: \(FileErrorText.describe(error))")
        }
        Terminal.printOut("wrote \(output)")
    }
}
