/// gitleaks' rule ids in Gantry's words: a gitleaks config's `disabledRules` and a `.gitleaksignore`
/// name gitleaks' default rules, which Gantry covers under its own ids (often one rule for a family
/// gitleaks splits, such as Slack's token kinds).
enum GitleaksRuleNames {
    /// The Gantry rules a gitleaks rule id stands for: the same id when Gantry has it, else its alias,
    /// else every Gantry rule of the same family (`slack-bot-token` → the `slack-` rules); nil when
    /// nothing corresponds.
    static func gantryRules(for id: String) -> Set<String>? {
        let known = Self.knownIDs
        if known.contains(id) { return [id] }
        if let alias = aliases[id] { return [alias] }
        let family = id.split(separator: "-").first.map { String($0) + "-" } ?? id
        let members = known.filter { $0.hasPrefix(family) }
        return members.isEmpty ? nil : members
    }

    /// Gantry's rule ids (built-in and provider rules).
    static let knownIDs: Set<String> = Set(((try? BuiltinSecretRules.rules()) ?? []).map(\.id))

    /// gitleaks ids whose Gantry rule has another name or family.
    static let aliases: [String: String] = [
        "generic-api-key": "generic-secret", "aws-access-token": "aws-access-key-id",
        "gcp-api-key": "google-api-key", "stripe-access-token": "stripe-live-key",
        "npm-access-token": "npm-token", "pypi-upload-token": "pypi-token",
        "huggingface-access-token": "huggingface-token", "huggingface-organization-api-token": "huggingface-token",
        "sendgrid-api-token": "sendgrid-api-key", "hashicorp-tf-api-token": "terraform-cloud-token",
        "hashicorp-tf-password": "terraform-cloud-token", "vault-service-token": "hashicorp-vault-token",
        "vault-batch-token": "hashicorp-vault-token", "doppler-api-token": "doppler-token",
        "datadog-access-token": "datadog-api-key", "postman-api-token": "postman-api-key",
        "notion-api-token": "notion-token", "hubspot-api-key": "hubspot-private-app-token",
        "telegram-bot-api-token": "telegram-bot-token", "databricks-api-token": "databricks-token",
        "flyio-access-token": "fly-io-token", "pulumi-api-token": "pulumi-token",
        "rubygems-api-token": "rubygems-api-key", "clojars-api-token": "clojars-token",
        "twitch-api-token": "twitch-token", "zendesk-secret-key": "zendesk-api-token",
        "sidekiq-secret": "sidekiq-credentials", "sidekiq-sensitive-url": "sidekiq-credentials",
        "curl-auth-user": "curl-basic-auth", "curl-auth-header": "authorization-header",
        "airtable-personnal-access-token": "airtable-pat", "airtable-api-key": "airtable-pat",
        "yandex-aws-access-token": "yandex-static-access-key", "facebook-page-access-token": "facebook-access-token",
        "facebook-access-token": "facebook-access-token", "twitter-bearer-token": "twitter-bearer-token",
        "plaid-api-token": "plaid-access-token", "kubernetes-secret-yaml": "generic-secret",
        "jwt-base64": "jwt", "azure-ad-client-secret": "azure-ad-client-secret",
        "cloudflare-global-api-key": "cloudflare-api-token", "cloudflare-origin-ca-key": "cloudflare-origin-ca-key",
        "microsoft-teams-webhook": "microsoft-teams-webhook", "sentry-access-token": "sentry-token",
        "sentry-org-token": "sentry-token", "sentry-user-token": "sentry-token",
        "openshift-user-token": "authorization-header", "1password-secret-key": "1password-secret-key",
    ]
}
