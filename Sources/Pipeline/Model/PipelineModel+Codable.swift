import Foundation
public import GantryCore

// Codable forms of the model a job assignment carries to an executor (in this process today, to an
// agent on another host later). Ordered pairs are encoded as two-element arrays, so their order
// survives; RetryCondition as the text `retry.on` accepts.

extension Glob: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(pattern)
    }
}

/// `[(String, String)]` as `[[String]]`.
enum StringPairs {
    static func encode(_ pairs: [(String, String)]) -> [[String]] { pairs.map { [$0.0, $0.1] } }

    static func decode(_ arrays: [[String]], codingPath: [any CodingKey]) throws -> [(String, String)] {
        try arrays.map { pair in
            guard pair.count == 2 else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: codingPath, debugDescription: "expected a [name, value] pair"))
            }
            return (pair[0], pair[1])
        }
    }
}

extension RetryCondition: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch text {
        case "failure": self = .failure
        case "timeout": self = .timeout
        default:
            if text.hasPrefix("exit-code:"), let code = Int32(text.dropFirst("exit-code:".count)) {
                self = .exitCode(code)
            } else if text.hasPrefix("signal:"), let signal = Int32(text.dropFirst("signal:".count)) {
                self = .signal(signal)
            } else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "unknown retry condition '\(text)'"))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .failure: try container.encode("failure")
        case .timeout: try container.encode("timeout")
        case .exitCode(let code): try container.encode("exit-code:\(code)")
        case .signal(let signal): try container.encode("signal:\(signal)")
        }
    }
}

extension RetryPolicy: Codable {
    private enum CodingKeys: String, CodingKey { case max, backoff, maxBackoff, on }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(max: try container.decode(Int.self, forKey: .max))
        backoff = try container.decode(Duration.self, forKey: .backoff)
        maxBackoff = try container.decode(Duration.self, forKey: .maxBackoff)
        on = try container.decode([RetryCondition].self, forKey: .on)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(max, forKey: .max)
        try container.encode(backoff, forKey: .backoff)
        try container.encode(maxBackoff, forKey: .maxBackoff)
        try container.encode(on, forKey: .on)
    }
}

extension StepDefinition: Codable {
    private enum CodingKeys: String, CodingKey {
        case location, name, id, run, shell, uses, with, env, condition, timeout, continueOnError, workingDirectory
        case continueOnErrorExpression
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(location: try container.decode(SourceLocation.self, forKey: .location))
        name = try container.decodeIfPresent(String.self, forKey: .name)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        run = try container.decodeIfPresent(String.self, forKey: .run)
        shell = try container.decodeIfPresent(String.self, forKey: .shell)
        uses = try container.decodeIfPresent(String.self, forKey: .uses)
        with = try StringPairs.decode(
            try container.decode([[String]].self, forKey: .with), codingPath: container.codingPath)
        env = try container.decode([EnvVar].self, forKey: .env)
        condition = try container.decodeIfPresent(String.self, forKey: .condition)
        timeout = try container.decodeIfPresent(Duration.self, forKey: .timeout)
        continueOnError = try container.decode(Bool.self, forKey: .continueOnError)
        continueOnErrorExpression = try container.decodeIfPresent(String.self, forKey: .continueOnErrorExpression)
        workingDirectory = try container.decodeIfPresent(String.self, forKey: .workingDirectory)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(location, forKey: .location)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encodeIfPresent(run, forKey: .run)
        try container.encodeIfPresent(shell, forKey: .shell)
        try container.encodeIfPresent(uses, forKey: .uses)
        try container.encode(StringPairs.encode(with), forKey: .with)
        try container.encode(env, forKey: .env)
        try container.encodeIfPresent(condition, forKey: .condition)
        try container.encodeIfPresent(timeout, forKey: .timeout)
        try container.encode(continueOnError, forKey: .continueOnError)
        try container.encodeIfPresent(continueOnErrorExpression, forKey: .continueOnErrorExpression)
        try container.encodeIfPresent(workingDirectory, forKey: .workingDirectory)
    }
}

extension JobDefinition: Codable {
    // `matrix` is left out: an assignment is one concrete job, its matrix values already chosen.
    private enum CodingKeys: String, CodingKey {
        case id, location, name, needs, condition, env, steps, timeout, retry, continueOnError, paths, pathsIgnore
        case cache, inputs, outputs, workingDirectory, secrets, artifacts, environment
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id),
            location: try container.decode(SourceLocation.self, forKey: .location),
            timeout: try container.decode(Duration.self, forKey: .timeout))
        name = try container.decodeIfPresent(String.self, forKey: .name)
        needs = try container.decode([String].self, forKey: .needs)
        condition = try container.decodeIfPresent(String.self, forKey: .condition)
        env = try container.decode([EnvVar].self, forKey: .env)
        steps = try container.decode([StepDefinition].self, forKey: .steps)
        retry = try container.decodeIfPresent(RetryPolicy.self, forKey: .retry)
        continueOnError = try container.decode(Bool.self, forKey: .continueOnError)
        paths = try container.decode([Glob].self, forKey: .paths)
        pathsIgnore = try container.decode([Glob].self, forKey: .pathsIgnore)
        cache = try container.decodeIfPresent(CacheSpec.self, forKey: .cache)
        inputs = try container.decode([Glob].self, forKey: .inputs)
        outputs = try StringPairs.decode(
            try container.decode([[String]].self, forKey: .outputs), codingPath: container.codingPath)
        workingDirectory = try container.decodeIfPresent(String.self, forKey: .workingDirectory)
        secrets = try container.decode([String].self, forKey: .secrets)
        artifacts = try container.decodeIfPresent(ArtifactSpec.self, forKey: .artifacts)
        environment = try container.decodeIfPresent(JobEnvironment.self, forKey: .environment)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(location, forKey: .location)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encode(needs, forKey: .needs)
        try container.encodeIfPresent(condition, forKey: .condition)
        try container.encode(env, forKey: .env)
        try container.encode(steps, forKey: .steps)
        try container.encode(timeout, forKey: .timeout)
        try container.encodeIfPresent(retry, forKey: .retry)
        try container.encode(continueOnError, forKey: .continueOnError)
        try container.encode(paths, forKey: .paths)
        try container.encode(pathsIgnore, forKey: .pathsIgnore)
        try container.encodeIfPresent(cache, forKey: .cache)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(StringPairs.encode(outputs), forKey: .outputs)
        try container.encodeIfPresent(workingDirectory, forKey: .workingDirectory)
        try container.encode(secrets, forKey: .secrets)
        try container.encodeIfPresent(artifacts, forKey: .artifacts)
        try container.encodeIfPresent(environment, forKey: .environment)
    }
}

extension ExpressionValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([ExpressionValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: ExpressionValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .number(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        }
    }
}
