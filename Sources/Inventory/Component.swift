import Foundation

/// A dependency found in a lockfile, as it appears in the SBOM.
public struct Component: Hashable, Sendable, Comparable {
    /// purl type: `swift`, `npm`, `pypi`, `cargo`, `golang`, `gem`.
    public var ecosystem: String
    /// Namespace (npm scope, Go module path prefix, Swift package host/owner), or nil.
    public var namespace: String?
    public var name: String
    public var version: String
    /// The lockfile it was found in, relative to the scanned root.
    public var source: String

    /// The package URL, e.g. `pkg:npm/%40scope/name@1.2.3`.
    public var purl: String {
        let ns =
            namespace.map { $0.split(separator: "/").map { PURL.encode(String($0)) }.joined(separator: "/") + "/" }
            ?? ""
        return "pkg:\(ecosystem)/\(ns)\(PURL.encode(name))@\(PURL.encode(version))"
    }

    public static func < (lhs: Component, rhs: Component) -> Bool {
        (lhs.purl, lhs.source) < (rhs.purl, rhs.source)
    }
}

/// purl percent-encoding: everything but unreserved characters is encoded (`@` becomes `%40`).
enum PURL {
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "-._~+".unicodeScalars.contains(scalar)
            {
                out.unicodeScalars.append(scalar)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
