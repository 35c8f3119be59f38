public import Foundation

/// A username and password (or token) for one registry. `description` never shows the secret.
public struct RegistryCredentials: Sendable, Hashable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "credentials for \(username)" }

    /// `Basic base64(user:password)`.
    var basicHeader: String { "Basic " + Data("\(username):\(password)".utf8).base64EncodedString() }

    /// Credentials for `registry`, in this order: `GANTRY_REGISTRY_USERNAME` and
    /// `GANTRY_REGISTRY_PASSWORD`; the auth file in `GANTRY_REGISTRY_AUTH_FILE`, then
    /// `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json` (skopeo, podman) and
    /// `~/.docker/config.json` — the `auths.<registry>.auth` entry (base64 `user:password`).
    /// Nil when none is configured: anonymous access.
    public static func lookup(
        registry: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> RegistryCredentials? {
        if let username = environment["GANTRY_REGISTRY_USERNAME"], !username.isEmpty {
            guard let password = environment["GANTRY_REGISTRY_PASSWORD"] else {
                throw RegistryError.unauthorized("GANTRY_REGISTRY_USERNAME is set but GANTRY_REGISTRY_PASSWORD is not")
            }
            return RegistryCredentials(username: username, password: password)
        }
        var files: [String] = []
        if let explicit = environment["GANTRY_REGISTRY_AUTH_FILE"], !explicit.isEmpty {
            guard FileManager.default.fileExists(atPath: explicit) else {
                throw RegistryError.unauthorized("GANTRY_REGISTRY_AUTH_FILE names \(explicit), which does not exist")
            }
            files.append(explicit)
        }
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { files.append(file) }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            files.append(runtime + "/containers/auth.json")
        }
        if let home = environment["HOME"], !home.isEmpty { files.append(home + "/.docker/config.json") }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            if let found = try parseAuthFile(data, registry: registry, file: file) { return found }
        }
        return nil
    }

    static func parseAuthFile(_ data: Data, registry: String, file: String) throws -> RegistryCredentials? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RegistryError.malformed("\(file) is not a JSON object (expected {\"auths\": {…}})")
        }
        guard let auths = object["auths"] as? [String: Any] else { return nil }
        let keys = [registry, "http://\(registry)", "https://\(registry)"]
        for key in keys {
            guard let entry = auths[key] as? [String: Any], let auth = entry["auth"] as? String else { continue }
            guard let decoded = Data(base64Encoded: auth).map({ String(decoding: $0, as: UTF8.self) }),
                let colon = decoded.firstIndex(of: ":")
            else {
                throw RegistryError.malformed("\(file): the entry for \(key) is not base64 of user:password")
            }
            return RegistryCredentials(
                username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
        }
        return nil
    }
}
