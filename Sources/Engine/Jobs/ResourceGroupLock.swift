import Foundation
import GantryCore
import Processes

/// The lock that lets one job of a resource group run at a time on this machine, across runs and
/// processes: an exclusive `flock` on `<state>/locks/resource-group-<digest>.lock`, released when the
/// job ends or its process dies (the descriptor is not inherited by steps).
final class ResourceGroupLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Waits for the group's lock; nil when the run is cancelled first.
    static func acquire(
        _ group: String, stateDirectory: URL, cancellation: CancellationFlag
    ) async throws -> ResourceGroupLock? {
        let directory = stateDirectory.appendingPathComponent("locks")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw InfrastructureError("cannot create \(directory.path): \(FileErrorText.describe(error))")
        }
        // The name is the pipeline's: hashed, so that no name can point the lock file elsewhere.
        let hex = Digest.sha256(group).hex.prefix(32)
        let path = directory.appendingPathComponent("resource-group-\(hex).lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw InfrastructureError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let problem = String(cString: strerror(errno))
                close(descriptor)
                throw InfrastructureError("cannot lock \(path): \(problem)")
            }
            if cancellation.isCancelled {
                close(descriptor)
                return nil
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return ResourceGroupLock(descriptor: descriptor)
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
