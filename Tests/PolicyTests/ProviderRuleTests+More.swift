import Foundation

@testable import Policy

extension ProviderRuleTests {
    /// Samples for the developer-tool, payment and cloud rules (prefixes split, as in `cases()`).
    // swiftlint:disable:next function_body_length
    static func moreCases() -> [Case] {
        var g = Generator(state: 0x2545_F491_4F6C_DD1D)
        let x = { (count: Int) in String(repeating: "x", count: count) }
        let uuid = { (g: inout Generator) in g.uuid() }
        return [
            Case(
                rule: "adobe-client-secret",
                positives: [
                    "ADOBE_CLIENT_SECRET=p8" + "e-\(g.alnum(32))", "clientSecret: \"p8" + "e-\(g.lower(32))\"",
                ],
                negatives: ["ADOBE_CLIENT_SECRET=p8" + "e-\(x(32))", "p8" + "e-\(g.alnum(12))"]),
            Case(
                rule: "airtable-pat",
                positives: [
                    "AIRTABLE_TOKEN=pa" + "t\(g.alnum(14)).\(g.hex(64))",
                    "apiKey: 'pa" + "t\(g.alnum(14)).\(g.hex(64))'",
                ],
                negatives: ["AIRTABLE_TOKEN=pa" + "t\(g.alnum(14)).\(g.hex(20))", "path.\(g.hex(64))"]),
            Case(
                rule: "buildkite-token",
                positives: ["BUILDKITE_API_TOKEN=bk" + "ua_\(g.hex(40))", "token: \"bk" + "ua_\(g.hex(40))\""],
                negatives: ["BUILDKITE_API_TOKEN=bk" + "ua_\(x(40))", "bk" + "ua_\(g.hex(20))"]),
            Case(
                rule: "circleci-token",
                positives: [
                    "CIRCLE_TOKEN=CCI" + "PAT_\(g.alnum(22))_\(g.hex(40))",
                    "circle_token: 'CCI" + "PRJ_\(g.alnum(22))_\(g.hex(40))'",
                ],
                negatives: ["CIRCLE_TOKEN=CCI" + "PAT_\(g.alnum(22))_\(g.hex(12))", "CCI" + "PAT_<token>"]),
            Case(
                rule: "sonarqube-token",
                positives: ["SONAR_TOKEN=sq" + "u_\(g.hex(40))", "sonar.token=sq" + "p_\(g.hex(40))"],
                negatives: ["SONAR_TOKEN=sq" + "u_\(x(40))", "sq" + "z_\(g.hex(40))"]),
            Case(
                rule: "sourcegraph-token",
                positives: [
                    "SRC_ACCESS_TOKEN=sg" + "p_\(g.hex(16))_\(g.hex(40))", "token = \"sg" + "p_\(g.hex(40))\"",
                ],
                negatives: ["SRC_ACCESS_TOKEN=sg" + "p_\(x(40))", "sg" + "p_\(g.hex(10))"]),
            Case(
                rule: "harness-token",
                positives: [
                    "HARNESS_API_KEY=pa" + "t.\(g.word(22)).\(g.alnum(24)).\(g.alnum(20))",
                    "apiKey: \"sa" + "t.\(g.word(22)).\(g.alnum(24)).\(g.alnum(20))\"",
                ],
                negatives: ["HARNESS_API_KEY=pa" + "t.\(x(22)).\(x(24)).\(x(20))", "pa" + "t.\(g.alnum(10))"]),
            Case(
                rule: "infracost-api-key",
                positives: ["INFRACOST_API_KEY=ic" + "o-\(g.alnum(32))", "api_key: ic" + "o-\(g.alnum(32))"],
                negatives: ["INFRACOST_API_KEY=ic" + "o-\(x(32))", "ic" + "o-\(g.alnum(16))"]),
            Case(
                rule: "intra42-client-secret",
                positives: ["FT_SECRET=s-s4t2" + "ud-\(g.hex(64))", "secret: \"s-s4t2" + "af-\(g.hex(64))\""],
                negatives: ["FT_SECRET=s-s4t2" + "ud-\(x(64))", "s-s4t2" + "ud-\(g.hex(20))"]),
            Case(
                rule: "prefect-api-key",
                positives: ["PREFECT_API_KEY=pn" + "u_\(g.alnum(36))", "key: 'pn" + "u_\(g.alnum(36))'"],
                negatives: ["PREFECT_API_KEY=pn" + "u_\(x(36))", "pn" + "u_\(g.alnum(12))"]),
            Case(
                rule: "readme-api-key",
                positives: ["README_API_KEY=rd" + "me_\(g.lower(70))", "apiKey: \"rd" + "me_\(g.lower(70))\""],
                negatives: ["README_API_KEY=rd" + "me_\(x(70))", "rd" + "me_\(g.lower(20))"]),
            Case(
                rule: "scalingo-api-token",
                positives: ["SCALINGO_API_TOKEN=tk" + "-us-\(g.word(48))", "token: \"tk" + "-us-\(g.word(48))\""],
                negatives: ["SCALINGO_API_TOKEN=tk" + "-us-\(x(48))", "tk" + "-us-\(g.word(12))"]),
            Case(
                rule: "settlemint-token",
                positives: ["SETTLEMINT_TOKEN=sm" + "_pat_\(g.alnum(16))", "token: sm" + "_aat_\(g.alnum(16))"],
                negatives: ["SETTLEMINT_TOKEN=sm" + "_pat_\(x(16))", "sm" + "_pat_\(g.alnum(6))"]),
            Case(
                rule: "typeform-token",
                positives: ["TYPEFORM_TOKEN=tf" + "p_\(g.word(59))", "token: 'tf" + "p_\(g.word(59))'"],
                negatives: ["TYPEFORM_TOKEN=tf" + "p_\(x(59))", "tf" + "p_\(g.word(20))"]),
            Case(
                rule: "frameio-token",
                positives: ["FRAMEIO_TOKEN=fi" + "o-u-\(g.word(64))", "token: \"fi" + "o-u-\(g.word(64))\""],
                negatives: ["FRAMEIO_TOKEN=fi" + "o-u-\(x(64))", "fi" + "o-u-\(g.word(20))"]),
            Case(
                rule: "defined-networking-api-token",
                positives: [
                    "DN_API_KEY=dn" + "key-\(g.lower(26))-\(g.lower(52))",
                    "key: \"dn" + "key-\(g.lower(26))-\(g.lower(52))\"",
                ],
                negatives: ["DN_API_KEY=dn" + "key-\(x(26))-\(x(52))", "dn" + "key-\(g.lower(10))"]),
            Case(
                rule: "tailscale-key",
                positives: [
                    "TS_AUTHKEY=ts" + "key-auth-\(g.alnum(12))CNTRL-\(g.alnum(30))",
                    "api_key: ts" + "key-api-\(g.alnum(12))CNTRL-\(g.alnum(30))",
                ],
                negatives: ["TS_AUTHKEY=ts" + "key-auth-\(x(12))-\(x(30))", "ts" + "key-auth-<key>"]),
            Case(
                rule: "posthog-personal-api-key",
                positives: ["POSTHOG_PERSONAL_API_KEY=ph" + "x_\(g.alnum(43))", "key: 'ph" + "x_\(g.alnum(43))'"],
                negatives: ["POSTHOG_PERSONAL_API_KEY=ph" + "x_\(x(43))", "ph" + "c_\(g.alnum(43))"]),
            Case(
                rule: "langsmith-api-key",
                positives: [
                    "LANGSMITH_API_KEY=ls" + "v2_pt_\(g.hex(32))_\(g.hex(10))",
                    "api_key: \"ls" + "v2_sk_\(g.hex(32))_\(g.hex(10))\"",
                ],
                negatives: ["LANGSMITH_API_KEY=ls" + "v2_pt_\(x(32))_\(x(10))", "ls" + "v2_pt_\(g.hex(12))"]),
            Case(
                rule: "openrouter-api-key",
                positives: ["OPENROUTER_API_KEY=sk" + "-or-v1-\(g.hex(64))", "key: \"sk" + "-or-v1-\(g.hex(64))\""],
                negatives: ["OPENROUTER_API_KEY=sk" + "-or-v1-\(x(64))", "sk" + "-or-v1-\(g.hex(20))"]),
            Case(
                rule: "figma-pat",
                positives: ["FIGMA_TOKEN=fi" + "gd_\(g.word(40))", "token: 'fi" + "gd_\(g.word(42))'"],
                negatives: ["FIGMA_TOKEN=fi" + "gd_\(x(40))", "fi" + "gd_\(g.word(10))"]),
            Case(
                rule: "maxmind-license-key",
                positives: [
                    "MAXMIND_LICENSE_KEY=\(g.alnum(6))_\(g.alnum(29))_m" + "mk",
                    "license_key: \"\(g.alnum(6))_\(g.alnum(29))_m" + "mk\"",
                ],
                negatives: ["MAXMIND_LICENSE_KEY=\(x(6))_\(x(29))_m" + "mk", "\(g.alnum(6))_\(g.alnum(10))_m" + "mk"]),
            Case(
                rule: "launchdarkly-key",
                positives: ["LD_SDK_KEY=sd" + "k-\(uuid(&g))", "apiKey: \"ap" + "i-\(uuid(&g))\""],
                negatives: [
                    "LD_SDK_KEY=sd" + "k-00000000-0000-0000-0000-000000000000", "ap" + "i-gateway-\(g.lower(8))",
                ]),
            Case(
                rule: "1password-secret-key",
                positives: [
                    "OP_SECRET_KEY=A" + "3-\(g.upper(6))-\(g.upper(11))-\(g.upper(5))-\(g.upper(5))-\(g.upper(5))",
                    "secret_key: A"
                        + "3-\(g.upper(6))-\(g.upper(6))-\(g.upper(5))-\(g.upper(5))-\(g.upper(5))-\(g.upper(5))",
                ],
                negatives: ["OP_SECRET_KEY=A" + "3-XXXXXX-XXXXXXXXXXX-XXXXX-XXXXX-XXXXX", "A" + "3-\(g.upper(6))"]),
            Case(
                rule: "asana-pat",
                positives: [
                    "ASANA_ACCESS_TOKEN=1/\(g.digits(16)):\(g.hex(32))",
                    "asana_token: \"2/\(g.digits(16))/\(g.digits(16)):\(g.hex(32))\"",
                ],
                negatives: ["ASANA_ACCESS_TOKEN=1/\(g.digits(16)):\(x(32))", "asana_workspace: \(g.digits(16))"]),
            Case(
                rule: "okta-api-token",
                positives: ["OKTA_API_TOKEN=00\(g.word(40))", "okta.client.token: \"00\(g.word(40))\""],
                negatives: ["OKTA_API_TOKEN=00\(x(40))", "OKTA_ORG_URL=https://dev-\(g.digits(6)).okta.com"]),
            Case(
                rule: "cloudflare-api-token",
                positives: ["CLOUDFLARE_API_TOKEN=\(g.word(40))", "cloudflare_global_api_key: \"\(g.hex(37))\""],
                negatives: ["CLOUDFLARE_API_TOKEN=\(x(40))", "CLOUDFLARE_ACCOUNT_ID=\(g.hex(32))"]),
            Case(
                rule: "vercel-token",
                positives: ["VERCEL_TOKEN=\(g.alnum(24))", "\"vercelToken\": \"\(g.alnum(24))\""],
                negatives: ["VERCEL_TOKEN=\(x(24))", "VERCEL_ORG_ID=team_\(g.alnum(24))"]),
            Case(
                rule: "fastly-api-token",
                positives: ["FASTLY_API_TOKEN=\(g.word(32))", "fastly_key: '\(g.word(32))'"],
                negatives: ["FASTLY_API_TOKEN=\(x(32))", "FASTLY_SERVICE_ID=\(g.alnum(22))"]),
            Case(
                rule: "algolia-api-key",
                positives: ["ALGOLIA_ADMIN_KEY=\(g.hex(32))", "algolia.api.key: \"\(g.hex(32))\""],
                negatives: ["ALGOLIA_ADMIN_KEY=\(x(32))", "ALGOLIA_APP_ID=\(g.upper(10))"]),
            Case(
                rule: "contentful-token",
                positives: [
                    "CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-\(g.word(43))", "contentful_delivery_token: \"\(g.word(43))\"",
                ],
                negatives: ["CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-\(x(43))", "CONTENTFUL_SPACE_ID=\(g.lower(12))"]),
            Case(
                rule: "beamer-api-token",
                positives: ["BEAMER_API_KEY=b_\(g.word(44))", "beamer_token: \"b_\(g.word(44))\""],
                negatives: ["BEAMER_API_KEY=b_\(x(44))", "BEAMER_PRODUCT_ID=\(g.alnum(8))"]),
            Case(
                rule: "intercom-token",
                positives: ["INTERCOM_ACCESS_TOKEN=\(g.word(60))", "intercom_token: '\(g.word(60))'"],
                negatives: ["INTERCOM_ACCESS_TOKEN=\(x(60))", "INTERCOM_APP_ID=\(g.lower(8))"]),
            Case(
                rule: "pagerduty-api-key",
                positives: ["PAGERDUTY_API_KEY=u+\(g.word(18))", "pagerduty_token: \"\(g.word(20))\""],
                negatives: ["PAGERDUTY_API_KEY=\(x(20))", "PAGERDUTY_SERVICE_ID=P\(g.upper(6))"]),
            Case(
                rule: "sumologic-access-key",
                positives: ["SUMO_ACCESS_ID=su\(g.alnum(12))", "sumologic_access_key: \"\(g.alnum(64))\""],
                negatives: ["SUMO_ACCESS_ID=su\(x(12))", "SUMO_ENDPOINT=https://api.sumologic.com"]),
            Case(
                rule: "mattermost-token",
                positives: ["MATTERMOST_TOKEN=\(g.lower(26))", "mattermost_access_token: '\(g.lower(26))'"],
                negatives: ["MATTERMOST_TOKEN=\(x(26))", "MATTERMOST_URL=https://chat.\(g.lower(6)).org"]),
            Case(
                rule: "azure-devops-pat",
                positives: [
                    "AZURE_DEVOPS_PAT=\(g.pick(52, "abcdefghijklmnopqrstuvwxyz234567"))",
                    "SYSTEM_ACCESSTOKEN: \"\(g.alnum(84))\"",
                ],
                negatives: ["AZURE_DEVOPS_PAT=\(x(52))", "AZURE_DEVOPS_ORG=https://dev.azure.com/\(g.lower(8))"]),
            Case(
                rule: "cohere-api-key",
                positives: ["COHERE_API_KEY=\(g.alnum(40))", "cohere_key: \"\(g.alnum(40))\""],
                negatives: ["COHERE_API_KEY=\(x(40))", "COHERE_MODEL=command-r-plus"]),
            Case(
                rule: "mistral-api-key",
                positives: ["MISTRAL_API_KEY=\(g.alnum(32))", "mistral_key: '\(g.alnum(32))'"],
                negatives: ["MISTRAL_API_KEY=\(x(32))", "MISTRAL_MODEL=mistral-large-latest"]),
            Case(
                rule: "ngrok-authtoken",
                positives: [
                    "NGROK_AUTHTOKEN=\(g.alnum(27))_\(g.alnum(21))", "ngrok_token: \"\(g.alnum(26))_\(g.alnum(21))\"",
                ],
                negatives: ["NGROK_AUTHTOKEN=\(x(27))_\(x(21))", "NGROK_REGION=eu"]),
            Case(
                rule: "travis-ci-token",
                positives: ["TRAVIS_API_TOKEN=\(g.alnum(22))", "travis_token: '\(g.alnum(22))'"],
                negatives: ["TRAVIS_API_TOKEN=\(x(22))", "TRAVIS_BRANCH=main"]),
            Case(
                rule: "codecov-token",
                positives: ["CODECOV_TOKEN=\(uuid(&g))", "codecov_token: \"\(uuid(&g))\""],
                negatives: [
                    "CODECOV_TOKEN=00000000-0000-0000-0000-000000000000", "CODECOV_TOKEN=${{ secrets.CODECOV }}",
                ]),
            Case(
                rule: "etherscan-api-key",
                positives: ["ETHERSCAN_API_KEY=\(g.upper(34))", "etherscan_key: '\(g.upper(34))'"],
                negatives: ["ETHERSCAN_API_KEY=\(x(34))", "ETHERSCAN_URL=https://api.etherscan.io"]),
            // Payments and clouds.
            Case(
                rule: "braintree-access-token",
                positives: [
                    "BRAINTREE_TOKEN=access_token$production$\(g.lower(16))$\(g.hex(32))",
                    "token: \"access_token$sandbox$\(g.lower(16))$\(g.hex(32))\"",
                ],
                negatives: ["BRAINTREE_TOKEN=access_token$production$\(x(16))$\(x(32))", "access_token$production$"]),
            Case(
                rule: "stripe-webhook-secret",
                positives: [
                    "STRIPE_WEBHOOK_SECRET=wh" + "sec_\(g.alnum(32))", "webhook_secret: 'wh" + "sec_\(g.alnum(40))'",
                ],
                negatives: ["STRIPE_WEBHOOK_SECRET=wh" + "sec_\(x(32))", "wh" + "sec_\(g.alnum(10))"]),
            Case(
                rule: "plaid-access-token",
                positives: [
                    "PLAID_ACCESS_TOKEN=access-" + "sandbox-\(uuid(&g))",
                    "token: \"access-" + "production-\(uuid(&g))\"",
                ],
                negatives: [
                    "PLAID_ACCESS_TOKEN=access-" + "sandbox-00000000-0000-0000-0000-000000000000",
                    "access-" + "sandbox-<token>",
                ]),
            Case(
                rule: "gocardless-access-token",
                positives: ["GOCARDLESS_ACCESS_TOKEN=live_\(g.word(40))", "gocardless_token: \"live_\(g.word(40))\""],
                negatives: ["GOCARDLESS_ACCESS_TOKEN=live_\(x(40))", "GOCARDLESS_ENVIRONMENT=live"]),
            Case(
                rule: "lob-api-key",
                positives: ["LOB_API_KEY=live_\(g.hex(35))", "lob_key: 'test_\(g.hex(35))'"],
                negatives: ["LOB_API_KEY=live_\(x(35))", "blob_container=live_\(g.lower(8))"]),
            Case(
                rule: "coinbase-api-secret",
                positives: ["COINBASE_API_SECRET=\(g.word(64))", "coinbase_secret: \"\(g.word(64))\""],
                negatives: ["COINBASE_API_SECRET=\(x(64))", "COINBASE_API_KEY_NAME=organizations/\(g.lower(8))"]),
            Case(
                rule: "google-oauth-access-token",
                positives: [
                    "GOOGLE_ACCESS_TOKEN=ya" + "29.\(g.word(120))", "\"access_token\": \"ya" + "29.\(g.word(80))\"",
                ],
                negatives: ["GOOGLE_ACCESS_TOKEN=ya" + "29.\(x(80))", "ya" + "29.<token>"]),
            Case(
                rule: "google-oauth-refresh-token",
                positives: [
                    "GOOGLE_REFRESH_TOKEN=1/" + "/0\(g.word(60))", "\"refresh_token\": \"1/" + "/0\(g.word(90))\"",
                ],
                negatives: ["GOOGLE_REFRESH_TOKEN=1/" + "/0\(x(60))", "https://example.org/1/" + "/0\(g.word(60))"]),
            Case(
                rule: "tencent-secret-id",
                positives: ["TENCENTCLOUD_SECRET_ID=AK" + "ID\(g.alnum(32))", "secret_id: 'AK" + "ID\(g.alnum(32))'"],
                negatives: ["TENCENTCLOUD_SECRET_ID=AK" + "ID\(x(32))", "AK" + "ID\(g.alnum(10))"]),
            Case(
                rule: "yandex-api-key",
                positives: ["YC_API_KEY=AQ" + "VN\(g.word(36))", "api_key: \"AQ" + "VN\(g.word(38))\""],
                negatives: ["YC_API_KEY=AQ" + "VN\(x(36))", "AQ" + "VN\(g.word(10))"]),
            Case(
                rule: "yandex-access-token",
                positives: [
                    "YC_TOKEN=t" + "1.\(g.word(20)).\(g.word(86))",
                    "iam_token: \"t" + "1.\(g.word(16))==.\(g.word(86))\"",
                ],
                negatives: ["YC_TOKEN=t" + "1.\(x(20)).\(x(86))", "instance_type: t" + "1.micro"]),
            Case(
                rule: "yandex-static-access-key",
                positives: ["YANDEX_ACCESS_KEY_ID=YC\(g.word(38))", "yandex_key: 'YC\(g.word(38))'"],
                negatives: ["YANDEX_ACCESS_KEY_ID=YC\(x(38))", "YANDEX_FOLDER_ID=b1g\(g.lower(17))"]),
            Case(
                rule: "azure-service-bus-connection-string",
                positives: [
                    "SERVICEBUS=Endpoint=sb://\(g.lower(8)).servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=\(g.base64(43))=",
                    "\"EventHub\": \"Endpoint=sb://\(g.lower(6)).servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=\(g.base64(43))=\"",
                ],
                negatives: [
                    "SERVICEBUS=Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=\(x(43))=",
                    "SharedAccessKeyName=Root;SharedAccessKey=<key>",
                ]),
            Case(
                rule: "microsoft-teams-webhook",
                positives: [
                    "TEAMS_WEBHOOK=https://\(g.lower(8)).webhook.office.com/webhookb2/\(uuid(&g))@\(uuid(&g))/IncomingWebhook/\(g.hex(32))/\(uuid(&g))",
                    "webhook_url: \"https://\(g.lower(6)).webhook.office.com/webhookb2/\(uuid(&g))@\(uuid(&g))/IncomingWebhook/\(g.hex(32))/\(uuid(&g))/V2\(g.word(20))\"",
                ],
                negatives: [
                    "TEAMS_WEBHOOK=https://x.webhook.office.com/webhookb2/<id>/IncomingWebhook/<id>",
                    "see https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors",
                ]),
            Case(
                rule: "mapbox-secret-token",
                positives: [
                    "MAPBOX_SECRET_TOKEN=sk" + ".eyJ\(g.word(60)).\(g.word(22))",
                    "token: 'sk" + ".eyJ\(g.word(50)).\(g.word(22))'",
                ],
                negatives: [
                    "MAPBOX_SECRET_TOKEN=sk" + ".eyJ\(x(60)).\(x(22))", "pk" + ".eyJ\(g.word(60)).\(g.word(22))",
                ]),
            Case(
                rule: "facebook-access-token",
                positives: ["FB_ACCESS_TOKEN=EA" + "A\(g.alnum(120))", "access_token: \"EA" + "A\(g.alnum(100))\""],
                negatives: ["FB_ACCESS_TOKEN=EA" + "A\(x(120))", "EA" + "A\(g.alnum(30))"]),
            Case(
                rule: "twitter-bearer-token",
                positives: [
                    "TWITTER_BEARER_TOKEN=\(String(repeating: "A", count: 22))\(g.alnum(90))",
                    "bearer_token: '\(String(repeating: "A", count: 22))\(g.alnum(30))%3D\(g.alnum(60))'",
                ],
                negatives: [
                    "TWITTER_BEARER_TOKEN=\(String(repeating: "A", count: 22))\(x(90))",
                    "padding = '\(String(repeating: "A", count: 40))'",
                ]),
            Case(
                rule: "zapier-webhook",
                positives: [
                    "ZAPIER_HOOK=https://hooks.zapier.com/hooks/catch/\(g.digits(7))/\(g.lower(7))/",
                    "url: \"https://hooks.zapier.com/hooks/catch/\(g.digits(8))/\(g.lower(6))\"",
                ],
                negatives: [
                    "see https://hooks.zapier.com/hooks/catch/", "https://zapier.com/apps/webhook/integrations",
                ]),
        ]
    }
}
