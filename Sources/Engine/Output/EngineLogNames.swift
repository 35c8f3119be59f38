/// Log file naming shared by the writer and the `gantry logs` reader.
public enum EngineLogNames {
    /// `.gantry/logs/<run>/<this>`: the concrete job name with unusual characters replaced by `_`.
    public static func fileName(_ job: String) -> String { JobRunner.logFileName(job) }
}
