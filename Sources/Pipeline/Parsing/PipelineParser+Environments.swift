import Foundation
import GantryCore
import Yams

extension PipelineParser {
    static let environmentKeys = [
        "requires", "approvals", "deploy", "verify", "secrets", "strategy", "retention", "policy",
    ]
    static let approvalKeys = ["count", "roles", "totp"]
    static let deployKeys = ["command", "kubernetes", "process", "env", "timeout"]
    static let verifyKeys = ["http", "command", "timeout", "interval", "retries"]
    static let retentionKeys = ["keep"]

    /// `environments:` — a mapping of name → settings, in promotion order.
    mutating func parseEnvironments(_ node: Node) -> [EnvironmentDefinition] {
        var environments: [EnvironmentDefinition] = []
        let pairs = mapping(node, allowed: nil, context: "environments")
        if case .mapping = node, pairs.isEmpty {
            error(node, "'environments:' is empty: define at least one environment or remove the section")
        }
        var requiresNodes: [(String, Node)] = []
        var strategyNodes: [(String, Node)] = []
        for (name, keyNode, value) in pairs {
            if !EnvironmentDefinition.isValidName(name) {
                error(
                    keyNode,
                    "environment name '\(name)' must start with a lowercase letter or digit and contain only lowercase letters, digits, '-' and '_' (at most 63)"
                )
            }
            var environment = EnvironmentDefinition(name: name, location: document.location(keyNode))
            let context = "environments.\(name)"
            if !value.isNull {
                for (key, keyNode, setting) in mapping(value, allowed: Self.environmentKeys, context: context) {
                    switch key {
                    case "requires":
                        if let required = string(setting, "\(context).requires") {
                            environment.requires = required
                            requiresNodes.append((required, setting))
                        }
                    case "approvals": environment.approvals = parseApprovals(setting, context: "\(context).approvals")
                    case "deploy": environment.deploy = parseDeploy(setting, context: "\(context).deploy")
                    case "verify": environment.verify = parseVerify(setting, context: "\(context).verify")
                    case "secrets":
                        for (secret, item) in stringList(setting, "\(context).secrets") {
                            if !EnvVar.isValidName(secret) {
                                error(
                                    item,
                                    "\(context).secrets: '\(secret)' is not a valid secret name (letters, digits and '_', not starting with a digit)"
                                )
                            } else if environment.secrets.contains(secret) {
                                error(item, "\(context).secrets lists '\(secret)' twice")
                            } else {
                                environment.secrets.append(secret)
                            }
                        }
                    case "strategy":
                        environment.strategy = parseStrategy(setting, context: "\(context).strategy")
                        if environment.strategy != nil { strategyNodes.append((name, keyNode)) }
                    case "retention":
                        environment.retention = parseRetention(setting, context: "\(context).retention")
                    case "policy": environment.policy = parsePolicy(setting, context: "\(context).policy")
                    default: break
                    }
                }
            }
            // Environments with approvals require a clean tree unless their policy says otherwise: a
            // reviewer approves a commit, and an artifact built with uncommitted changes is not it.
            if environment.approvals != nil {
                var policy = environment.policy ?? EnvironmentPolicy()
                if environment.policy == nil { policy.requireCleanTreeByDefault = true }
                if policy.requireCleanTreeByDefault { policy.requireCleanTree = true }
                environment.policy = policy
            } else if var policy = environment.policy, policy.requireCleanTreeByDefault {
                policy.requireCleanTreeByDefault = false
                environment.policy = policy
            }
            environments.append(environment)
        }
        // A strategy shifts traffic between releases that Gantry runs itself.
        for (name, node) in strategyNodes {
            guard let environment = environments.first(where: { $0.name == name }) else { continue }
            if case .process = environment.deploy?.driver { continue }
            error(
                node,
                "environments.\(name).strategy needs 'deploy: {process: …}': traffic is shifted between releases that gantry proxy runs"
            )
        }
        // `requires` must name an environment declared earlier: the file order is the promotion order,
        // which also rules out cycles.
        for (index, environment) in environments.enumerated() {
            guard let required = environment.requires,
                let node = requiresNodes.first(where: { $0.0 == required })?.1
            else { continue }
            if required == environment.name {
                error(node, "environment '\(environment.name)' cannot require itself")
            } else if let position = environments.firstIndex(where: { $0.name == required }) {
                if position > index {
                    error(
                        node,
                        "environment '\(environment.name)' requires '\(required)', which is declared after it: list environments in promotion order"
                    )
                }
            } else {
                error(
                    node,
                    "environment '\(environment.name)' requires unknown environment '\(required)'\(Suggestion.hint(for: required, in: environments.map(\.name)))"
                )
            }
        }
        return environments
    }

    mutating func parseApprovals(_ node: Node, context: String) -> ApprovalRule? {
        var rule = ApprovalRule()
        for (key, _, value) in mapping(node, allowed: Self.approvalKeys, context: context) {
            switch key {
            case "count":
                guard let count = wholeNumber(value, "\(context).count", in: 1...20) else { continue }
                rule.count = count
            case "roles":
                let roles = stringList(value, "\(context).roles")
                for (role, item) in roles where !ApprovalRule.knownRoles.contains(role) {
                    error(
                        item,
                        "\(context).roles: unknown role '\(role)' (expected \(ApprovalRule.knownRoles.joined(separator: ", ")))\(Suggestion.hint(for: role, in: ApprovalRule.knownRoles))"
                    )
                }
                if case .sequence(let items) = value, items.isEmpty {
                    error(value, "\(context).roles is empty: nobody could approve")
                }
                rule.roles = roles.map(\.0)
            case "totp": rule.totp = bool(value, "\(context).totp") ?? rule.totp
            default: break
            }
        }
        return rule
    }

    mutating func parseDeploy(_ node: Node, context: String) -> DeployDriverDefinition? {
        if case .scalar = node, !node.isNull {
            return string(node, context).map { DeployDriverDefinition(command: $0) }
        }
        var command: String?
        var kubernetes: KubernetesDeployDefinition?
        var process: ProcessDeployDefinition?
        var sawKubernetes = false
        var driver = DeployDriverDefinition(command: "")
        for (key, keyNode, value) in mapping(node, allowed: Self.deployKeys, context: context) {
            switch key {
            case "command", "kubernetes", "process":
                if command != nil || sawKubernetes {
                    error(keyNode, "\(context) takes one of 'command:', 'kubernetes:' and 'process:'")
                    continue
                }
                if key == "command" {
                    command = string(value, "\(context).command")
                } else if key == "kubernetes" {
                    sawKubernetes = true
                    kubernetes = parseKubernetes(value, context: "\(context).kubernetes")
                } else {
                    sawKubernetes = true
                    process = parseProcess(value, context: "\(context).process")
                }
            case "env":
                for (name, keyNode, item) in mapping(value, allowed: nil, context: "\(context).env") {
                    guard EnvVar.isValidName(name) else {
                        error(keyNode, "'\(name)' is not a valid environment variable name")
                        continue
                    }
                    guard case .scalar(let scalar) = item else {
                        error(item, "\(context).env.\(name) must be a string, number or boolean")
                        continue
                    }
                    if Template.containsExpression(scalar.string) {
                        error(item, "\(context).env.\(name): expressions are not evaluated in deploy settings")
                        continue
                    }
                    driver.env.append(EnvVar(name: name, value: item.isNull ? "" : scalar.string))
                }
            case "timeout": driver.timeout = duration(value, "\(context).timeout") ?? driver.timeout
            default: break
            }
        }
        if let kubernetes {
            driver.driver = .kubernetes(kubernetes)
            return driver
        }
        if let process {
            driver.driver = .process(process)
            return driver
        }
        guard let command, !command.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            // A `kubernetes:` that did not parse has said why already.
            if case .mapping = node, !sawKubernetes {
                error(node, "\(context) needs 'command:' (the deploy command to run), 'kubernetes:' or 'process:'")
            }
            return nil
        }
        driver.driver = .command(command)
        return driver
    }

    /// `deploy: {kubernetes: {manifests, image, namespace, context, kubectl}}`.
    mutating func parseKubernetes(_ node: Node, context: String) -> KubernetesDeployDefinition? {
        var manifests: String?
        var image: String?
        var given: Set<String> = []
        var definition = KubernetesDeployDefinition(manifests: "", image: "")
        for (key, _, value) in mapping(node, allowed: KubernetesDeployDefinition.keys, context: context) {
            given.insert(key)
            guard let text = string(value, "\(context).\(key)") else { continue }
            if Template.containsExpression(text) {
                error(value, "\(context).\(key): expressions are not evaluated in deploy settings")
                continue
            }
            switch key {
            case "manifests":
                guard let problem = Self.relativePathProblem(text) else {
                    manifests = text
                    continue
                }
                error(value, "\(context).manifests \(problem)")
            case "image":
                guard let problem = Self.imageRepositoryProblem(text) else {
                    image = text
                    continue
                }
                error(value, "\(context).image \(problem)")
            case "namespace":
                guard Self.isDNSLabel(text) else {
                    error(
                        value,
                        "\(context).namespace '\(text)' is not a valid namespace (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63)"
                    )
                    continue
                }
                definition.namespace = text
            case "context":
                if text.isEmpty || text.hasPrefix("-") {
                    error(value, "\(context).context must be a kubeconfig context name")
                    continue
                }
                definition.context = text
            case "kubectl":
                if text.isEmpty || text.hasPrefix("-") {
                    error(value, "\(context).kubectl must be an executable name or path")
                    continue
                }
                definition.kubectl = text
            default: break
            }
        }
        guard case .mapping = node else { return nil }
        guard let manifests, let image else {
            // A key that was given but refused has been reported already.
            if given.contains("manifests") || given.contains("image") {
                if !given.contains("manifests") {
                    error(node, "\(context) needs 'manifests:' (a manifest file or a directory of them)")
                } else if !given.contains("image") {
                    error(node, "\(context) needs 'image:' (the image repository whose containers get the digest)")
                }
            } else {
                error(node, "\(context) needs 'manifests:' (a file or directory) and 'image:' (the repository to pin)")
            }
            return nil
        }
        definition.manifests = manifests
        definition.image = image
        return definition
    }

    /// `deploy: {process: {command, port_env, readiness: {http | command}, drain, stop_grace}}`.
    mutating func parseProcess(_ node: Node, context: String) -> ProcessDeployDefinition? {
        var definition = ProcessDeployDefinition(command: "")
        var command: String?
        for (key, keyNode, value) in mapping(node, allowed: ProcessDeployDefinition.keys, context: context) {
            switch key {
            case "command": command = string(value, "\(context).command")
            case "port_env":
                guard let name = string(value, "\(context).port_env") else { continue }
                guard EnvVar.isValidName(name) else {
                    error(value, "\(context).port_env: '\(name)' is not a valid environment variable name")
                    continue
                }
                definition.portEnv = name
            case "readiness":
                for (kind, kindNode, setting) in mapping(
                    value, allowed: ["http", "command"], context: "\(context).readiness")
                {
                    guard let text = string(setting, "\(context).readiness.\(kind)") else { continue }
                    if definition.readiness != .port {
                        error(kindNode, "\(context).readiness takes either 'http:' or 'command:', not both")
                    } else if kind == "http" {
                        guard text.hasPrefix("/") else {
                            error(
                                setting, "\(context).readiness.http must be a path starting with '/', found '\(text)'")
                            continue
                        }
                        definition.readiness = .http(text)
                    } else {
                        definition.readiness = .command(text)
                    }
                }
                _ = keyNode
            case "drain": definition.drain = duration(value, "\(context).drain") ?? definition.drain
            case "stop_grace": definition.stopGrace = duration(value, "\(context).stop_grace") ?? definition.stopGrace
            default: break
            }
        }
        guard case .mapping = node else { return nil }
        guard let command, !command.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            error(node, "\(context) needs 'command:' (the command that serves the release)")
            return nil
        }
        if Template.containsExpression(command) {
            error(node, "\(context).command: expressions are not evaluated in deploy settings")
            return nil
        }
        definition.command = command
        return definition
    }

    /// `strategy: {canary: {steps: [{setWeight: N} | {pause: {duration?}} | {analysis: {…}}]}}` or
    /// `strategy: {blueGreen: {previewPort?, autoPromotionEnabled?, autoPromotionSeconds?, scaleDownDelaySeconds?}}`.
    mutating func parseStrategy(_ node: Node, context: String) -> RolloutStrategy? {
        var strategy: RolloutStrategy?
        let pairs = mapping(node, allowed: ["canary", "blueGreen"], context: context)
        if pairs.count > 1 {
            error(node, "\(context) must be one of canary and blueGreen, not both")
            return nil
        }
        for (key, _, value) in pairs where key == "blueGreen" {
            strategy = parseBlueGreen(value, context: "\(context).blueGreen")
        }
        for (key, _, value) in pairs where key == "canary" {
            var sawSteps = false
            for (_, _, stepsNode) in mapping(value, allowed: ["steps"], context: "\(context).canary") {
                sawSteps = true
                guard case .sequence(let items) = stepsNode, !items.isEmpty else {
                    error(stepsNode, "\(context).canary.steps must be a non-empty list of steps")
                    continue
                }
                guard items.count <= RolloutStrategy.maximumSteps else {
                    error(stepsNode, "\(context).canary.steps has more than \(RolloutStrategy.maximumSteps) steps")
                    continue
                }
                var steps: [RolloutStep] = []
                for (index, item) in items.enumerated() {
                    if let step = parseStep(item, context: "\(context).canary.steps[\(index)]") { steps.append(step) }
                }
                strategy = RolloutStrategy(steps: steps)
            }
            if !sawSteps, case .mapping = value {
                error(value, "\(context).canary needs 'steps:'")
            }
        }
        return strategy
    }

    /// Argo Rollouts' `blueGreen` keys that apply to releases Gantry runs.
    mutating func parseBlueGreen(_ node: Node, context: String) -> RolloutStrategy? {
        if node.isNull {
            return .blueGreen(previewPort: nil, autoPromotion: true, autoPromotionAfter: nil, scaleDownDelay: nil)
        }
        var previewPort: Int?
        var autoPromotion = true
        var autoPromotionAfter: Duration?
        var scaleDownDelay: Duration?
        var valid = true
        func whole(_ item: Node, _ setting: String, _ range: ClosedRange<Int>) -> Int? {
            let number = wholeNumber(item, "\(context).\(setting)", in: range)
            if number == nil { valid = false }
            return number
        }
        let unsupported = ["activeService", "previewService", "prePromotionAnalysis", "postPromotionAnalysis"]
        for (setting, keyNode, item) in mapping(
            node, allowed: RolloutStrategy.blueGreenKeys + unsupported, context: context)
        {
            switch setting {
            case "activeService", "previewService":
                error(
                    keyNode,
                    "\(context).\(setting) is not supported: gantry proxy serves the active release on its --listen address and the preview on previewPort"
                )
                valid = false
            case "prePromotionAnalysis", "postPromotionAnalysis":
                error(
                    keyNode,
                    "\(context).\(setting) is not supported: use a canary strategy with [{setWeight: 0}, {analysis: {prometheus: …}}, {pause: {}}] to judge a preview"
                )
                valid = false
            case "previewPort": previewPort = whole(item, setting, 1...65535)
            case "autoPromotionEnabled":
                guard let flag = bool(item, "\(context).autoPromotionEnabled") else {
                    valid = false
                    continue
                }
                autoPromotion = flag
            case "autoPromotionSeconds": autoPromotionAfter = whole(item, setting, 0...86_400).map { .seconds($0) }
            default: scaleDownDelay = whole(item, setting, 0...86_400).map { .seconds($0) }
            }
        }
        if !autoPromotion, autoPromotionAfter != nil {
            error(
                node,
                "\(context): autoPromotionSeconds needs autoPromotionEnabled (it promotes automatically after that time)"
            )
            valid = false
        }
        guard valid, case .mapping = node else { return nil }
        return .blueGreen(
            previewPort: previewPort, autoPromotion: autoPromotion, autoPromotionAfter: autoPromotionAfter,
            scaleDownDelay: scaleDownDelay)
    }

    mutating func parseStep(_ node: Node, context: String) -> RolloutStep? {
        let pairs = mapping(node, allowed: ["setWeight", "pause", "analysis"], context: context)
        guard pairs.count == 1, let (key, _, value) = pairs.first else {
            if case .mapping = node {
                error(node, "\(context) must be exactly one of setWeight, pause and analysis")
            }
            return nil
        }
        switch key {
        case "setWeight":
            return wholeNumber(value, "\(context).setWeight", in: 0...100).map { .setWeight($0) }
        case "pause":
            var duration: Duration?
            if !value.isNull {
                for (_, _, setting) in mapping(value, allowed: ["duration"], context: "\(context).pause") {
                    duration = self.duration(setting, "\(context).pause.duration")
                    if duration == nil { return nil }
                }
            }
            return .pause(duration)
        default:
            var analysis = RolloutAnalysis()
            var proxyKeyNode: (String, Node)?
            for (setting, keyNode, item) in mapping(
                value, allowed: RolloutAnalysis.keys, context: "\(context).analysis")
            {
                if RolloutAnalysis.proxyKeys.contains(setting), proxyKeyNode == nil {
                    proxyKeyNode = (setting, keyNode)
                }
                switch setting {
                case "prometheus":
                    analysis.prometheus = parsePrometheus(item, context: "\(context).analysis.prometheus")
                case "window": analysis.window = duration(item, "\(context).analysis.window") ?? analysis.window
                case "max_error_ratio", "max_p99_ratio":
                    let range = setting == "max_error_ratio" ? 0.0...1.0 : 1.0...1000.0
                    guard case .scalar(let scalar) = item, let number = Double(scalar.string), range.contains(number)
                    else {
                        error(
                            item,
                            "\(context).analysis.\(setting) must be a number from \(range.lowerBound) to \(range.upperBound)"
                        )
                        continue
                    }
                    if setting == "max_error_ratio" {
                        analysis.maxErrorRatio = number
                    } else {
                        analysis.maxP99Ratio = number
                    }
                case "min_requests":
                    analysis.minRequests =
                        wholeNumber(item, "\(context).analysis.min_requests", in: 1...1_000_000) ?? analysis.minRequests
                default: break
                }
            }
            if analysis.prometheus != nil, let (setting, keyNode) = proxyKeyNode {
                error(
                    keyNode,
                    "\(context).analysis.\(setting) judges by the proxy's measurements; an analysis with 'prometheus:' is judged by its query alone (use a second analysis step for both)"
                )
            }
            return .analysis(analysis)
        }
    }

    /// `prometheus: {address: http://…, query: PromQL, success_condition: result <= N}`.
    mutating func parsePrometheus(_ node: Node, context: String) -> PrometheusCheck? {
        var address: PrometheusAddress?
        var query: String?
        var condition: PrometheusCondition?
        var present: Set<String> = []
        for (setting, _, item) in mapping(node, allowed: PrometheusCheck.keys, context: context) {
            present.insert(setting)
            if setting == "address", case .mapping = item {
                // {env: NAME}: the promoting process's variable.
                let pairs = mapping(item, allowed: ["env"], context: "\(context).address")
                for (_, _, nameNode) in pairs {
                    guard case .scalar(let name) = nameNode, VariableName.isValid(name.string) else {
                        error(nameNode, "\(context).address.env must be an environment variable name")
                        continue
                    }
                    address = .environment(name.string)
                }
                if pairs.isEmpty { error(item, "\(context).address must be a URL or {env: NAME}") }
                continue
            }
            guard case .scalar(let scalar) = item, !scalar.string.isEmpty else {
                error(item, "\(context).\(setting) must be a non-empty string")
                continue
            }
            let text = scalar.string
            switch setting {
            case "address":
                if let problem = PrometheusAddress.problem(text) {
                    error(item, "\(context).address \(problem), found '\(text)'")
                    continue
                }
                address = .url(text)
            case "query":
                guard text.utf8.count <= PrometheusCheck.maximumQueryLength else {
                    error(item, "\(context).query is longer than \(PrometheusCheck.maximumQueryLength) bytes")
                    continue
                }
                query = text
            default:
                switch PrometheusCondition.parse(text) {
                case .success(let parsed): condition = parsed
                case .failure(let problem): error(item, "\(context).success_condition: \(problem)")
                }
            }
        }
        guard case .mapping = node else { return nil }
        // Each missing key once; a key that is present but wrong was reported above.
        for setting in ["address", "query"] where !present.contains(setting) {
            error(node, "\(context) needs '\(setting):'")
        }
        if !present.contains("success_condition") {
            error(node, "\(context) needs 'success_condition:' (e.g. 'result <= 0.01')")
        }
        guard let address, let query, let condition else { return nil }
        return PrometheusCheck(address: address, query: query, successCondition: condition)
    }

    /// Why `path` is not a relative path that stays inside its root, or nil.
    static func relativePathProblem(_ path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.hasPrefix("/") || path.hasPrefix("~") {
            return "must be a relative path (inside the artifact or next to the pipeline file), found '\(path)'"
        }
        if path.split(separator: "/").contains("..") { return "must not leave its directory ('..'), found '\(path)'" }
        if path.contains("\0") { return "contains a NUL character" }
        return nil
    }

    /// Why `text` is not an image repository without tag or digest (`host[:port]/path`), or nil.
    static func imageRepositoryProblem(_ text: String) -> String? {
        if text.contains("@") {
            return
                "names the repository only, without a digest: Gantry adds @<digest> of the promoted artifact (found '\(text)')"
        }
        let lastComponent = text.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        if lastComponent.contains(":") {
            return
                "names the repository only, without a tag: a tag can move, so Gantry pins by digest (found '\(text)')"
        }
        let components = text.split(separator: "/", omittingEmptySubsequences: false)
        let pathComponents =
            components.count > 1 && ImageName.isRegistryHost(components[0]) ? components.dropFirst() : components[...]
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        for component in pathComponents {
            guard let first = component.first, let last = component.last, first.isLetter || first.isNumber,
                last.isLetter || last.isNumber, component.allSatisfy({ allowed.contains($0) })
            else {
                return
                    "is not a valid image repository (lowercase path components such as registry.example.com/team/web), found '\(text)'"
            }
        }
        return nil
    }

    /// An RFC 1123 label: what Kubernetes accepts as a namespace name.
    static func isDNSLabel(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last, text.count <= 63 else {
            return false
        }
        func alphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        return alphanumeric(first) && alphanumeric(last)
            && text.unicodeScalars.allSatisfy { alphanumeric($0) || $0 == "-" }
    }

    mutating func parseVerify(_ node: Node, context: String) -> HealthCheckDefinition? {
        var probe: HealthCheckDefinition.Probe?
        var check = HealthCheckDefinition(probe: .command("true"))
        for (key, keyNode, value) in mapping(node, allowed: Self.verifyKeys, context: context) {
            switch key {
            case "http", "command":
                guard let text = string(value, "\(context).\(key)") else { continue }
                if probe != nil {
                    error(keyNode, "\(context) takes either 'http:' or 'command:', not both")
                    continue
                }
                if key == "http" {
                    guard text.hasPrefix("http://") || text.hasPrefix("https://"),
                        text.dropFirst(text.hasPrefix("https://") ? 8 : 7).first.map({ $0 != "/" }) == true
                    else {
                        error(value, "\(context).http must be an http:// or https:// URL, found '\(text)'")
                        continue
                    }
                    probe = .http(text)
                } else {
                    probe = .command(text)
                }
            case "timeout": check.timeout = duration(value, "\(context).timeout") ?? check.timeout
            case "interval": check.interval = duration(value, "\(context).interval") ?? check.interval
            case "retries":
                guard let count = wholeNumber(value, "\(context).retries", in: 0...100) else { continue }
                check.retries = count
            default: break
            }
        }
        guard let probe else {
            if case .mapping = node { error(node, "\(context) needs 'http:' (a URL expecting 2xx) or 'command:'") }
            return nil
        }
        check.probe = probe
        return check
    }

    mutating func parseRetention(_ node: Node, context: String) -> Int {
        for (key, _, value) in mapping(node, allowed: Self.retentionKeys, context: context) where key == "keep" {
            guard let keep = wholeNumber(value, "\(context).keep", in: 1...10_000) else { continue }
            return keep
        }
        return 10
    }

    mutating func parsePolicy(_ node: Node, context: String) -> EnvironmentPolicy {
        var policy = EnvironmentPolicy()
        var explicitCleanTree = false
        for (key, _, value) in mapping(node, allowed: EnvironmentPolicy.keys, context: context) {
            switch key {
            case "require_signature": policy.requireSignature = bool(value, "\(context).\(key)") ?? false
            case "require_provenance": policy.requireProvenance = bool(value, "\(context).\(key)") ?? false
            case "require_sbom_seal": policy.requireSBOMSeal = bool(value, "\(context).\(key)") ?? false
            case "only_fixed": policy.onlyFixed = bool(value, "\(context).\(key)") ?? false
            case "regression_only": policy.regressionOnly = bool(value, "\(context).\(key)") ?? false
            case "no_secrets": policy.noSecrets = bool(value, "\(context).\(key)") ?? false
            case "pinned_base_images": policy.pinnedBaseImages = bool(value, "\(context).\(key)") ?? false
            case "require_clean_tree":
                policy.requireCleanTree = bool(value, "\(context).\(key)") ?? false
                explicitCleanTree = true
            case "max_cvss":
                guard case .scalar(let scalar) = value, let score = Double(scalar.string), (0...10).contains(score)
                else {
                    error(value, "\(context).max_cvss must be a number from 0.0 to 10.0")
                    continue
                }
                policy.maxCVSS = score
            case "terraform_max_risk":
                guard let risk = wholeNumber(value, "\(context).terraform_max_risk", in: 0...100) else { continue }
                policy.terraformMaxRisk = risk
            default: break
            }
        }
        if !explicitCleanTree { policy.requireCleanTreeByDefault = true }
        return policy
    }
}
