/// One git operation at a time on a project's mirror: two runs (or a run and a promotion) fetching
/// into the same bare repository at once would fail on git's ref locks. Waiters go in turn; the lock
/// is this process's (one server per data directory).
actor MirrorLock {
    static let shared = MirrorLock()

    private var busy: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Runs `body` while holding the lock of `mirror`.
    func withLock<T: Sendable>(_ mirror: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(mirror)
        do {
            let result = try await body()
            release(mirror)
            return result
        } catch {
            release(mirror)
            throw error
        }
    }

    private func acquire(_ mirror: String) async {
        guard busy.contains(mirror) else {
            busy.insert(mirror)
            return
        }
        await withCheckedContinuation { waiters[mirror, default: []].append($0) }
    }

    private func release(_ mirror: String) {
        if var queue = waiters[mirror], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[mirror] = queue
            next.resume()  // the lock passes to the next waiter without being released
        } else {
            busy.remove(mirror)
        }
    }
}
