import Foundation
import GantryCore
import Synchronization

/// The workflow commands a GitHub workflow's steps print (`::name key=value,…::message`), as the
/// runner handles them. Shared by the sinks of one job's steps.
///
/// - `::add-mask::VALUE` masks VALUE in every later line of the job (both streams, later steps); the
///   command line itself is shown as `::add-mask::***`.
/// - `::error`, `::warning`, `::notice` (with `file`, `line`, `col`, `title`) are shown as
///   `error: file:line:col: title: message`, the form editors and terminals link; `::debug::` lines
///   only when step debugging is on (`ACTIONS_STEP_DEBUG=true` or `RUNNER_DEBUG=1`).
/// - `::group::TITLE` is shown as `▸ TITLE`, `::endgroup::` not at all.
/// - `::set-output name=N::VALUE` sets the step's output N (the deprecated form of `$GITHUB_OUTPUT`),
///   `::save-state name=N::VALUE` saves state for the action's later scripts (of `$GITHUB_STATE`);
///   neither is shown, nor is `::echo`.
/// - `::set-env` and `::add-path`, which GitHub disabled because any printed line could change the
///   environment of later steps, fail the step, as on GitHub.
/// - `::stop-commands::TOKEN` … `::TOKEN::` turns command processing off in between (a step printing
///   untrusted text).
///
/// Other lines starting with `::`, and unknown commands, are shown as they are.
final class WorkflowCommands: Sendable {
    /// What to do with a line.
    enum LineAction: Equatable {
        /// Show the line as it is.
        case keep
        /// Show this instead.
        case replace([UInt8])
        /// Show nothing.
        case drop
    }

    private struct State {
        var masks: [String] = []
        /// Per stream: the token that ends a `::stop-commands::` block.
        var stopped: [String: String] = [:]
        /// `::set-output` and `::save-state` values of the running step.
        var outputs: [(String, String)] = []
        var states: [(String, String)] = []
        /// Why the running step fails (a disabled command), if it does.
        var failure: String?
    }

    private let state = Mutex(State())
    private let debug: Bool

    /// `debug`: show `::debug::` lines.
    init(debug: Bool = false) { self.debug = debug }

    /// The values added so far (a sink registers those it has not seen yet).
    var masks: [String] { state.withLock { $0.masks } }

    /// What the commands of the step that just ended set.
    struct StepEffects {
        var outputs: [(String, String)]
        var states: [(String, String)]
        var failure: String?
    }

    /// The `::set-output` and `::save-state` values and the failure of the step that just ended;
    /// clears them for the next step.
    func endStep() -> StepEffects {
        state.withLock { state in
            defer {
                state.outputs = []
                state.states = []
                state.failure = nil
            }
            return StepEffects(outputs: state.outputs, states: state.states, failure: state.failure)
        }
    }

    /// Reads a (masked) output line of `stream`. A mask it adds is in `masks` before this returns.
    func read(_ line: UnsafeRawBufferPointer, stream: String) -> LineAction {
        guard line.count > 4, line[0] == 58, line[1] == 58 else { return .keep }  // "::"
        let text = String(decoding: line, as: UTF8.self)
        return state.withLock { state -> LineAction in
            if let token = state.stopped[stream] {
                if text == "::\(token)::" { state.stopped[stream] = nil }
                return .keep
            }
            guard let command = Command(text) else { return .keep }
            return handle(command, state: &state, stream: stream)
        }
    }

    private func handle(_ command: Command, state: inout State, stream: String) -> LineAction {
        switch command.name {
        case "add-mask":
            let value = command.message.trimmingCharacters(in: .whitespaces)
            if value.utf8.count >= SecretMasker.minimumLength, !state.masks.contains(value) {
                state.masks.append(value)
            }
            return .replace(Array("::add-mask::***".utf8))
        case "stop-commands":
            if !command.message.isEmpty { state.stopped[stream] = command.message }
            return .keep
        case "error", "warning", "notice":
            return .replace(Array(Self.annotation(command).utf8))
        case "debug":
            return debug ? .replace(Array("debug: \(command.message)".utf8)) : .drop
        case "group":
            return .replace(Array("▸ \(command.message)".utf8))
        case "endgroup", "echo":
            return .drop
        case "save-state":
            if let name = command.properties["name"], !name.isEmpty { state.states.append((name, command.message)) }
            return .drop
        case "set-output":
            guard let name = command.properties["name"], !name.isEmpty else {
                return .replace(Array("warning: ::set-output:: without a name is ignored".utf8))
            }
            state.outputs.append((name, command.message))
            return .drop
        case "set-env", "add-path":
            let message =
                "the `\(command.name)` command is disabled (any printed line could change later steps); "
                + "write to $GITHUB_\(command.name == "set-env" ? "ENV" : "PATH") instead"
            if state.failure == nil { state.failure = message }
            return .replace(Array("error: \(message)".utf8))
        default:
            return .keep
        }
    }

    /// `error: file:line:col: title: message`, with what the command gives of it.
    static func annotation(_ command: Command) -> String {
        var place = ""
        if let file = command.properties["file"], !file.isEmpty {
            place = file
            if let line = command.properties["line"] {
                place += ":\(line)"
                if let column = command.properties["col"] { place += ":\(column)" }
            }
            place += ": "
        }
        let title = command.properties["title"].map { "\($0): " } ?? ""
        return "\(command.name): \(place)\(title)\(command.message)"
    }

    /// One `::name key=value,…::message` line, unescaped as the runner does (`%25` `%0D` `%0A` in
    /// the message, and also `%3A` `%2C` in property values).
    struct Command: Equatable {
        var name: String
        var properties: [String: String]
        var message: String

        init?(_ line: String) {
            guard line.hasPrefix("::") else { return nil }
            let rest = line.dropFirst(2)
            guard let end = rest.range(of: "::") else { return nil }
            let head = rest[..<end.lowerBound]
            message = Self.unescape(String(rest[end.upperBound...]), property: false)
            let nameEnd = head.firstIndex(of: " ") ?? head.endIndex
            name = String(head[..<nameEnd])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                return nil
            }
            properties = [:]
            for pair in head[nameEnd...].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let key = parts[0].trimmingCharacters(in: .whitespaces)
                properties[key] = Self.unescape(String(parts[1]), property: true)
            }
        }

        static func unescape(_ text: String, property: Bool) -> String {
            guard text.contains("%") else { return text }
            var out = text.replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0A", with: "\n")
            if property {
                out = out.replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%2C", with: ",")
            }
            return out.replacingOccurrences(of: "%25", with: "%")
        }
    }
}
