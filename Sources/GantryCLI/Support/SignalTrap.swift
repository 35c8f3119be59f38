import Dispatch
import Engine
import Foundation
import Processes

/// Turns SIGINT and SIGTERM into a run cancellation (process groups get SIGTERM, then SIGKILL);
/// a second signal exits at once.
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    /// `what` names what a signal cancels, for the message ("the run", "the deployment").
    init(cancellation: CancellationFlag, what: String = "the run") {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if cancellation.isCancelled {
                    Terminal.write(2, Data("gantry: interrupted again, exiting\n".utf8))
                    exit(130)
                }
                Terminal.write(
                    2,
                    Data("gantry: cancelling \(what) (signal \(number)); press Ctrl-C again to exit at once\n".utf8))
                cancellation.cancel(signal: number)
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Restores default handling.
    func release() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
