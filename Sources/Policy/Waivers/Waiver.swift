public import Foundation
import GantryCore
import Yams

/// A documented, expiring exception to a finding: `.gantry/waivers.yml`.
///
/// ```yaml
/// waivers:
///   - id: CVE-2023-32681          # the finding's id (or a secret/Dockerfile rule id)
///     package: requests           # optional: only for this package
///     app: web                    # optional: only for this app
///     digest: sha256:…            # optional: only for this digest
///     reason: not reachable, no proxies in use
///     approved_by: alice
///     expires: 2026-12-31
/// ```
public struct Waiver: Sendable, Hashable {
    public var id: String
    public var package: String?
    public var app: String?
    public var digest: Digest?
    public var reason: String
    public var approvedBy: String
    public var expires: Date
    /// Where it was written (file:line).
    public var location: String

    /// Whether it covers `finding` for `app@digest` (ignoring expiry).
    public func covers(_ finding: Finding, app: String?, digest: Digest?) -> Bool {
        guard finding.ruleID == id || finding.message.contains(id) else { return false }
        if let package, !(finding.message.hasPrefix(package + "@") || finding.file?.contains("/\(package)@") == true) {
            return false
        }
        if let expected = self.app, expected != app { return false }
        if let expected = self.digest, expected != digest { return false }
        return true
    }
}

/// Applies waivers to a report: a covered finding is suppressed ("waived by …, until …"); an expired
/// waiver no longer applies and the report says when it expired.
public struct WaiverSet: Sendable {
    public var waivers: [Waiver]

    public init(waivers: [Waiver] = []) { self.waivers = waivers }

    /// What applying did: waivers used (for the audit log) and notes about expired ones.
    public struct Application: Sendable {
        public var used: [Waiver] = []
        public var expiredNotes: [String] = []
    }

    public func apply(to report: inout ScanReport, app: String?, digest: Digest?, now: Date = Date()) -> Application {
        var application = Application()
        for index in report.findings.indices where report.findings[index].suppressed == nil {
            let finding = report.findings[index]
            let matching = waivers.filter { $0.covers(finding, app: app, digest: digest) }
            if let active = matching.first(where: { $0.expires > now }) {
                report.findings[index].suppressed = Suppression(
                    .waiver, "waived by \(active.approvedBy) until \(Self.day(active.expires)): \(active.reason)")
                application.used.append(active)
            } else if let expired = matching.max(by: { $0.expires < $1.expires }) {
                application.expiredNotes.append(
                    "waiver for \(expired.id) (\(expired.location)) expired on \(Self.day(expired.expires)); it no longer applies"
                )
            }
        }
        report.warnings += application.expiredNotes
        return application
    }

    static func day(_ date: Date) -> String { String(Timestamp.iso8601(date).prefix(10)) }

    /// Reads a waivers file; a waiver without a reason, an approver or a valid expiry date is an error
    /// naming file:line:col.
    public static func load(path: String) throws -> WaiverSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VulnerabilityError.input("\(path): cannot be read")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> WaiverSet {
        let yaml = try YAMLFile(text, file: file) { VulnerabilityError.input($0) }
        let at = yaml.at
        guard let root = yaml.root else { return WaiverSet() }
        guard let list = root.mapping?["waivers"]?.sequence else {
            throw VulnerabilityError.input("\(at(root)): expected 'waivers:' with a list")
        }
        let allowed = ["id", "package", "app", "digest", "reason", "approved_by", "expires"]
        var waivers: [Waiver] = []
        for item in list {
            guard let fields = item.mapping else {
                throw VulnerabilityError.input("\(at(item)): each waiver must be a mapping")
            }
            var values: [String: Node] = [:]
            for (key, value) in fields {
                let name = key.string ?? ""
                guard allowed.contains(name) else {
                    throw VulnerabilityError.input(
                        "\(at(key)): unknown key '\(name)' in a waiver\(Suggestion.hint(for: name, in: allowed))")
                }
                values[name] = value
            }
            func required(_ key: String) throws -> String {
                guard let value = values[key]?.string, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw VulnerabilityError.input("\(at(item)): a waiver needs '\(key)'")
                }
                return value
            }
            let id = try required("id")
            let reason = try required("reason")
            let approver = try required("approved_by")
            let expiresText = try required("expires")
            guard let expires = Timestamp.parse(expiresText.count == 10 ? expiresText + "T23:59:59Z" : expiresText)
            else {
                throw VulnerabilityError.input(
                    "\(at(values["expires"])): expires '\(expiresText)' is not a date (use YYYY-MM-DD or an RFC 3339 time)"
                )
            }
            var digest: Digest?
            if let text = values["digest"]?.string {
                guard let parsed = Digest(parsing: text) else {
                    throw VulnerabilityError.input(
                        "\(at(values["digest"])): digest '\(text)' is not a digest (use sha256:<64 hex digits>)")
                }
                digest = parsed
            }
            waivers.append(
                Waiver(
                    id: id, package: values["package"]?.string, app: values["app"]?.string,
                    digest: digest, reason: reason, approvedBy: approver, expires: expires,
                    location: at(item)))
        }
        return WaiverSet(waivers: waivers)
    }
}
