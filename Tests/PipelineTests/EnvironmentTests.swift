import GantryCore
import Testing

@testable import Pipeline

@Suite struct EnvironmentTests {
    let jobs = """
        jobs:
          build:
            steps: [{ run: "true" }]

        """

    @Test func aCleanTreeIsRequiredByDefaultWhereApprovalsAreAndNowhereElse() throws {
        let definition = try parse(
            """
            jobs:
              a:
                steps: [{ run: echo }]
            environments:
              dev: {}
              staging:
                approvals: { count: 1 }
              prod:
                approvals: { count: 1 }
                policy: { require_clean_tree: false }
              lab:
                policy: { require_clean_tree: true }
            """
        ).get()
        #expect(definition.environment("dev")?.policy == nil)
        #expect(definition.environment("staging")?.policy?.requireCleanTree == true)
        #expect(definition.environment("staging")?.policy?.requireCleanTreeByDefault == true)
        #expect(definition.environment("prod")?.policy?.requireCleanTree == false)
        #expect(definition.environment("lab")?.policy?.requireCleanTree == true)
        #expect(definition.environment("lab")?.policy?.requireCleanTreeByDefault == false)
    }

    @Test func everySettingIsRead() throws {
        let definition = try parse(
            jobs + """
                environments:
                  dev:
                    deploy: ./deploy.sh
                    verify: { http: "http://127.0.0.1:8080/healthz" }
                  staging:
                    requires: dev
                    approvals: { count: 2, roles: [releaser, admin] }
                    deploy:
                      command: ./deploy.sh staging
                      env: { REGION: eu-west-1 }
                      timeout: 2m
                    verify:
                      command: ./smoke.sh
                      timeout: 30s
                      interval: 5s
                      retries: 6
                    retention: { keep: 3 }
                    policy: { max_cvss: 7.0, no_secrets: true }
                  prod:
                    requires: staging
                    approvals: { totp: true }
                """
        ).get()
        #expect(definition.environments.map(\.name) == ["dev", "staging", "prod"])
        let dev = try #require(definition.environment("dev"))
        #expect(dev.requires == nil)
        #expect(dev.approvals == nil)
        #expect(dev.deploy?.command == "./deploy.sh")
        #expect(dev.verify?.probe == .http("http://127.0.0.1:8080/healthz"))
        #expect(dev.retention == 10)
        let staging = try #require(definition.environment("staging"))
        #expect(staging.requires == "dev")
        #expect(staging.approvals == ApprovalRule(count: 2, roles: ["releaser", "admin"], totp: false))
        #expect(
            staging.deploy
                == DeployDriverDefinition(
                    command: "./deploy.sh staging", env: [EnvVar(name: "REGION", value: "eu-west-1")],
                    timeout: .seconds(120)))
        #expect(
            staging.verify
                == HealthCheckDefinition(
                    probe: .command("./smoke.sh"), timeout: .seconds(30), interval: .seconds(5), retries: 6))
        #expect(staging.retention == 3)
        var policy = EnvironmentPolicy()
        policy.maxCVSS = 7.0
        policy.noSecrets = true
        // staging has approvals: a clean working tree is required by default.
        policy.requireCleanTree = true
        policy.requireCleanTreeByDefault = true
        #expect(staging.policy == policy)
        let prod = try #require(definition.environment("prod"))
        #expect(prod.approvals == ApprovalRule(count: 1, roles: ["releaser", "admin"], totp: true))
        #expect(prod.location.line == 22)
        #expect(prod.location.column == 3)
    }

    @Test func kubernetesDeploysAndSecretsAreRead() throws {
        let definition = try parse(
            jobs + """
                environments:
                  prod:
                    secrets: [KUBE_TOKEN, REGISTRY_PASSWORD]
                    deploy:
                      kubernetes:
                        manifests: deploy/k8s/
                        image: registry.example.com:5000/team/web
                        namespace: "123"
                        context: prod-eu
                      env: { KUBECONFIG: /etc/gantry/kubeconfig }
                      timeout: 5m
                  dev:
                    deploy: { kubernetes: { manifests: k8s.yaml, image: web } }
                """
        ).get()
        let prod = try #require(definition.environment("prod"))
        #expect(prod.secrets == ["KUBE_TOKEN", "REGISTRY_PASSWORD"])
        #expect(
            prod.deploy
                == DeployDriverDefinition(
                    driver: .kubernetes(
                        KubernetesDeployDefinition(
                            manifests: "deploy/k8s/", image: "registry.example.com:5000/team/web", namespace: "123",
                            context: "prod-eu")),
                    env: [EnvVar(name: "KUBECONFIG", value: "/etc/gantry/kubeconfig")], timeout: .seconds(300)))
        #expect(prod.deploy?.command == nil)
        #expect(
            definition.environment("dev")?.deploy?.driver
                == .kubernetes(KubernetesDeployDefinition(manifests: "k8s.yaml", image: "web")))
    }

    @Test func kubernetesMistakesAreReportedWithTheirPosition() {
        let result = diagnostics(
            jobs + """
                environments:
                  a:
                    secrets: [GOOD, 9BAD, GOOD]
                    deploy: { command: ./deploy.sh, kubernetes: { manifests: k8s, image: web } }
                  b:
                    deploy:
                      kubernetes:
                        manifests: ../../etc
                        image: registry.example.com/team/web:1.2
                        namespace: Prod
                        kubectl: "${{ env.KUBECTL }}"
                  c:
                    deploy: { kubernetes: { manifests: /srv/k8s, image: "web@sha256:abc" } }
                  d:
                    deploy: { kubernetes: { image: Web } }
                  e:
                    deploy: { kubernetes: { manifests: k8s } }
                """)
        let expected = [
            "gantry.yml:6:21: error: environments.a.secrets: '9BAD' is not a valid secret name (letters, digits and '_', not starting with a digit)",
            "gantry.yml:6:27: error: environments.a.secrets lists 'GOOD' twice",
            "gantry.yml:7:37: error: environments.a.deploy takes one of 'command:', 'kubernetes:' and 'process:'",
            "gantry.yml:11:20: error: environments.b.deploy.kubernetes.manifests must not leave its directory ('..'), found '../../etc'",
            "gantry.yml:12:16: error: environments.b.deploy.kubernetes.image names the repository only, without a tag: a tag can move, so Gantry pins by digest (found 'registry.example.com/team/web:1.2')",
            "gantry.yml:13:20: error: environments.b.deploy.kubernetes.namespace 'Prod' is not a valid namespace (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63)",
            "gantry.yml:14:18: error: environments.b.deploy.kubernetes.kubectl: expressions are not evaluated in deploy settings",
            "gantry.yml:16:40: error: environments.c.deploy.kubernetes.manifests must be a relative path (inside the artifact or next to the pipeline file), found '/srv/k8s'",
            "gantry.yml:16:57: error: environments.c.deploy.kubernetes.image names the repository only, without a digest: Gantry adds @<digest> of the promoted artifact (found 'web@sha256:abc')",
            "gantry.yml:18:27: error: environments.d.deploy.kubernetes needs 'manifests:' (a manifest file or a directory of them)",
            "gantry.yml:18:36: error: environments.d.deploy.kubernetes.image is not a valid image repository (lowercase path components such as registry.example.com/team/web), found 'Web'",
            "gantry.yml:20:27: error: environments.e.deploy.kubernetes needs 'image:' (the image repository whose containers get the digest)",
        ]
        // Each mistake once: no "needs manifests:" for a manifests: that was refused.
        #expect(result == expected, "got:\n\(result.joined(separator: "\n"))")
    }

    @Test func processDeploysAndCanaryStrategiesAreRead() throws {
        let definition = try parse(
            jobs + """
                environments:
                  prod:
                    deploy:
                      process:
                        command: ./bin/web --port "$HTTP_PORT"
                        port_env: HTTP_PORT
                        readiness: { http: /healthz }
                        drain: 45s
                        stop_grace: 5s
                    strategy:
                      canary:
                        steps:
                          - setWeight: 10
                          - pause: { duration: 1m }
                          - analysis: { window: 2m, max_error_ratio: 0.02, max_p99_ratio: 1.5, min_requests: 100 }
                          - setWeight: 50
                          - pause: {}
                  dev:
                    deploy: { process: { command: python3 app.py } }
                """
        ).get()
        let prod = try #require(definition.environment("prod"))
        #expect(
            prod.deploy?.driver
                == .process(
                    ProcessDeployDefinition(
                        command: "./bin/web --port \"$HTTP_PORT\"", portEnv: "HTTP_PORT", readiness: .http("/healthz"),
                        drain: .seconds(45), stopGrace: .seconds(5))))
        #expect(
            prod.strategy?.steps == [
                .setWeight(10), .pause(.seconds(60)),
                .analysis(
                    RolloutAnalysis(window: .seconds(120), maxErrorRatio: 0.02, maxP99Ratio: 1.5, minRequests: 100)),
                .setWeight(50), .pause(nil),
            ])
        #expect(
            definition.environment("dev")?.deploy?.driver
                == .process(ProcessDeployDefinition(command: "python3 app.py")))
    }

    @Test func strategyMistakesAreReportedWithTheirPosition() {
        let result = diagnostics(
            jobs + """
                environments:
                  a:
                    deploy: ./deploy.sh
                    strategy: { canary: { steps: [{ setWeight: 10 }] } }
                  b:
                    deploy: { process: { command: ./web, readiness: { http: healthz }, port_env: 1X } }
                    strategy:
                      canary:
                        steps:
                          - setWeight: 150
                          - { setWeight: 10, pause: {} }
                          - analysis: { max_error_ratio: 2, windw: 1m }
                          - pause: { duration: soon }
                  c:
                    deploy: { process: { port_env: PORT } }
                    strategy: { canary: { steps: [] } }
                """)
        let expected = [
            "gantry.yml:7:5: error: environments.a.strategy needs 'deploy: {process: …}': traffic is shifted between releases that gantry proxy runs",
            "gantry.yml:9:61: error: environments.b.deploy.process.readiness.http must be a path starting with '/', found 'healthz'",
            "gantry.yml:9:82: error: environments.b.deploy.process.port_env: '1X' is not a valid environment variable name",
            "gantry.yml:13:24: error: environments.b.strategy.canary.steps[0].setWeight must be a whole number from 0 to 100",
            "gantry.yml:14:13: error: environments.b.strategy.canary.steps[1] must be exactly one of setWeight, pause and analysis",
            "gantry.yml:15:42: error: environments.b.strategy.canary.steps[2].analysis.max_error_ratio must be a number from 0.0 to 1.0",
            "gantry.yml:15:45: error: unknown key 'windw' in environments.b.strategy.canary.steps[2].analysis (did you mean 'window'?)",
            "gantry.yml:18:24: error: environments.c.deploy.process needs 'command:' (the command that serves the release)",
            "gantry.yml:19:34: error: environments.c.strategy.canary.steps must be a non-empty list of steps",
        ]
        for line in expected {
            #expect(result.contains(line), "missing: \(line)\ngot:\n\(result.joined(separator: "\n"))")
        }
        #expect(
            result.contains {
                $0.hasPrefix(
                    "gantry.yml:16:32: error: environments.b.strategy.canary.steps[3].pause.duration: invalid duration 'soon'"
                )
            })
        #expect(result.count == expected.count + 1, "each mistake once:\n\(result.joined(separator: "\n"))")
    }

    @Test func prometheusAnalysisIsReadWithItsCondition() throws {
        let definition = try parse(
            jobs + """
                environments:
                  prod:
                    deploy: { process: { command: ./web } }
                    strategy:
                      canary:
                        steps:
                          - setWeight: 10
                          - analysis:
                              window: 1m
                              prometheus:
                                address: http://127.0.0.1:9090
                                query: sum(rate(gantry_proxy_responses_5xx_total{release="{{canary}}"}[1m]))
                                success_condition: result[0] <= 0.5
                """
        ).get()
        let steps = try #require(definition.environment("prod")?.strategy?.steps)
        guard case .analysis(let analysis) = steps[1], let check = analysis.prometheus else {
            Issue.record("no prometheus analysis: \(steps)")
            return
        }
        #expect(analysis.window == .seconds(60))
        #expect(check.address == .url("http://127.0.0.1:9090"))
        #expect(check.address.resolve(in: [:]) == .success("http://127.0.0.1:9090"))
        let fromEnvironment = PrometheusAddress.environment("PROM")
        #expect(fromEnvironment.resolve(in: ["PROM": "http://127.0.0.1:1"]) == .success("http://127.0.0.1:1"))
        #expect(
            fromEnvironment.resolve(in: [:])
                == .failure(
                    .init(
                        description:
                            "the Prometheus address is read from $PROM, which is not set: set it to the server's URL (e.g. http://127.0.0.1:9090) where gantry promotes"
                    )))
        #expect(
            fromEnvironment.resolve(in: ["PROM": "127.0.0.1:9090"])
                == .failure(
                    .init(
                        description:
                            "$PROM must be the server's http:// or https:// base URL (e.g. http://127.0.0.1:9090), found '127.0.0.1:9090'"
                    )))
        #expect(check.successCondition == PrometheusCondition(.lessOrEqual, 0.5))
        #expect(
            check.renderedQuery(canary: "sha256:abc", stable: "sha256:def", app: "web", environment: "prod")
                == "sum(rate(gantry_proxy_responses_5xx_total{release=\"sha256:abc\"}[1m]))")
    }

    @Test func blueGreenIsAPreviewThenASwitch() throws {
        let definition = try parse(
            jobs + """
                environments:
                  prod:
                    deploy: { process: { command: ./web } }
                    strategy:
                      blueGreen: { previewPort: 8081, autoPromotionEnabled: false, scaleDownDelaySeconds: 60 }
                  stage:
                    deploy: { process: { command: ./web } }
                    strategy:
                      blueGreen: { autoPromotionSeconds: 30 }
                  dev:
                    deploy: { process: { command: ./web } }
                    strategy: { blueGreen: }
                """
        ).get()
        let prod = try #require(definition.environment("prod")?.strategy)
        #expect(prod.steps == [.setWeight(0), .pause(nil)])
        #expect(prod.previewPort == 8081 && prod.scaleDownDelay == .seconds(60))
        #expect(definition.environment("stage")?.strategy?.steps == [.setWeight(0), .pause(.seconds(30))])
        #expect(definition.environment("dev")?.strategy?.steps == [.setWeight(0), .pause(.zero)])
        // Cautious: the preview still takes no traffic by weight.
        #expect(prod.cautious.steps == [.setWeight(0), .pause(nil)])
        #expect(prod.cautious.previewPort == 8081)
    }

    @Test func blueGreenMistakesAreReportedWithTheirPosition() {
        let result = diagnostics(
            jobs + """
                environments:
                  a:
                    deploy: { process: { command: ./web } }
                    strategy: { blueGreen: { previewPort: 0, autoPromotionEnabled: maybe } }
                  b:
                    deploy: { process: { command: ./web } }
                    strategy: { blueGreen: { activeService: web, autoPromotionSeconds: -1 } }
                  c:
                    deploy: { process: { command: ./web } }
                    strategy: { blueGreen: { autoPromotionEnabled: false, autoPromotionSeconds: 10 }, canary: { steps: [] } }
                  d:
                    deploy: { process: { command: ./web } }
                    strategy: { blueGreen: { autoPromotionEnabled: false, autoPromotionSeconds: 10 } }
                """)
        let expected = [
            "gantry.yml:7:43: error: environments.a.strategy.blueGreen.previewPort must be a whole number from 1 to 65535",
            "gantry.yml:7:68: error: environments.a.strategy.blueGreen.autoPromotionEnabled must be true or false, found 'maybe'",
            "gantry.yml:10:30: error: environments.b.strategy.blueGreen.activeService is not supported: gantry proxy serves the active release on its --listen address and the preview on previewPort",
            "gantry.yml:10:72: error: environments.b.strategy.blueGreen.autoPromotionSeconds must be a whole number from 0 to 86400",
            "gantry.yml:13:15: error: environments.c.strategy must be one of canary and blueGreen, not both",
            "gantry.yml:16:28: error: environments.d.strategy.blueGreen: autoPromotionSeconds needs autoPromotionEnabled (it promotes automatically after that time)",
        ]
        #expect(result == expected, "got:\n\(result.joined(separator: "\n"))")
    }

    @Test func prometheusConditionsAreOneComparison() throws {
        #expect(try PrometheusCondition.parse("result >= 0.95").get() == PrometheusCondition(.greaterOrEqual, 0.95))
        #expect(try PrometheusCondition.parse(" result[0]<3").get() == PrometheusCondition(.less, 3))
        #expect(try PrometheusCondition.parse("result != 0").get().holds(for: 1))
        #expect(try PrometheusCondition.parse("result == 0").get().holds(for: 0))
        #expect(try !PrometheusCondition.parse("result <= 1").get().holds(for: .nan))
        #expect(try !PrometheusCondition.parse("result > 1").get().holds(for: 1))
        for bad in [
            "", "result", "len(result) == 1", "result <= 1 && result > 0", "result <= nan", "result <= inf", "x < 1",
        ] {
            #expect(throws: PrometheusCondition.ConditionError.self, "\(bad)") {
                try PrometheusCondition.parse(bad).get()
            }
        }
    }

    @Test func prometheusAnalysisMistakesAreReportedWithTheirPosition() {
        let result = diagnostics(
            jobs + """
                environments:
                  prod:
                    deploy: { process: { command: ./web } }
                    strategy:
                      canary:
                        steps:
                          - analysis: { prometheus: { address: "ftp://x", query: up, success_condition: "result ~ 1" } }
                          - analysis: { min_requests: 5, prometheus: { address: "http://p:9090", query: up, success_condition: result > 0 } }
                          - analysis: { prometheus: { query: "" } }
                          - analysis: { prometheus: { address: { env: 1X }, query: up, success_condition: result == 1 } }
                          - analysis: { prometheus: { address: { env: PROMETHEUS_URL }, query: up, success_condition: result == 1 } }
                """)
        let expected = [
            "gantry.yml:10:48: error: environments.prod.strategy.canary.steps[0].analysis.prometheus.address must be the server's http:// or https:// base URL (e.g. http://127.0.0.1:9090), found 'ftp://x'",
            "gantry.yml:10:89: error: environments.prod.strategy.canary.steps[0].analysis.prometheus.success_condition: 'result ~ 1' is not a condition gantry can check: write 'result OP NUMBER' with OP one of <=, >=, <, >, ==, != (e.g. 'result <= 0.01')",
            "gantry.yml:11:25: error: environments.prod.strategy.canary.steps[1].analysis.min_requests judges by the proxy's measurements; an analysis with 'prometheus:' is judged by its query alone (use a second analysis step for both)",
            "gantry.yml:12:37: error: environments.prod.strategy.canary.steps[2].analysis.prometheus needs 'address:'",
            "gantry.yml:12:37: error: environments.prod.strategy.canary.steps[2].analysis.prometheus needs 'success_condition:' (e.g. 'result <= 0.01')",
            "gantry.yml:12:46: error: environments.prod.strategy.canary.steps[2].analysis.prometheus.query must be a non-empty string",
            "gantry.yml:13:55: error: environments.prod.strategy.canary.steps[3].analysis.prometheus.address.env must be an environment variable name",
        ]
        for line in expected {
            #expect(result.contains(line), "missing: \(line)\ngot:\n\(result.joined(separator: "\n"))")
        }
        #expect(result.count == expected.count, "each mistake once:\n\(result.joined(separator: "\n"))")
    }

    @Test func mistakesAreReportedWithTheirPosition() {
        let result = diagnostics(
            jobs + """
                environments:
                  dev:
                    deploy: { comand: ./deploy.sh }
                    verify: { http: "ftp://x", command: "true" }
                    aprovals: {}
                  Staging:
                    requires: prod
                  qa:
                    requires: qa
                    approvals: { count: 0, roles: [releasor] }
                    verify: { retries: 3 }
                    retention: { keep: 0 }
                  prod:
                    requires: stagin
                    deploy:
                      command: ./deploy.sh
                      env: { TOKEN: "${{ secrets.TOKEN }}" }
                """)
        let expected = [
            "gantry.yml:6:15: error: unknown key 'comand' in environments.dev.deploy (did you mean 'command'?)",
            "gantry.yml:6:13: error: environments.dev.deploy needs 'command:' (the deploy command to run), 'kubernetes:' or 'process:'",
            "gantry.yml:7:21: error: environments.dev.verify.http must be an http:// or https:// URL, found 'ftp://x'",
            "gantry.yml:8:5: error: unknown key 'aprovals' in environments.dev (did you mean 'approvals'?)",
            "gantry.yml:9:3: error: environment name 'Staging' must start with a lowercase letter or digit and contain only lowercase letters, digits, '-' and '_' (at most 63)",
            "gantry.yml:10:15: error: environment 'Staging' requires 'prod', which is declared after it: list environments in promotion order",
            "gantry.yml:12:15: error: environment 'qa' cannot require itself",
            "gantry.yml:13:25: error: environments.qa.approvals.count must be a whole number from 1 to 20",
            "gantry.yml:13:36: error: environments.qa.approvals.roles: unknown role 'releasor' (expected viewer, developer, releaser, admin) (did you mean 'releaser'?)",
            "gantry.yml:14:13: error: environments.qa.verify needs 'http:' (a URL expecting 2xx) or 'command:'",
            "gantry.yml:15:24: error: environments.qa.retention.keep must be a whole number from 1 to 10000",
            "gantry.yml:17:15: error: environment 'prod' requires unknown environment 'stagin' (did you mean 'Staging'?)",
            "gantry.yml:20:21: error: environments.prod.deploy.env.TOKEN: expressions are not evaluated in deploy settings",
        ]
        for line in expected {
            #expect(result.contains(line), "missing: \(line)\ngot:\n\(result.joined(separator: "\n"))")
        }
    }

    @Test func emptyOrWrongShapedSectionsAreErrors() {
        #expect(
            diagnostics(jobs + "environments: {}\n").contains {
                $0.contains("'environments:' is empty")
            })
        #expect(
            diagnostics(jobs + "environments: [dev, prod]\n").contains {
                $0.contains("environments must be a mapping, found a list")
            })
        #expect(diagnostics(jobs + "environments:\n  dev:\n    verify: { http: x, command: y }\n").count >= 1)
    }
}
