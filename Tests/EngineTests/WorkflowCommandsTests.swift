import Testing

@testable import Engine

/// The workflow commands a step prints, as GitHub's runner reads them.
@Suite struct WorkflowCommandsTests {
    private func read(_ commands: WorkflowCommands, _ line: String, stream: String = "stdout") -> String? {
        let action = Array(line.utf8).withUnsafeBytes { commands.read($0, stream: stream) }
        switch action {
        case .keep: return line
        case .replace(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .drop: return nil
        }
    }

    @Test func annotationsAreShownWithTheirPlaceInTheFormEditorsLink() {
        let commands = WorkflowCommands()
        #expect(
            read(commands, "::error file=src/app.py,line=12,col=5,title=Lint::unused import os")
                == "error: src/app.py:12:5: Lint: unused import os")
        #expect(read(commands, "::warning file=a b.txt,line=3::tabs") == "warning: a b.txt:3: tabs")
        #expect(read(commands, "::notice::deployed") == "notice: deployed")
        // Escapes: %0A in the message, %2C and %3A in a property value.
        #expect(read(commands, "::error file=x%2Cy%3Az::two%0Alines 100%25") == "error: x,y:z: two\nlines 100%")
    }

    @Test func groupsDebugAndStateAreShownAsTheRunnerShowsThem() {
        let commands = WorkflowCommands()
        #expect(read(commands, "::group::Install dependencies") == "▸ Install dependencies")
        #expect(read(commands, "::endgroup::") == nil)
        #expect(read(commands, "::debug::internal detail") == nil)
        #expect(read(commands, "::save-state name=pid::42") == nil)
        #expect(commands.endStep().states.map { "\($0.0)=\($0.1)" } == ["pid=42"])
        #expect(read(WorkflowCommands(debug: true), "::debug::internal detail") == "debug: internal detail")
        // Not commands: shown as they are.
        for line in ["::", "::not a command", "::weird name!::x", "::unknown-command::kept", "plain ::error::"] {
            #expect(read(commands, line) == line)
        }
    }

    @Test func setOutputSetsTheStepsOutputAndDisabledCommandsFailIt() {
        let commands = WorkflowCommands()
        #expect(read(commands, "::set-output name=version::1.2.3") == nil)
        #expect(read(commands, "::set-output::no name")?.hasPrefix("warning:") == true)
        var ended = commands.endStep()
        #expect(ended.outputs.map { "\($0.0)=\($0.1)" } == ["version=1.2.3"])
        #expect(ended.failure == nil)
        #expect(
            read(commands, "::set-env name=LD_PRELOAD::/tmp/evil.so")?.hasPrefix(
                "error: the `set-env` command is disabled") == true)
        #expect(read(commands, "::add-path::/tmp/evil")?.contains("$GITHUB_PATH") == true)
        ended = commands.endStep()
        #expect(ended.failure?.contains("set-env") == true)
        // The next step starts clean.
        #expect(commands.endStep().failure == nil && commands.endStep().outputs.isEmpty)
    }

    @Test func stopCommandsPausesProcessingUntilItsTokenPerStream() {
        let commands = WorkflowCommands()
        #expect(read(commands, "::stop-commands::pause-1") == "::stop-commands::pause-1")
        #expect(read(commands, "::set-env name=A::b") == "::set-env name=A::b")
        #expect(read(commands, "::error::other stream", stream: "stderr") == "error: other stream")
        #expect(read(commands, "::pause-1::") == "::pause-1::")
        #expect(read(commands, "::group::back") == "▸ back")
        #expect(commands.endStep().failure == nil)
    }

    @Test func addMaskRecordsTheValueAndHidesTheCommandLine() {
        let commands = WorkflowCommands()
        #expect(read(commands, "::add-mask::  a-long-secret-value ") == "::add-mask::***")
        #expect(commands.masks == ["a-long-secret-value"])
    }
}
