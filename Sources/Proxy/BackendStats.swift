public import GantryCore
import Synchronization

/// Counters of one release behind the proxy (`TrafficCounters`): requests, 5xx answers, failures to
/// reach it, and a latency histogram (time to the response's end).
public final class BackendStats: Sendable {
    private let counters = Mutex(TrafficCounters())

    public init() {}

    /// One response from the release, `status` and how long it took from the request to its end.
    func record(status: Int, latency: Duration) {
        let seconds = latency.preciseSeconds
        counters.withLock { $0.record(status: status, seconds: seconds) }
    }

    /// A request that never got a response from the release (refused, reset, timed out): the client
    /// got a 502 or the request was retried elsewhere.
    func recordFailure() {
        counters.withLock { $0.failures += 1 }
    }

    /// The counters now.
    public var snapshot: TrafficCounters { counters.withLock { $0 } }
}
