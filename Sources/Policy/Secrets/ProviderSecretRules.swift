import Foundation

/// Token formats providers document, one rule each: a distinctive prefix (the prefilter's keyword)
/// and the documented shape after it, an entropy floor, and placeholder suppression (`xxxx`,
/// `EXAMPLE`, `<…>`, `${…}`, sequential runs, truncated `…`). Context rules (a provider's name
/// near a value of its key's shape) cover keys without a prefix.
enum ProviderSecretRules {
    /// Whether `secret` looks like a real value rather than a documentation placeholder.
    static func notPlaceholder(_ secret: String) -> Bool {
        let lowered = secret.lowercased()
        for marker in [
            "xxxx", "example", "…", "...", "<", ">", "{", "}", "${", "your_", "your-", "placeholder", "dummy",
            "sample", "redacted", "****", "0000000000", "1234567890", "abcdefghij", "replace_me", "changeme",
            // Interpolation in code: Swift, shell, Ruby, printf.
            "\\(", "$(", "#{", "%s", "%(",
        ] where lowered.contains(marker) {
            return false
        }
        // A value made of very few distinct characters is a mask, not a key.
        return Set(secret).count > 6
    }

    static let end = BuiltinSecretRules.tokenEnd

    static func rule(
        _ id: String, _ description: String, _ severity: Severity = .high, keywords: [String], _ regex: String,
        entropy: Double = 3, secretGroup: Int = 1
    ) throws -> SecretRule {
        try SecretRule(
            id: id, description: description, severity: severity, keywords: keywords, regex: regex,
            secretGroup: secretGroup, entropy: entropy, accept: notPlaceholder)
    }

    // swiftlint:disable:next function_body_length
    static func rules() throws -> [SecretRule] {
        [
            // Source forges and registries.
            try rule(
                "gitlab-token", "GitLab token (deploy, feed, runner, OAuth, CI build, SCIM, agent, trigger)",
                .critical,
                keywords: [
                    "glptt-", "gldt-", "glft-", "glrt-", "gloas-", "glsoat-", "glcbt-", "glimt-",
                    "glagent-", "glffct-",
                ],
                #"\b((?:glptt-[0-9a-f]{40}|gl(?:dt|ft|rt|soat|cbt|imt|agent|ffct)-[\w-]{20,}|gloas-[\w-]{64}))(?![\w-])"#
            ),
            try rule(
                "gitlab-pat-routable", "GitLab personal access token (routable format)", .critical,
                keywords: ["glpat-"], #"\b(glpat-[\w-]{27,300}\.[0-9a-z]{2}\.[0-9a-z]{9})(?![\w.-])"#),
            try rule(
                "bitbucket-app-password", "Bitbucket app password or API token", .critical,
                keywords: ["atbb", "atctt3"],
                #"\b(ATBB[A-Za-z0-9_=.-]{32}|ATCTT3xFfGN0[A-Za-z0-9_=-]{150,250})"# + end),
            try rule(
                "atlassian-api-token", "Atlassian API token", .critical, keywords: ["atatt3"],
                #"\b(ATATT3[A-Za-z0-9_\-=]{150,250})"# + end),
            try rule(
                "docker-hub-pat", "Docker Hub personal access token", .critical, keywords: ["dckr_pat_", "dckr_oat_"],
                #"\b(dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,32})"# + end),
            try rule(
                "rubygems-api-key", "RubyGems API key", .critical, keywords: ["rubygems_"],
                #"\b(rubygems_[a-f0-9]{48})\b"#),
            try rule(
                "nuget-api-key", "NuGet API key", .high, keywords: ["oy2"], #"\b(oy2[a-z0-9]{43})\b"#, entropy: 3.5),
            try rule(
                "clojars-token", "Clojars deploy token", .high, keywords: ["clojars_"],
                #"(?i)\b(CLOJARS_[a-z0-9]{60})\b"#),
            try rule(
                "artifactory-token", "JFrog Artifactory API key or reference token", .critical,
                keywords: ["akcp", "cmvmdgtu"], #"\b(AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56,})\b"#),
            try SecretRule(
                id: "npmrc-auth-token",
                description: "npm registry credential in .npmrc (_authToken / _auth / _password)", severity: .high,
                keywords: [":_authtoken", ":_auth", ":_password"],
                regex: #"(?i)//[^\s=]+/:_(?:authToken|auth|password)\s*=\s*["']?([^\s"'$]{16,})"#, entropy: 3,
                // An npm_ token is npm-token's.
                accept: { notPlaceholder($0) && !$0.hasPrefix("npm_") }),
            try rule(
                "terraform-cloud-token", "Terraform Cloud / Enterprise API token", .critical, keywords: [".atlasv1."],
                #"\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})"# + end),
            try rule(
                "hashicorp-vault-token", "HashiCorp Vault service or batch token", .critical,
                keywords: ["hvs.", "hvb."],
                #"\b(hv[sb]\.[A-Za-z0-9_-]{90,200})"# + end),
            try rule(
                "pulumi-token", "Pulumi access token", .critical, keywords: ["pul-"], #"\b(pul-[a-f0-9]{40})\b"#),
            try rule(
                "doppler-token", "Doppler token", .critical, keywords: ["dp.pt.", "dp.st.", "dp.sa.", "dp.ct."],
                #"\b(dp\.(?:pt|st|sa|ct)\.[A-Za-z0-9]{40,44})\b"#),
            try rule(
                "octopus-deploy-api-key", "Octopus Deploy API key", .high, keywords: ["api-"],
                #"\b(API-[A-Z0-9]{26})\b"#, entropy: 3.5),
            // Clouds.
            try rule(
                "aws-bedrock-api-key", "AWS Bedrock API key", .critical, keywords: ["absk", "bedrock-api-key-"],
                #"\b(ABSK[A-Za-z0-9+/]{100,}={0,2}|bedrock-api-key-[A-Za-z0-9+/=]{100,})"#),
            try rule(
                "gcp-service-account", "Google Cloud service account key (JSON)", .critical,
                keywords: ["private_key_id"],
                #""private_key_id"\s*:\s*"([a-f0-9]{40})""#),
            try rule(
                "gcp-oauth-client-secret", "Google OAuth client secret", .high, keywords: ["gocspx-"],
                #"\b(GOCSPX-[A-Za-z0-9_-]{28})"# + end),
            try rule(
                "azure-storage-key", "Azure storage account key in a connection string", .critical,
                keywords: ["accountkey="], #"(?i)AccountKey=([A-Za-z0-9+/]{86}==)"#, entropy: 4),
            try rule(
                "azure-ad-client-secret", "Azure AD (Entra ID) client secret", .critical, keywords: ["q~"],
                #"(?:^|[\s"'=:,(\x60])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})"# + end),
            try rule(
                "alibaba-access-key-id", "Alibaba Cloud AccessKey ID", .high, keywords: ["ltai"],
                #"\b(LTAI[A-Za-z0-9]{20})\b"#),
            try rule(
                "digitalocean-token", "DigitalOcean token", .critical, keywords: ["dop_v1_", "doo_v1_", "dor_v1_"],
                #"\b(do[opr]_v1_[a-f0-9]{64})\b"#),
            try rule(
                "heroku-api-key", "Heroku API key", .critical, keywords: ["hrku-"],
                #"\b(HRKU-AA[A-Za-z0-9_-]{58})"# + end),
            try rule(
                "fly-io-token", "Fly.io access token", .critical, keywords: ["fo1_", "fm1r_", "fm2_"],
                #"\b(fo1_[\w-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})"# + end),
            try rule(
                "cloudflare-origin-ca-key", "Cloudflare Origin CA key", .high, keywords: ["v1.0-"],
                #"\b(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})\b"#),
            try rule(
                "supabase-token", "Supabase access token", .critical, keywords: ["sbp_"], #"\b(sbp_[a-f0-9]{40})\b"#),
            try rule(
                "planetscale-token", "PlanetScale token or password", .critical,
                keywords: ["pscale_tkn_", "pscale_pw_", "pscale_oauth_"],
                #"\b(pscale_(?:tkn|pw|oauth)_[\w=.-]{32,64})"# + end),
            try rule(
                "render-api-key", "Render API key", .high, keywords: ["rnd_"], #"\b(rnd_[A-Za-z0-9]{32})\b"#),
            try rule(
                "netlify-token", "Netlify personal access token", .high, keywords: ["nfp_"],
                #"\b(nfp_[A-Za-z0-9]{36})\b"#),
            try rule(
                "databricks-token", "Databricks personal access token", .critical, keywords: ["dapi"],
                #"\b(dapi[a-f0-9]{32}(?:-\d)?)\b"#, entropy: 3.2),
            try rule(
                "dynatrace-token", "Dynatrace API token", .high, keywords: ["dt0c01."],
                #"\b(dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64})\b"#),
            try rule(
                "grafana-token", "Grafana Cloud or service account token", .high, keywords: ["glc_", "glsa_"],
                #"\b(glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})"# + end),
            try rule(
                "new-relic-key", "New Relic user API key or browser key", .high, keywords: ["nrak-", "nrjs-"],
                #"\b(NRAK-[A-Z0-9]{27}|NRJS-[a-f0-9]{19})\b"#),
            try rule(
                "sentry-token", "Sentry organization or user auth token", .high, keywords: ["sntrys_", "sntryu_"],
                #"\b(sntrys_eyJ[A-Za-z0-9+/=_-]{60,}|sntryu_[a-f0-9]{64})"# + end),
            // AI providers.
            try rule(
                "openai-api-key", "OpenAI API key", .critical, keywords: ["t3blbkfj"],
                #"\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200})"# + end),
            try rule(
                "anthropic-api-key", "Anthropic API key", .critical, keywords: ["sk-ant-"],
                #"\b(sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{80,110})"# + end),
            try rule(
                "huggingface-token", "Hugging Face access token", .high, keywords: ["hf_", "api_org_"],
                #"\b((?:hf_|api_org_)[A-Za-z]{34})\b"#),
            try rule(
                "groq-api-key", "Groq API key", .high, keywords: ["gsk_"], #"\b(gsk_[A-Za-z0-9]{52})\b"#),
            try rule(
                "perplexity-api-key", "Perplexity API key", .high, keywords: ["pplx-"],
                #"\b(pplx-[A-Za-z0-9]{48})\b"#),
            try rule(
                "replicate-token", "Replicate API token", .high, keywords: ["r8_"], #"\b(r8_[A-Za-z0-9]{37})\b"#),
            try rule(
                "xai-api-key", "xAI API key", .high, keywords: ["xai-"], #"\b(xai-[A-Za-z0-9]{80})\b"#),
            // Messaging and collaboration.
            try rule(
                "slack-token-other", "Slack token (refresh, configuration, legacy app, workspace)", .high,
                keywords: ["xoxe.", "xoxa-", "xoxr-", "xoxs-", "xoxo-"],
                #"\b(xoxe\.xox[bp]-\d-[A-Za-z0-9]{100,200}|xoxe-\d-[A-Za-z0-9]{100,200}|xox[arso]-\d+-[A-Za-z0-9-]{20,})"#
            ),
            try rule(
                "discord-webhook", "Discord webhook URL", .high, keywords: ["/api/webhooks/"],
                #"(https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w-]{60,68})"#),
            try rule(
                "discord-bot-token", "Discord bot token", .high, keywords: ["discord"],
                #"(?i)discord[\w.-]{0,20}\s*(?:=|:|=>)\s*["']?([MNO][A-Za-z\d_-]{23,25}\.[\w-]{6}\.[\w-]{27,38})"#),
            try rule(
                "telegram-bot-token", "Telegram bot token", .high, keywords: [":aa"],
                #"\b(\d{8,10}:AA[A-Za-z0-9_-]{33})"# + end),
            try rule(
                "twilio-api-key", "Twilio API key SID next to the provider's name", .high, keywords: ["twilio"],
                #"(?i)twilio.{0,40}?\b(SK[0-9a-f]{32})\b"#, entropy: 3.4),
            try rule(
                "sendgrid-api-key", "SendGrid API key", .critical, keywords: ["sg."],
                #"\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})"# + end),
            try rule(
                "mailgun-api-key", "Mailgun private API key", .high, keywords: ["key-"], #"\b(key-[0-9a-f]{32})\b"#),
            try rule(
                "mailchimp-api-key", "Mailchimp API key", .high, keywords: ["-us"], #"\b([a-f0-9]{32}-us\d{1,2})\b"#),
            try rule(
                "postman-api-key", "Postman API key", .high, keywords: ["pmak-"],
                #"\b(PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b"#),
            try rule(
                "linear-api-key", "Linear API key", .high, keywords: ["lin_api_"], #"\b(lin_api_[A-Za-z0-9]{40})\b"#),
            try rule(
                "notion-token", "Notion integration token", .high, keywords: ["ntn_"],
                #"\b(ntn_\d{11}[A-Za-z0-9]{35})\b"#),
            try rule(
                "hubspot-private-app-token", "HubSpot private app access token", .high,
                keywords: ["pat-na1-", "pat-eu1-", "pat-na2-", "pat-ap1-"],
                #"\b(pat-(?:na1|na2|eu1|ap1)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b"#),
            try rule(
                "dropbox-token", "Dropbox access token", .high, keywords: ["sl."],
                #"\b(sl\.(?:u\.)?[A-Za-z0-9_-]{130,})"# + end),
            try rule(
                "1password-service-account-token", "1Password service account token", .critical,
                keywords: ["ops_eyj"], #"\b(ops_eyJ[A-Za-z0-9+/]{250,}={0,3})"# + end),
            try rule(
                "age-secret-key", "age secret key", .critical, keywords: ["age-secret-key-1"],
                #"\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b"#),
            try rule(
                "firebase-fcm-server-key", "Firebase Cloud Messaging server key", .high, keywords: [":apa91b"],
                #"\b(AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134})"# + end),
            // Payments and commerce.
            try rule(
                "stripe-test-key", "Stripe test secret or restricted key (no real money, still access)", .medium,
                keywords: ["sk_test_", "rk_test_"], #"\b((?:sk|rk)_test_[A-Za-z0-9]{24,99})"# + end),
            try rule(
                "shopify-token", "Shopify access token or shared secret", .critical,
                keywords: ["shpat_", "shpca_", "shppa_", "shpss_"], #"\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b"#),
            try rule(
                "square-token", "Square access token or OAuth secret", .critical,
                keywords: ["sq0atp-", "sq0csp-", "eaaa"],
                #"\b(sq0atp-[A-Za-z0-9_-]{22}|sq0csp-[A-Za-z0-9_-]{43}|EAAA[A-Za-z0-9_-]{60})"# + end),
            try rule(
                "flutterwave-secret-key", "Flutterwave secret key", .critical, keywords: ["flwseck"],
                #"\b(FLWSECK(?:_TEST)?-[a-h0-9]{32}-X)"#),
            try rule(
                "easypost-api-key", "EasyPost API key", .high, keywords: ["ezak", "eztk"],
                #"\b(EZ[AT]K[A-Za-z0-9]{54})\b"#),
            try rule(
                "shippo-api-token", "Shippo API token", .high, keywords: ["shippo_"],
                #"\b(shippo_(?:live|test)_[a-f0-9]{40})\b"#),
            try rule(
                "duffel-api-token", "Duffel API token", .high, keywords: ["duffel_"],
                #"\b(duffel_(?:test|live)_[A-Za-z0-9_=-]{43})"# + end),
            // Services found by the name next to the value.
            try rule(
                "datadog-api-key", "Datadog API or application key", .high, keywords: ["datadog", "dd_api", "dd_app"],
                #"(?i)(?:datadog|\bdd)[\w.-]{0,20}?(?:api|app(?:lication)?)[_.-]?key[\w.-]{0,10}["']?\s*(?:=|:|=>|:=)\s*["']?([a-f0-9]{40}|[a-f0-9]{32})\b"#
            ),
            try rule(
                "twitch-token", "Twitch API token or client secret", .high, keywords: ["twitch"],
                #"(?i)twitch[\w.-]{0,20}?(?:token|secret|key)[\w.-]{0,10}["']?\s*(?:=|:|=>|:=)\s*["']?([a-z0-9]{30})\b"#
            ),
            try rule(
                "zendesk-api-token", "Zendesk API token", .high, keywords: ["zendesk"],
                #"(?i)zendesk[\w.-]{0,20}?(?:token|secret|key)[\w.-]{0,10}["']?\s*(?:=|:|=>|:=)\s*["']?([A-Za-z0-9]{40})\b"#
            ),
            try rule(
                "snyk-api-token", "Snyk API token", .high, keywords: ["snyk"],
                #"(?i)snyk[\w.-]{0,20}?(?:token|key|api)[\w.-]{0,10}["']?\s*(?:=|:|=>|:=)\s*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b"#
            ),
            try rule(
                "heroku-api-key-legacy", "Heroku API key (legacy UUID form)", .high, keywords: ["heroku"],
                #"(?i)heroku[\w.-]{0,20}?(?:api[_.-]?key|token|secret)[\w.-]{0,10}["']?\s*(?:=|:|=>|:=)\s*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b"#
            ),
            try rule(
                "sidekiq-credentials", "Sidekiq Pro/Enterprise gem server credentials", .high,
                keywords: ["contribsys"],
                #"(?i)(?:BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM\s*[=:]\s*["']?|https?://)([a-f0-9]{8}:[a-f0-9]{8})"#
            ),
            // A quoted high-entropy value assigned to a camelCase or dotted name ending in Key
            // (`algoliaKey = '…'`, `maps.key: "…"`), which the generic rule's keywords do not name.
            try SecretRule(
                id: "generic-key-name", description: "Secret-looking value assigned to a …Key name", severity: .high,
                keywords: ["key =", "key=", "key:", "key\":", "key':", "key\" :"],
                regex:
                    // (Names generic-secret covers — api, secret, token, auth… — are left to it.)
                    #"(?:^|[^A-Za-z0-9_])(?![\w.-]*(?i:api|secret|token|passw|auth|access|private))(?:[a-z][A-Za-z0-9]{1,30}Key|[a-z0-9_-]{1,30}\.key)["']?\s*(?:=|:|:=|=>)\s*["'\x60]([A-Za-z0-9_\-+/=.]{16,200})["'\x60]"#,
                entropy: 3.8,
                accept: { notPlaceholder($0) && BuiltinSecretRules.plausibleGenericSecret($0) && !$0.contains(".") }),
            // Credentials in URLs, commands and headers.
            try SecretRule(
                id: "url-credentials", description: "Password in a URL (scheme://user:password@host)", severity: .high,
                keywords: ["://"],
                regex: #"\b[a-z][a-z0-9+.-]{1,20}://([^\s:/@"'\x60]{1,64}):([^\s/@"'\x60]{6,128})@[A-Za-z0-9.-]+"#,
                secretGroup: 2, entropy: 2.5,
                accept: { secret in
                    notPlaceholder(secret) && !weakDefaults.contains(secret.lowercased()) && !secret.hasPrefix("$")
                }),
            try SecretRule(
                id: "curl-basic-auth", description: "Password passed to curl -u / --user", severity: .high,
                keywords: ["curl"],
                regex: #"\bcurl\b[^\n|;]*?\s(?:-u|--user)\s*["']?([^\s"'\x60:]{1,64}):([^\s"'\x60,;)]{6,128})"#,
                secretGroup: 2, entropy: 2.5,
                accept: { secret in
                    notPlaceholder(secret) && !weakDefaults.contains(secret.lowercased()) && !secret.hasPrefix("$")
                }),
            try SecretRule(
                id: "authorization-header", description: "Credential in an Authorization header", severity: .high,
                keywords: ["authorization"],
                regex: #"(?i)authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+([A-Za-z0-9._~+/=-]{20,})"#,
                entropy: 3.5, accept: notPlaceholder),
            try SecretRule(
                id: "xml-element-secret", description: "Secret-looking value in a password/secret/token XML element",
                severity: .high,
                keywords: ["password>", "passwd>", "secret>", "token>", "key>", "credential>", "credentials>"],
                regex:
                    #"(?i)<([a-z0-9_.:-]{0,30}(?:password|passwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|credentials?)[a-z0-9_.-]{0,30})>([^<\s]{10,200})</\1>"#,
                secretGroup: 2, entropy: 3.5,
                stopwords: ["example", "changeme", "placeholder", "dummy", "sample", "your", "xxxx", "redacted"],
                accept: { notPlaceholder($0) && BuiltinSecretRules.plausibleGenericSecret($0) }),
        ] + (try developerToolRules()) + (try paymentAndCloudRules())
    }

    /// Passwords that documentation and local set-ups use (`postgres:postgres@localhost`).
    static let weakDefaults: Set<String> = [
        "password", "passw0rd", "postgres", "secret", "changeme", "admin", "root", "guest", "example", "test",
        "testing", "pass", "user", "mysql", "redis", "rabbitmq", "default", "123456", "letmein",
    ]
}
