import Foundation
import Synchronization

/// The workflow commands a GitHub workflow's steps print that change what Gantry shows:
/// `::add-mask::VALUE` masks VALUE in every later line of the job (both streams, later steps), and
/// the command line itself is shown as `::add-mask::***`; `::stop-commands::TOKEN` … `::TOKEN::`
/// turns command processing off in between (a step printing untrusted text). Shared by the sinks of
/// one job's steps.
final class WorkflowCommands: Sendable {
    private struct State {
        var masks: [String] = []
        /// Per stream: the token that ends a `::stop-commands::` block.
        var stopped: [String: String] = [:]
    }

    private let state = Mutex(State())

    /// The values added so far (a sink registers those it has not seen yet).
    var masks: [String] { state.withLock { $0.masks } }

    static let addMask = Array("::add-mask::".utf8)
    static let stopCommands = Array("::stop-commands::".utf8)

    /// Reads a (masked) output line of `stream`; returns the line to show instead, or nil to show it
    /// as it is. A mask it adds is in `masks` before this returns.
    func read(_ line: UnsafeRawBufferPointer, stream: String) -> [UInt8]? {
        guard line.count > 4, line[0] == 58, line[1] == 58 else { return nil }  // "::"
        let bytes = Array(line)
        return state.withLock { state -> [UInt8]? in
            if let token = state.stopped[stream] {
                if bytes == Array("::\(token)::".utf8) { state.stopped[stream] = nil }
                return nil
            }
            if bytes.starts(with: Self.stopCommands) {
                let token = String(decoding: bytes.dropFirst(Self.stopCommands.count), as: UTF8.self)
                if !token.isEmpty { state.stopped[stream] = token }
                return nil
            }
            guard bytes.starts(with: Self.addMask) else { return nil }
            let value = String(decoding: bytes.dropFirst(Self.addMask.count), as: UTF8.self)
                .trimmingCharacters(in: .whitespaces)
            if value.utf8.count >= SecretMasker.minimumLength, !state.masks.contains(value) {
                state.masks.append(value)
            }
            return Array("::add-mask::***".utf8)
        }
    }
}
