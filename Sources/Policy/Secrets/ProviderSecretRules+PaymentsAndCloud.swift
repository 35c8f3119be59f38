import Foundation

extension ProviderSecretRules {
    /// Payment providers, clouds, social networks and chat webhooks.
    // swiftlint:disable:next function_body_length
    static func paymentAndCloudRules() throws -> [SecretRule] {
        [
            try rule(
                "braintree-access-token", "Braintree access token", .critical, keywords: ["access_token$"],
                #"\b(access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32})\b"#),
            try rule(
                "stripe-webhook-secret", "Stripe webhook signing secret", .high, keywords: ["whsec_"],
                #"\b(whsec_[A-Za-z0-9]{32,})\b"#),
            try rule(
                "plaid-access-token", "Plaid access token", .critical,
                keywords: ["access-sandbox-", "access-production-", "access-development-"],
                #"\b(access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b"#
            ),
            try named(
                "gocardless-access-token", "GoCardless access token", .critical, names: ["gocardless"],
                value: #"live_[a-z0-9_=-]{40}"#),
            try named(
                "lob-api-key", "Lob API key", .high, names: ["lob_", "lob-", "lob."],
                value: #"(?:live|test)_[a-f0-9]{35}"#),
            try named(
                "coinbase-api-secret", "Coinbase API secret", .critical, names: ["coinbase"],
                value: #"[a-z0-9_-]{64}"#),
            try rule(
                "google-oauth-access-token", "Google OAuth access token", .high, keywords: ["ya29."],
                #"\b(ya29\.[0-9A-Za-z_-]{30,})"# + end),
            try rule(
                "google-oauth-refresh-token", "Google OAuth refresh token", .critical, keywords: ["1//0"],
                #"(?:^|[^\w/])(1//0[0-9A-Za-z_-]{40,})"# + end),
            try rule(
                "tencent-secret-id", "Tencent Cloud SecretId", .high, keywords: ["akid"],
                #"\b(AKID[A-Za-z0-9]{32})\b"#),
            try rule(
                "yandex-api-key", "Yandex Cloud API key", .critical, keywords: ["aqvn"],
                #"\b(AQVN[A-Za-z0-9_-]{35,38})"# + end),
            try rule(
                "yandex-access-token", "Yandex Cloud IAM token", .high, keywords: ["t1."],
                #"\b(t1\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]{86}={0,2})"# + end),
            try named(
                "yandex-static-access-key", "Yandex Cloud static access key", .high, names: ["yandex"],
                value: #"YC[a-z0-9_-]{38}"#),
            try rule(
                "azure-service-bus-connection-string", "Azure Service Bus / Event Hubs shared access key", .critical,
                keywords: ["sharedaccesskey="],
                #"(?i)SharedAccessKeyName=[^;\s]+;\s*SharedAccessKey=([A-Za-z0-9+/]{42,43}=)"#),
            try rule(
                "microsoft-teams-webhook", "Microsoft Teams incoming webhook URL", .high,
                keywords: ["webhook.office.com", "outlook.office.com/webhook"],
                #"(https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/[a-f0-9-]{36}@[a-f0-9-]{36}/IncomingWebhook/[a-f0-9]{32}/[a-f0-9-]{36}(?:/[A-Za-z0-9_-]+)?)"#
            ),
            try rule(
                "mapbox-secret-token", "Mapbox secret access token", .high, keywords: ["sk.eyj"],
                #"\b(sk\.eyJ[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{20,})"# + end),
            try rule(
                "facebook-access-token", "Facebook / Meta access token", .high, keywords: ["eaa"],
                #"\b(EAA[A-Za-z0-9]{90,})\b"#, entropy: 3.5),
            try rule(
                "twitter-bearer-token", "X (Twitter) API bearer token", .high, keywords: ["aaaaaaaaaaaaaaaaaaaaa"],
                #"\b(A{22}[A-Za-z0-9%]{80,120})"# + end),
            try rule(
                "zapier-webhook", "Zapier catch hook URL", .medium, keywords: ["hooks.zapier.com"],
                #"(https://hooks\.zapier\.com/hooks/catch/[0-9]+/[a-z0-9]+/?)"#),
        ]
    }
}
