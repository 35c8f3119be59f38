import Foundation

/// Splits a byte stream into lines with bounded memory, masking secrets on the way.
///
/// A line longer than `maxLineLength` is emitted in pieces; the last `longestPattern - 1` bytes are held
/// back so that a secret is never cut in two between pieces, and a secret split across read chunks is
/// still found because lines are assembled before masking.
public struct LineSplitter: Sendable {
    public var maxLineLength: Int
    private var masker: SecretMasker
    private var pending: [UInt8] = []
    private var scratch: [UInt8] = []

    public init(masker: SecretMasker, maxLineLength: Int = 64 * 1024) {
        self.masker = masker
        self.maxLineLength = max(maxLineLength, masker.longestPattern * 2 + 16)
        pending.reserveCapacity(4096)
    }

    /// Masks `secret` too from now on (`::add-mask::`).
    public mutating func addMask(_ secret: String) {
        masker.add(secret)
        maxLineLength = max(maxLineLength, masker.longestPattern * 2 + 16)
    }

    /// Feeds a chunk; calls `emit` with each complete (masked) line, without its newline.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        let count = chunk.count
        var index = 0
        while index < count {
            // memchr-like scan for the next newline.
            guard let newline = Self.findNewline(chunk, from: index) else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<count]))
                if pending.count >= maxLineLength { flushLongLine(emit: emit) }
                return
            }
            var end = newline
            if pending.isEmpty {
                if end > start, chunk[end - 1] == 13 { end -= 1 }  // CRLF
                emitMasked(UnsafeRawBufferPointer(rebasing: chunk[start..<end]), emit: emit)
            } else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
                if pending.last == 13 { pending.removeLast() }
                let line = pending
                pending.removeAll(keepingCapacity: true)
                line.withUnsafeBytes { emitMasked($0, emit: emit) }
            }
            index = newline + 1
            start = index
        }
    }

    /// Emits whatever is left (a last line without a newline).
    public mutating func finish(emit: (UnsafeRawBufferPointer) -> Void) {
        guard !pending.isEmpty else { return }
        let line = pending
        pending.removeAll(keepingCapacity: true)
        line.withUnsafeBytes { emitMasked($0, emit: emit) }
    }

    private mutating func emitMasked(_ line: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        if masker.isEmpty {
            emit(line)
            return
        }
        scratch.removeAll(keepingCapacity: true)
        if masker.apply(to: line, into: &scratch) {
            scratch.withUnsafeBytes { emit($0) }
        } else {
            emit(line)
        }
    }

    /// Emits the front of an over-long line, keeping a tail that could be the start of a secret.
    private mutating func flushLongLine(emit: (UnsafeRawBufferPointer) -> Void) {
        let keep = max(0, masker.longestPattern - 1)
        var cut = pending.count - keep
        pending.withUnsafeBytes { bytes in
            for range in masker.matchRanges(in: bytes) where range.lowerBound < cut && range.upperBound > cut {
                cut = range.upperBound
            }
        }
        let head = Array(pending[0..<cut])
        pending.removeFirst(cut)
        head.withUnsafeBytes { emitMasked($0, emit: emit) }
    }

    private static func findNewline(_ chunk: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from < chunk.count, let base = chunk.baseAddress else { return nil }
        guard let found = memchr(base + from, 10, chunk.count - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}
