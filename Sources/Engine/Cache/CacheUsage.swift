import Foundation
import StateModel
import Synchronization

/// The cache and avoidance entries a run used, recorded at its end in one transaction (a write per
/// hit would cost an avoided 1,000-job run a thousand transactions); `gantry gc` expires the unused.
final class CacheUsage: Sendable {
    private let used = Mutex((cache: Set<String>(), avoidance: Set<String>()))

    func cacheHit(_ entry: String) { used.withLock { _ = $0.cache.insert(entry) } }
    func avoided(_ key: String) { used.withLock { _ = $0.avoidance.insert(key) } }

    func save(to store: any StateRepositories) async throws {
        let (cache, avoidance) = used.withLock { ($0.cache, $0.avoidance) }
        guard !cache.isEmpty || !avoidance.isEmpty else { return }
        try await store.markUsed(cacheKeys: cache, avoidanceKeys: avoidance, at: Date())
    }
}
