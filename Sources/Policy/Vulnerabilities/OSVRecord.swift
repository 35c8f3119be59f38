public import Foundation
public import GantryCore

/// An OSV record (https://ossf.github.io/osv-schema/), the fields matching needs.
public struct OSVRecord: Sendable, Codable, Hashable {
    public struct Severity: Sendable, Codable, Hashable {
        public var type: String
        public var score: String
    }

    public struct Package: Sendable, Codable, Hashable {
        public var ecosystem: String
        public var name: String
        public var purl: String?
    }

    public struct Event: Sendable, Codable, Hashable {
        public var introduced: String?
        public var fixed: String?
        public var last_affected: String?
        public var limit: String?
    }

    public struct Range: Sendable, Codable, Hashable {
        public var type: String
        public var events: [Event]
    }

    public struct Affected: Sendable, Codable, Hashable {
        public var package: Package?
        public var ranges: [Range]?
        public var versions: [String]?
        public var severity: [Severity]?
        public var database_specific: [String: JSONValue]?
        public var ecosystem_specific: [String: JSONValue]?
    }

    public var id: String
    public var modified: String
    public var withdrawn: String?
    public var aliases: [String]?
    public var summary: String?
    public var details: String?
    public var severity: [Severity]?
    public var affected: [Affected]?
    public var database_specific: [String: JSONValue]?

    /// Decodes one record; the error names what is wrong.
    public static func decode(_ data: Data) throws -> OSVRecord {
        do {
            return try JSONDecoder().decode(OSVRecord.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw VulnerabilityError.malformed("missing '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw VulnerabilityError.malformed(
                "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw VulnerabilityError.malformed("not a JSON OSV record")
        }
    }
}

/// Any JSON value (for the free-form `database_specific` objects).
public enum JSONValue: Sendable, Codable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

/// Errors of vulnerability data and scans (unreadable databases, SBOMs, VEX or waiver files): input
/// errors, exit 2.
public enum VulnerabilityError: GantryError, Sendable {
    case malformed(String)
    case input(String)

    public var description: String {
        switch self {
        case .malformed(let message), .input(let message): message
        }
    }

    public var exitStatus: ExitStatus { .inputError }
}
