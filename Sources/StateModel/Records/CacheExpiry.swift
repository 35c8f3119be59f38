/// What a cache expiry removed (or, on a dry run, would remove).
public struct CacheExpiry: Sendable, Hashable {
    public var cacheEntries: Int
    public var avoidanceEntries: Int
    public var jobArtifacts: Int

    public init(cacheEntries: Int, avoidanceEntries: Int, jobArtifacts: Int) {
        self.cacheEntries = cacheEntries
        self.avoidanceEntries = avoidanceEntries
        self.jobArtifacts = jobArtifacts
    }
}
