import Foundation
import Synchronization

/// Calls `beat` every `interval` on a thread of its own until stopped.
///
/// An environment host's heartbeat tells promotions it is there; it goes stale after
/// `EnvironmentHostRecord.timeout`. Beating from the host's reconcile loop tied it to everything that
/// loop does (unpacking a large release, a slow stop) and to the cooperative thread pool (busy with
/// other work in the same process): a live host could look gone and its promotions give up. This
/// thread does nothing else, so only a host that is really stuck or dead stops beating.
final class HostHeartbeat: Sendable {
    private let wake = DispatchSemaphore(value: 0)
    private let state = Mutex(Phase.running)

    private enum Phase {
        case running
        /// Asked to stop: these wait for the thread to end.
        case stopping([CheckedContinuation<Void, Never>])
        case stopped
    }

    /// Starts beating at once, then every `interval`.
    init(interval: Duration, name: String = "gantry-heartbeat", beat: @escaping @Sendable () -> Void) {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let thread = Thread { [self] in
            while state.withLock({ if case .running = $0 { true } else { false } }) {
                beat()
                _ = wake.wait(timeout: .now() + seconds)
            }
            let waiting = state.withLock { phase -> [CheckedContinuation<Void, Never>] in
                defer { phase = .stopped }
                if case .stopping(let continuations) = phase { return continuations }
                return []
            }
            for continuation in waiting { continuation.resume() }
        }
        thread.name = name
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// Stops beating; returns once the last beat has finished (none comes after).
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ended = state.withLock { phase -> Bool in
                switch phase {
                case .stopped: return true
                case .running:
                    phase = .stopping([continuation])
                case .stopping(let others):
                    phase = .stopping(others + [continuation])
                }
                return false
            }
            if ended { continuation.resume() } else { wake.signal() }
        }
    }
}
