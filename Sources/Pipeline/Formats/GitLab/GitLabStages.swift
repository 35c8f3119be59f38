/// GitLab's stage order as needs: a job without `needs:` waits for every job of the earlier stages.
enum GitLabStages {
    /// A job as stage order sees it.
    struct Member {
        let id: String
        let stage: String
        /// Left out of this pipeline by its rules.
        let excluded: Bool
        let when: String
        let allowFailure: Bool

        /// A manual job that holds later stages back (GitLab: `allow_failure: false`).
        var blocksLaterStages: Bool { when == "manual" && !allowFailure }
    }

    /// The jobs a job of `stage` waits for, and those of them whose being skipped does not hold it back
    /// (all but blocking manual jobs); nil for a stage not in `stages`. A manual job that does not block
    /// is not waited for at all.
    static func needs(of stage: String, stages: [String], members: [Member]) -> (needed: [String], soft: Set<String>)? {
        guard let position = stages.firstIndex(of: stage) else { return nil }
        let earlier = Set(stages[..<position])
        var needed: [String] = []
        var soft: Set<String> = []
        for other in members where earlier.contains(other.stage) && !other.excluded {
            if other.when == "manual" && !other.blocksLaterStages { continue }
            needed.append(other.id)
            if !other.blocksLaterStages { soft.insert(other.id) }
        }
        return (needed, soft)
    }
}
