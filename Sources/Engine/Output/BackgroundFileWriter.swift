import Dispatch
import Foundation

/// Writes full buffers to a file on a serial background queue, so a step's output thread can go on
/// splitting and masking while the previous buffer reaches the disk.
///
/// At most two buffers are in flight (the caller waits for a free slot), which keeps memory bounded
/// however fast a step prints. Order is preserved: one serial queue per file.
final class BackgroundFileWriter: Sendable {
    private let fd: Int32
    private let queue: DispatchQueue
    private let slots = DispatchSemaphore(value: 2)

    init(fd: Int32, label: String) {
        self.fd = fd
        queue = DispatchQueue(label: "gantry.log-writer.\(label)")
    }

    /// Queues `bytes`; blocks while two earlier buffers are still being written.
    func submit(_ bytes: [UInt8]) {
        slots.wait()
        queue.async { [fd, slots] in
            BackgroundFileWriter.writeAll(fd, bytes)
            slots.signal()
        }
    }

    /// Returns once everything submitted is written.
    func drain() { queue.sync {} }

    /// Writes every byte, retrying on EINTR; gives up on other errors (disk full, closed descriptor)
    /// rather than blocking the step that produces the output.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
