import Foundation

extension ProviderSecretRules {
    /// A provider's key without a prefix of its own, found by the provider's name in the assignment:
    /// `FASTLY_API_TOKEN = "…"`, `okta.api.token: …`, `"cloudflareToken": "…"`. `value` is the key's
    /// documented shape (case-insensitive, as the whole pattern).
    static func named(
        _ id: String, _ description: String, _ severity: Severity = .high, names: [String], value: String,
        entropy: Double = 3
    ) throws -> SecretRule {
        let alternatives = names.map { NSRegularExpression.escapedPattern(for: $0) }.joined(separator: "|")
        return try rule(
            id, description, severity, keywords: names.map { $0.lowercased() },
            #"(?i)(?:"# + alternatives
                + #")[\w.-]{0,25}?["']?\s*(?:=|:|=>|:=|,)\s*["'\x60]?("# + value + #")(?:["'\x60\s;,)]|\\[nrt]|$)"#,
            entropy: entropy)
    }

    /// Developer platforms, CI services, observability and AI APIs.
    // swiftlint:disable:next function_body_length
    static func developerToolRules() throws -> [SecretRule] {
        [
            try rule(
                "adobe-client-secret", "Adobe client secret", .high, keywords: ["p8e-"],
                #"(?i)\b(p8e-[a-z0-9]{32})"# + end),
            try rule(
                "airtable-pat", "Airtable personal access token", .high, keywords: ["pat"],
                #"\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b"#),
            try rule(
                "buildkite-token", "Buildkite API access token", .critical, keywords: ["bkua_"],
                #"\b(bkua_[a-f0-9]{40})\b"#),
            try rule(
                "circleci-token", "CircleCI personal or project API token", .critical,
                keywords: ["ccipat_", "cciprj_"], #"\b(CCI(?:PAT|PRJ)_[A-Za-z0-9]{22}_[a-f0-9]{40})\b"#),
            try rule(
                "sonarqube-token", "SonarQube / SonarCloud token", .high, keywords: ["squ_", "sqp_", "sqa_"],
                #"\b(sq[upa]_[a-f0-9]{40})\b"#),
            try rule(
                "sourcegraph-token", "Sourcegraph access token", .high, keywords: ["sgp_"],
                #"\b(sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40})\b"#),
            try rule(
                "harness-token", "Harness personal or service account token", .critical, keywords: ["pat.", "sat."],
                #"\b((?:pat|sat)\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20})\b"#),
            try rule(
                "infracost-api-key", "Infracost API key", .high, keywords: ["ico-"],
                #"\b(ico-[A-Za-z0-9]{32})\b"#),
            try rule(
                "intra42-client-secret", "42 Intra client secret", .high, keywords: ["s-s4t2"],
                #"\b(s-s4t2(?:ud|af)-[a-f0-9]{64})\b"#),
            try rule(
                "prefect-api-key", "Prefect API key", .high, keywords: ["pnu_"], #"\b(pnu_[A-Za-z0-9]{36})\b"#),
            try rule(
                "readme-api-key", "ReadMe API key", .high, keywords: ["rdme_"], #"\b(rdme_[a-z0-9]{70})\b"#),
            try rule(
                "scalingo-api-token", "Scalingo API token", .high, keywords: ["tk-us-"],
                #"\b(tk-us-[\w-]{48})"# + end),
            try rule(
                "settlemint-token", "SettleMint access token", .high, keywords: ["sm_pat_", "sm_aat_", "sm_sat_"],
                #"\b(sm_(?:pat|aat|sat)_[A-Za-z0-9]{16})\b"#),
            try rule(
                "typeform-token", "Typeform personal access token", .high, keywords: ["tfp_"],
                #"\b(tfp_[A-Za-z0-9_.=-]{59})"# + end),
            try rule(
                "frameio-token", "Frame.io API token", .high, keywords: ["fio-u-"],
                #"\b(fio-u-[A-Za-z0-9_=-]{64})"# + end),
            try rule(
                "defined-networking-api-token", "Defined Networking (Nebula) API token", .high, keywords: ["dnkey-"],
                #"\b(dnkey-[a-z0-9=_-]{26}-[a-z0-9=_-]{52})"# + end),
            try rule(
                "tailscale-key", "Tailscale API, auth, OAuth client, webhook or SCIM key", .critical,
                keywords: ["tskey-"],
                #"\b(tskey-(?:api|auth|client|webhook|scim)-[A-Za-z0-9]{10,20}-[A-Za-z0-9]{20,40})\b"#),
            try rule(
                "posthog-personal-api-key", "PostHog personal API key", .high, keywords: ["phx_"],
                #"\b(phx_[A-Za-z0-9]{43})\b"#),
            try rule(
                "langsmith-api-key", "LangSmith API key", .high, keywords: ["lsv2_"],
                #"\b(lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})\b"#),
            try rule(
                "openrouter-api-key", "OpenRouter API key", .high, keywords: ["sk-or-v1-"],
                #"\b(sk-or-v1-[a-f0-9]{64})\b"#),
            try rule(
                "figma-pat", "Figma personal access token", .high, keywords: ["figd_"],
                #"\b(figd_[A-Za-z0-9_-]{40,43})"# + end),
            try rule(
                "maxmind-license-key", "MaxMind license key", .high, keywords: ["_mmk"],
                #"\b([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)\b"#),
            try rule(
                "launchdarkly-key", "LaunchDarkly API or SDK key", .high, keywords: ["api-", "sdk-"],
                #"\b((?:api|sdk)-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})\b"#),
            try rule(
                "1password-secret-key", "1Password account secret key", .critical, keywords: ["a3-"],
                #"\b(A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})\b"#),
            // Keys without a prefix: the provider's name in the assignment.
            try named(
                "asana-pat", "Asana personal access token", .high, names: ["asana"],
                value: #"[0-9]/[0-9]{16}(?:/[0-9]{16})?:[a-z0-9]{32}"#),
            try named(
                "okta-api-token", "Okta API token", .critical, names: ["okta"], value: #"00[a-z0-9_-]{40}"#),
            try named(
                "cloudflare-api-token", "Cloudflare API token or global API key", .critical,
                names: ["cloudflare", "cf_api", "cf-api"], value: #"[a-z0-9_-]{40}|[a-f0-9]{37}"#),
            try named(
                "vercel-token", "Vercel access token", .high, names: ["vercel"], value: #"[a-z0-9]{24}"#),
            try named("fastly-api-token", "Fastly API token", .high, names: ["fastly"], value: #"[a-z0-9_-]{32}"#),
            try named(
                "algolia-api-key", "Algolia admin or API key", .high, names: ["algolia"], value: #"[a-f0-9]{32}"#),
            try named(
                "contentful-token", "Contentful delivery or management token", .high, names: ["contentful"],
                value: #"CFPAT-[a-z0-9_-]{43}|[a-z0-9_-]{43}"#),
            try named("beamer-api-token", "Beamer API token", .high, names: ["beamer"], value: #"b_[a-z0-9=_-]{44}"#),
            try named(
                "intercom-token", "Intercom access token", .high, names: ["intercom"], value: #"[a-z0-9=_-]{60}"#),
            try named(
                "pagerduty-api-key", "PagerDuty API key", .high, names: ["pagerduty", "pager_duty"],
                value: #"u\+[a-z0-9_+-]{18}|[a-z0-9_+-]{20}"#),
            try named(
                "sumologic-access-key", "Sumo Logic access key", .high, names: ["sumo"],
                value: #"su[a-z0-9]{12}|[a-z0-9]{64}"#),
            try named(
                "mattermost-token", "Mattermost access token", .high, names: ["mattermost"], value: #"[a-z0-9]{26}"#),
            try named(
                "azure-devops-pat", "Azure DevOps personal access token", .critical,
                names: ["azure_devops", "azure-devops", "azuredevops", "ado_pat", "ado_token", "system_accesstoken"],
                value: #"[a-z2-7]{52}|[a-z0-9]{84}"#),
            try named("cohere-api-key", "Cohere API key", .high, names: ["cohere", "co_api"], value: #"[a-z0-9]{40}"#),
            try named("mistral-api-key", "Mistral AI API key", .high, names: ["mistral"], value: #"[a-z0-9]{32}"#),
            try named(
                "ngrok-authtoken", "ngrok authtoken or API key", .high, names: ["ngrok"],
                value: #"[0-9a-z]{25,27}_[0-9a-z]{20,22}"#),
            try named(
                "travis-ci-token", "Travis CI access token", .high, names: ["travis"], value: #"[a-z0-9]{22}"#),
            try named(
                "codecov-token", "Codecov upload or access token", .medium, names: ["codecov"],
                value: #"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"#),
            try named(
                "etherscan-api-key", "Etherscan API key", .medium, names: ["etherscan"], value: #"[a-z0-9]{34}"#),
        ]
    }
}
