/// Masked output lines of one read chunk, stored back to back, so the log and the console take a
/// whole chunk per call (one lock, one dynamic call) instead of one per line.
public struct LineBatch: Sendable {
    /// Every line's bytes, concatenated without separators.
    public private(set) var bytes: [UInt8] = []
    /// End offset of each line in `bytes`.
    public private(set) var ends: [Int] = []

    public init() {}

    public var isEmpty: Bool { ends.isEmpty }

    mutating func append(_ line: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: line)
        ends.append(bytes.count)
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with each line.
    public func forEachLine(_ body: (UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeBytes { all in
            var start = 0
            for end in ends {
                body(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
    }
}
