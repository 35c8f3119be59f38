public import Foundation

/// The configuration and accepted findings a secret scan starts from, found as the CLI and the
/// `gantry/scan-secrets` action both find them: an explicit `config` (Gantry's YAML, or a gitleaks
/// `.toml`), else the first of `.gantry.secrets.yml`, `gantry-secrets.yml` and `.gitleaks.toml` in the
/// folders searched, else the state's `secrets.yml`; an explicit `baseline` (Gantry's, or a
/// detect-secrets `.secrets.baseline`), plus the first `.gitleaksignore` in the folders searched.
public enum SecretScanSetup {
    public static func load(
        config: String?, baseline: String?, searching folders: [URL], stateConfig: URL? = nil
    ) throws -> (config: SecretsConfig, baseline: SecretBaseline) {
        let exists = { (path: String) in FileManager.default.fileExists(atPath: path) }
        func first(_ names: [String]) -> String? {
            for folder in folders {
                for name in names where exists(folder.appendingPathComponent(name).path) {
                    return folder.appendingPathComponent(name).path
                }
            }
            return nil
        }
        var settings = SecretsConfig()
        // The repository's own config first (it is committed and reviewed), then the local state's.
        if let path = config ?? first([".gantry.secrets.yml", "gantry-secrets.yml"]) ?? first([".gitleaks.toml"])
            ?? stateConfig.map(\.path).flatMap({ exists($0) ? $0 : nil })
        {
            settings =
                path.hasSuffix(".toml") ? try GitleaksConfig.load(path: path) : try SecretsConfig.load(path: path)
        }
        var accepted = try baseline.map { try SecretBaseline.load(path: $0) } ?? SecretBaseline()
        // gitleaks reads .gitleaksignore from the scanned tree: so does Gantry.
        if let ignore = first([".gitleaksignore"]) {
            accepted = accepted.merging(try SecretBaseline.loadGitleaksIgnore(path: ignore))
        }
        return (settings, accepted)
    }
}
