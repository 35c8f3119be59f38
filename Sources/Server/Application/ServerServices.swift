public import Composition
import Foundation
import Logging
public import StateModel

/// What the server's routes and workers share, built once by `GantryServer` from the composition root.
public struct ServerServices: Sendable {
    public let configuration: ServerConfiguration
    /// The composition root: stores, keys, built-in actions and the pipeline runner.
    public let gantry: GantryServices
    /// The state, through its async repository protocols.
    public let state: any StateRepositories
    let metrics: ServerMetrics
    /// Wakes the run workers when something is queued.
    let queueSignal: QueueSignal
    /// The runs under way, to cancel them.
    let running: RunningRuns
    /// Promotions, approvals and rollbacks under way.
    let releases: ReleaseTasks
    /// The output of the runs under way, for the dashboard's live view.
    let liveLogs: LiveLogs
    /// Browser sessions of the dashboard.
    let sessions: DashboardSessions
    /// Tokens looked up recently.
    let tokenCache: TokenCache
    /// List responses, valid while the state's change stamp stays the same.
    let responses: ResponseCache

    public init(configuration: ServerConfiguration, gantry: GantryServices, state: any StateRepositories) {
        self.configuration = configuration
        self.gantry = gantry
        self.state = state
        self.metrics = ServerMetrics()
        self.queueSignal = QueueSignal()
        self.running = RunningRuns()
        self.tokenCache = TokenCache()
        self.releases = ReleaseTasks()
        self.sessions = DashboardSessions()
        self.liveLogs = LiveLogs()
        self.responses = ResponseCache()
    }

    var dataDirectory: URL { gantry.configuration.stateDirectory }
}
