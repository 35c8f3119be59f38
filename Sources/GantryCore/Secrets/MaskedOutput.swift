public import Foundation
import Synchronization

/// Passes a command's output on with secrets masked. Without secrets, chunks pass as they come; with
/// secrets, output is passed line by line (per stream), so a value split across two reads is still masked.
/// Used for deploy and health-check commands and for the releases `gantry proxy` runs.
public final class MaskedOutput: Sendable {
    /// Receives output (`true` for stderr).
    public typealias Handler = @Sendable (Data, Bool) -> Void

    private let output: Handler
    private let passThrough: Bool
    private let splitters: Mutex<[LineSplitter]>

    public init(masker: SecretMasker, output: @escaping Handler) {
        self.output = output
        passThrough = masker.isEmpty
        splitters = Mutex([LineSplitter(masker: masker), LineSplitter(masker: masker)])
    }

    /// Takes one chunk of stdout (`isError` false) or stderr.
    public func feed(_ bytes: UnsafeRawBufferPointer, isError: Bool) {
        guard !passThrough else { return output(Data(bytes), isError) }
        let lines = splitters.withLock { splitters in
            var lines = Data()
            splitters[isError ? 1 : 0].feed(bytes) { line in
                lines.append(contentsOf: line)
                lines.append(10)
            }
            return lines
        }
        if !lines.isEmpty { output(lines, isError) }
    }

    /// Passes on the last lines that had no newline.
    public func finish() {
        guard !passThrough else { return }
        for (index, isError) in [false, true].enumerated() {
            let rest = splitters.withLock { splitters in
                var rest = Data()
                splitters[index].finish { rest.append(contentsOf: $0) }
                return rest
            }
            if !rest.isEmpty { output(rest + Data([10]), isError) }
        }
    }
}
