import Foundation
import GantryTestSupport
import Testing

@testable import Policy

/// Every provider rule against samples written from the provider's documented format: at least two
/// lines it must report (random bodies of the right shape, in different file styles) and two it must
/// not (placeholders, truncated or malformed values, references). Prefixes are split in this source so
/// that it holds no token a scanner would flag.
@Suite struct ProviderRuleTests {
    struct Generator {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15

        mutating func pick(_ count: Int, _ alphabet: String) -> String {
            let characters = Array(alphabet)
            return String(
                (0..<count).map { _ -> Character in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return characters[Int((state >> 33) % UInt64(characters.count))]
                })
        }

        mutating func alnum(_ count: Int) -> String {
            pick(count, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        }
        mutating func hex(_ count: Int) -> String { pick(count, "0123456789abcdef") }
        mutating func lower(_ count: Int) -> String { pick(count, "abcdefghijklmnopqrstuvwxyz0123456789") }
        mutating func upper(_ count: Int) -> String { pick(count, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") }
        mutating func letters(_ count: Int) -> String {
            pick(count, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        }
        mutating func word(_ count: Int) -> String {
            pick(count, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        }
        mutating func base64(_ count: Int) -> String {
            pick(count, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        }
        mutating func uuid() -> String { "\(hex(8))-\(hex(4))-4\(hex(3))-a\(hex(3))-\(hex(12))" }
        mutating func digits(_ count: Int) -> String { pick(count, "0123456789") }
    }

    struct Case {
        var rule: String
        var positives: [String]
        var negatives: [String]
    }

    // swiftlint:disable:next function_body_length
    static func cases() -> [Case] {
        var g = Generator()
        let x = { (count: Int) in String(repeating: "x", count: count) }
        return [
            Case(
                rule: "gitlab-token",
                positives: ["DEPLOY_TOKEN=gl" + "dt-\(g.word(24))", "runner_token: \"gl" + "rt-\(g.word(28))\""],
                negatives: ["token = gl" + "dt-\(x(24))", "see gl" + "dt-<your-token> in the docs"]),
            Case(
                rule: "gitlab-pat-routable",
                positives: [
                    "GITLAB_TOKEN=gl" + "pat-\(g.word(36)).01.\(g.lower(9))",
                    "\"token\": \"gl" + "pat-\(g.word(40)).0w.\(g.lower(9))\"",
                ],
                negatives: ["gl" + "pat-\(x(36)).01.abcdefghi", "gl" + "pat-short.01.123456789"]),
            Case(
                rule: "bitbucket-app-password",
                positives: ["BITBUCKET_APP_PASSWORD=AT" + "BB\(g.alnum(32))", "password: AT" + "BB\(g.alnum(32))"],
                negatives: ["AT" + "BB\(x(32))", "AT" + "BB12345"]),
            Case(
                rule: "atlassian-api-token",
                positives: ["JIRA_API_TOKEN=AT" + "ATT3\(g.word(180))", "token: \"AT" + "ATT3\(g.word(192))\""],
                negatives: ["AT" + "ATT3\(x(180))", "AT" + "ATT3xFfGF0-short"]),
            Case(
                rule: "docker-hub-pat",
                positives: [
                    "DOCKERHUB_TOKEN=dckr" + "_pat_\(g.word(27))", "echo dckr" + "_pat_\(g.word(27)) | docker login",
                ],
                negatives: ["dckr" + "_pat_\(x(27))", "dckr" + "_pat_<token>"]),
            Case(
                rule: "rubygems-api-key",
                positives: [
                    ":rubygems_api_key: rubygems" + "_\(g.hex(48))", "GEM_HOST_API_KEY=rubygems" + "_\(g.hex(48))",
                ],
                negatives: ["rubygems" + "_\(String(repeating: "0", count: 48))", "rubygems" + "_\(g.hex(20))"]),
            Case(
                rule: "nuget-api-key",
                positives: [
                    "NUGET_API_KEY=oy" + "2\(g.lower(43))", "<add key=\"ApiKey\" value=\"oy" + "2\(g.lower(43))\" />",
                ],
                negatives: ["oy" + "2\(x(43))", "oy" + "2abc"]),
            Case(
                rule: "clojars-token",
                positives: [
                    "CLOJARS_PASSWORD=CLOJARS" + "_\(g.lower(60))", "password \"CLOJARS" + "_\(g.lower(60))\"",
                ],
                negatives: ["CLOJARS" + "_\(x(60))", "CLOJARS" + "_TOKEN"]),
            Case(
                rule: "artifactory-token",
                positives: ["ARTIFACTORY_API_KEY=AK" + "Cp\(g.alnum(69))", "apiKey: AK" + "Cp\(g.alnum(69))"],
                negatives: ["AK" + "Cp\(x(69))", "AK" + "Cp8abc"]),
            Case(
                rule: "npmrc-auth-token",
                positives: [
                    "//registry.npmjs.org/:_authToken=\(g.uuid())",
                    "//npm.pkg.github.com/:_authToken=\(g.alnum(40))",
                ],
                negatives: [
                    "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
                    "//registry.npmjs.org/:_authToken=xxxxxxxxxxxxxxxxxxxx",
                ]),
            Case(
                rule: "terraform-cloud-token",
                positives: [
                    "token = \"\(g.alnum(14)).atlas" + "v1.\(g.word(67))\"",
                    "TFE_TOKEN=\(g.alnum(14)).atlas" + "v1.\(g.word(64))",
                ],
                negatives: ["\(x(14)).atlas" + "v1.\(x(67))", "abc.atlas" + "v1.short"]),
            Case(
                rule: "hashicorp-vault-token",
                positives: ["VAULT_TOKEN=hv" + "s.\(g.word(95))", "token: hv" + "b.\(g.word(120))"],
                negatives: ["VAULT_TOKEN=hv" + "s.\(x(95))", "hv" + "s.CAESIshort"]),
            Case(
                rule: "pulumi-token",
                positives: ["PULUMI_ACCESS_TOKEN=pul" + "-\(g.hex(40))", "token: pul" + "-\(g.hex(40))"],
                negatives: ["pul" + "-\(String(repeating: "a", count: 40))", "pul" + "-1234"]),
            Case(
                rule: "doppler-token",
                positives: [
                    "DOPPLER_TOKEN=dp" + ".pt.\(g.alnum(43))",
                    "token: dp" + ".st.dev.\(g.alnum(40))".replacingOccurrences(of: "dev.", with: ""),
                ],
                negatives: ["dp" + ".pt.\(x(43))", "dp" + ".pt.abc"]),
            Case(
                rule: "octopus-deploy-api-key",
                positives: ["OCTOPUS_API_KEY=API" + "-\(g.upper(26))", "-apiKey API" + "-\(g.upper(26))"],
                negatives: ["API" + "-XXXXXXXXXXXXXXXXXXXXXXXXXX", "API-KEY-REFERENCE"]),
            Case(
                rule: "aws-bedrock-api-key",
                positives: [
                    "AWS_BEARER_TOKEN_BEDROCK=AB" + "SK\(g.base64(120))",
                    "key = \"bedrock" + "-api-key-\(g.base64(120))\"",
                ],
                negatives: ["AB" + "SK\(x(120))", "AB" + "SKshort"]),
            Case(
                rule: "gcp-service-account",
                positives: ["  \"private_key_id\": \"\(g.hex(40))\",", "{\"private_key_id\":\"\(g.hex(40))\"}"],
                negatives: [
                    "  \"private_key_id\": \"\(String(repeating: "0", count: 40))\",",
                    "  \"private_key_id\": \"<id>\",",
                ]),
            Case(
                rule: "gcp-oauth-client-secret",
                positives: [
                    "GOOGLE_CLIENT_SECRET=GOC" + "SPX-\(g.word(28))", "\"client_secret\":\"GOC" + "SPX-\(g.word(28))\"",
                ],
                negatives: ["GOC" + "SPX-\(x(28))", "GOC" + "SPX-abc"]),
            Case(
                rule: "azure-storage-key",
                positives: [
                    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=\(g.base64(86))==;EndpointSuffix=core.windows.net",
                    "conn = \"AccountName=x;AccountKey=\(g.base64(86))==\"",
                ],
                negatives: ["AccountKey=\(x(86))==", "AccountKey=<key>"]),
            Case(
                rule: "azure-ad-client-secret",
                positives: [
                    "AZURE_CLIENT_SECRET=\(g.alnum(3))8Q" + "~\(g.alnum(34))",
                    "\"clientSecret\": \"\(g.alnum(3))7Q" + "~\(g.alnum(34))\"",
                ],
                negatives: ["AZURE_CLIENT_SECRET=abc8Q" + "~\(x(34))", "value Q" + "~ short"]),
            Case(
                rule: "alibaba-access-key-id",
                positives: [
                    "ALIBABA_CLOUD_ACCESS_KEY_ID=LT" + "AI\(g.alnum(20))", "accessKeyId: LT" + "AI\(g.alnum(20))",
                ],
                negatives: ["LT" + "AI\(x(20))", "LT" + "AIshort"]),
            Case(
                rule: "digitalocean-token",
                positives: ["DIGITALOCEAN_TOKEN=do" + "p_v1_\(g.hex(64))", "token: do" + "o_v1_\(g.hex(64))"],
                negatives: ["do" + "p_v1_\(String(repeating: "f", count: 64))", "do" + "p_v1_abc"]),
            Case(
                rule: "heroku-api-key",
                positives: ["HEROKU_API_KEY=HR" + "KU-AA\(g.word(58))", "api_key: HR" + "KU-AA\(g.word(58))"],
                negatives: ["HR" + "KU-AA\(x(58))", "HR" + "KU-AAshort"]),
            Case(
                rule: "fly-io-token",
                positives: ["FLY_API_TOKEN=fo" + "1_\(g.word(43))", "token: fm" + "2_\(g.base64(120))"],
                negatives: ["fo" + "1_\(x(43))", "fo" + "1_short"]),
            Case(
                rule: "cloudflare-origin-ca-key",
                positives: [
                    "CF_ORIGIN_CA_KEY=v1" + ".0-\(g.hex(24))-\(g.hex(146))",
                    "key: v1" + ".0-\(g.hex(24))-\(g.hex(146))",
                ],
                negatives: [
                    "v1" + ".0-\(String(repeating: "0", count: 24))-\(String(repeating: "0", count: 146))",
                    "version v1.0-beta",
                ]),
            Case(
                rule: "supabase-token",
                positives: ["SUPABASE_ACCESS_TOKEN=sb" + "p_\(g.hex(40))", "token: sb" + "p_\(g.hex(40))"],
                negatives: ["sb" + "p_\(String(repeating: "0", count: 40))", "sb" + "p_1234"]),
            Case(
                rule: "planetscale-token",
                positives: [
                    "PLANETSCALE_SERVICE_TOKEN=pscale" + "_tkn_\(g.word(43))", "password: pscale" + "_pw_\(g.word(43))",
                ],
                negatives: ["pscale" + "_tkn_\(x(43))", "pscale" + "_pw_short"]),
            Case(
                rule: "render-api-key",
                positives: ["RENDER_API_KEY=rnd" + "_\(g.alnum(32))", "key: rnd" + "_\(g.alnum(32))"],
                negatives: ["rnd" + "_\(x(32))", "rnd" + "_abc"]),
            Case(
                rule: "netlify-token",
                positives: ["NETLIFY_AUTH_TOKEN=nfp" + "_\(g.alnum(36))", "token: nfp" + "_\(g.alnum(36))"],
                negatives: ["nfp" + "_\(x(36))", "nfp" + "_short"]),
            Case(
                rule: "databricks-token",
                positives: ["DATABRICKS_TOKEN=da" + "pi\(g.hex(32))", "token = \"da" + "pi\(g.hex(32))-2\""],
                negatives: [
                    "DATABRICKS_TOKEN=da" + "pi1234567890abcdef1234567890abcdef",
                    "da" + "pi\(String(repeating: "a", count: 32))",
                ]),
            Case(
                rule: "dynatrace-token",
                positives: [
                    "DT_API_TOKEN=dt0" + "c01.\(g.upper(24)).\(g.upper(64))",
                    "token: dt0" + "c01.\(g.upper(24)).\(g.upper(64))",
                ],
                negatives: [
                    "dt0" + "c01.\(String(repeating: "X", count: 24)).\(String(repeating: "X", count: 64))",
                    "dt0" + "c01.ABC.DEF",
                ]),
            Case(
                rule: "grafana-token",
                positives: ["GRAFANA_TOKEN=gl" + "sa_\(g.alnum(32))_\(g.hex(8))", "token: gl" + "c_\(g.base64(80))="],
                negatives: ["gl" + "sa_\(x(32))_\(String(repeating: "0", count: 8))", "gl" + "c_short"]),
            Case(
                rule: "new-relic-key",
                positives: ["NEW_RELIC_API_KEY=NR" + "AK-\(g.upper(27))", "key: NR" + "JS-\(g.hex(19))"],
                negatives: ["NR" + "AK-\(String(repeating: "X", count: 27))", "NR" + "AK-SHORT"]),
            Case(
                rule: "sentry-token",
                positives: ["SENTRY_AUTH_TOKEN=sntry" + "s_eyJ\(g.base64(80))", "token: sntry" + "u_\(g.hex(64))"],
                negatives: ["sntry" + "u_\(String(repeating: "0", count: 64))", "sntry" + "s_eyJ..."]),
            Case(
                rule: "openai-api-key",
                positives: [
                    "OPENAI_API_KEY=sk-" + "proj-\(g.word(60))T3Blbk" + "FJ\(g.word(60))",
                    "api_key = \"sk-\(g.alnum(20))T3Blbk" + "FJ\(g.alnum(20))\"",
                ],
                negatives: ["sk-" + "proj-\(x(60))T3Blbk" + "FJ\(x(60))", "sk-...T3Blbk" + "FJ..."]),
            Case(
                rule: "anthropic-api-key",
                positives: [
                    "ANTHROPIC_API_KEY=sk-" + "ant-api03-\(g.word(95))", "x-api-key: sk-" + "ant-api03-\(g.word(95))",
                ],
                negatives: ["sk-" + "ant-api03-\(x(95))", "sk-" + "ant-api03-..."]),
            Case(
                rule: "huggingface-token",
                positives: ["HF_TOKEN=hf" + "_\(g.letters(34))", "token = \"hf" + "_\(g.letters(34))\""],
                negatives: ["hf" + "_\(x(34))", "hf" + "_abc"]),
            Case(
                rule: "groq-api-key",
                positives: ["GROQ_API_KEY=gs" + "k_\(g.alnum(52))", "api_key: gs" + "k_\(g.alnum(52))"],
                negatives: ["gs" + "k_\(x(52))", "gs" + "k_short"]),
            Case(
                rule: "perplexity-api-key",
                positives: ["PPLX_API_KEY=pp" + "lx-\(g.alnum(48))", "key: pp" + "lx-\(g.alnum(48))"],
                negatives: ["pp" + "lx-\(x(48))", "pp" + "lx-abc"]),
            Case(
                rule: "replicate-token",
                positives: ["REPLICATE_API_TOKEN=r8" + "_\(g.alnum(37))", "token: r8" + "_\(g.alnum(37))"],
                negatives: ["r8" + "_\(x(37))", "r8" + "_abc"]),
            Case(
                rule: "xai-api-key",
                positives: ["XAI_API_KEY=xa" + "i-\(g.alnum(80))", "key: xa" + "i-\(g.alnum(80))"],
                negatives: ["xa" + "i-\(x(80))", "xa" + "i-short"]),
            Case(
                rule: "slack-token-other",
                positives: [
                    "SLACK_REFRESH=xo" + "xe.xoxp-1-\(g.alnum(140))",
                    "token: xo" + "xa-2-\(g.digits(12))-\(g.alnum(30))",
                ],
                negatives: ["xo" + "xe.xoxp-1-\(x(140))", "xo" + "xa-2-12345-short"]),
            Case(
                rule: "discord-webhook",
                positives: [
                    "DISCORD_WEBHOOK=https://discord.com/api/web" + "hooks/\(g.digits(18))/\(g.word(68))",
                    "url: https://discordapp.com/api/web" + "hooks/\(g.digits(19))/\(g.word(68))",
                ],
                negatives: [
                    "https://discord.com/api/web" + "hooks/\(g.digits(18))/\(x(68))",
                    "https://discord.com/api/web" + "hooks/ID/TOKEN",
                ]),
            Case(
                rule: "discord-bot-token",
                positives: [
                    "DISCORD_TOKEN=M\(g.alnum(23)).\(g.word(6)).\(g.word(27))",
                    "discord_bot_token: \"N\(g.alnum(25)).\(g.word(6)).\(g.word(38))\"",
                ],
                negatives: ["DISCORD_TOKEN=M\(x(23)).\(x(6)).\(x(27))", "discord_token = ${DISCORD_TOKEN}"]),
            Case(
                rule: "telegram-bot-token",
                positives: [
                    "TELEGRAM_BOT_TOKEN=\(g.digits(10)):A" + "A\(g.word(33))",
                    "bot = Bot(\"\(g.digits(9)):A" + "A\(g.word(33))\")",
                ],
                negatives: ["\(g.digits(10)):A" + "A\(x(33))", "time 10:AA"]),
            Case(
                rule: "twilio-api-key",
                positives: ["TWILIO_API_KEY=SK\(g.hex(32))", "twilio.api_key = \"SK\(g.hex(32))\""],
                negatives: [
                    "TWILIO_API_KEY=SK\(String(repeating: "0", count: 32))",
                    "SK\(g.hex(32)) without the provider's name",
                ]),
            Case(
                rule: "sendgrid-api-key",
                positives: [
                    "SENDGRID_API_KEY=SG" + ".\(g.word(22)).\(g.word(43))", "key: SG" + ".\(g.word(22)).\(g.word(43))",
                ],
                negatives: ["SG" + ".\(x(22)).\(x(43))", "SG" + ".short.key"]),
            Case(
                rule: "mailgun-api-key",
                positives: ["MAILGUN_API_KEY=key" + "-\(g.hex(32))", "api_key: key" + "-\(g.hex(32))"],
                negatives: ["key" + "-\(String(repeating: "0", count: 32))", "key" + "-binding"]),
            Case(
                rule: "mailchimp-api-key",
                positives: ["MAILCHIMP_API_KEY=\(g.hex(32))-us" + "12", "apikey: \(g.hex(32))-us" + "6"],
                negatives: ["\(String(repeating: "0", count: 32))-us" + "12", "set-us" + "er"]),
            Case(
                rule: "postman-api-key",
                positives: [
                    "POSTMAN_API_KEY=PM" + "AK-\(g.hex(24))-\(g.hex(34))",
                    "x-api-key: PM" + "AK-\(g.hex(24))-\(g.hex(34))",
                ],
                negatives: [
                    "PM" + "AK-\(String(repeating: "0", count: 24))-\(String(repeating: "0", count: 34))",
                    "PM" + "AK-<key>",
                ]),
            Case(
                rule: "linear-api-key",
                positives: [
                    "LINEAR_API_KEY=lin" + "_api_\(g.alnum(40))", "Authorization: lin" + "_api_\(g.alnum(40))",
                ],
                negatives: ["lin" + "_api_\(x(40))", "lin" + "_api_short"]),
            Case(
                rule: "notion-token",
                positives: [
                    "NOTION_TOKEN=nt" + "n_\(g.digits(11))\(g.alnum(35))",
                    "auth: \"nt" + "n_\(g.digits(11))\(g.alnum(35))\"",
                ],
                negatives: ["nt" + "n_12345678901abc", "nt" + "n_\(g.digits(11))\(x(35))"]),
            Case(
                rule: "hubspot-private-app-token",
                positives: ["HUBSPOT_ACCESS_TOKEN=pat" + "-na1-\(g.uuid())", "token: pat" + "-eu1-\(g.uuid())"],
                negatives: ["pat" + "-na1-00000000-0000-0000-0000-000000000000", "pat" + "-na1-<token>"]),
            Case(
                rule: "dropbox-token",
                positives: ["DROPBOX_ACCESS_TOKEN=sl" + ".\(g.word(140))", "token: sl" + ".u.\(g.word(150))"],
                negatives: ["ssl" + ".conf", "sl" + ".\(x(140))"]),
            Case(
                rule: "1password-service-account-token",
                positives: [
                    "OP_SERVICE_ACCOUNT_TOKEN=op" + "s_eyJ\(g.base64(300))", "token: op" + "s_eyJ\(g.base64(280))==",
                ],
                negatives: ["op" + "s_eyJz…HM6...", "op" + "s_eyJ\(x(300))"]),
            Case(
                rule: "age-secret-key",
                positives: [
                    "AGE-SECRET" + "-KEY-1\(g.pick(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"))",
                    "# key: AGE-SECRET" + "-KEY-1\(g.pick(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"))",
                ],
                negatives: ["AGE-SECRET" + "-KEY-1" + String(repeating: "Q", count: 58), "AGE-SECRET" + "-KEY-1..."]),
            Case(
                rule: "firebase-fcm-server-key",
                positives: [
                    "FCM_SERVER_KEY=AAAA\(g.word(7)):APA" + "91b\(g.word(134))",
                    "key=AAAA\(g.word(7)):APA" + "91b\(g.word(134))",
                ],
                negatives: ["AAAA\(x(7)):APA" + "91b\(x(134))", "AAAA:APA" + "91b..."]),
            Case(
                rule: "stripe-test-key",
                positives: [
                    "STRIPE_SECRET_KEY=sk" + "_test_\(g.alnum(24))", "Stripe.api_key = \"rk" + "_test_\(g.alnum(30))\"",
                ],
                negatives: ["sk" + "_test_\(x(24))", "sk" + "_test_1234567890abcdefghijklmn"]),
            Case(
                rule: "shopify-token",
                positives: ["SHOPIFY_ACCESS_TOKEN=shp" + "at_\(g.hex(32))", "secret: shp" + "ss_\(g.hex(32))"],
                negatives: ["shp" + "at_\(String(repeating: "0", count: 32))", "shp" + "at_short"]),
            Case(
                rule: "square-token",
                positives: ["SQUARE_ACCESS_TOKEN=EA" + "AA\(g.word(60))", "secret: sq0" + "csp-\(g.word(43))"],
                negatives: ["EA" + "AA\(x(60))", "sq0" + "atp-short"]),
            Case(
                rule: "flutterwave-secret-key",
                positives: [
                    "FLW_SECRET_KEY=FLWSE" + "CK-\(g.pick(32, "abcdefgh0123456789"))-X",
                    "key: FLWSE" + "CK_TEST-\(g.pick(32, "abcdefgh0123456789"))-X",
                ],
                negatives: ["FLWSE" + "CK-\(String(repeating: "a", count: 32))-X", "FLWSE" + "CK-<key>-X"]),
            Case(
                rule: "easypost-api-key",
                positives: ["EASYPOST_API_KEY=EZ" + "AK\(g.alnum(54))", "key: EZ" + "TK\(g.alnum(54))"],
                negatives: ["EZ" + "AK\(x(54))", "EZ" + "AKshort"]),
            Case(
                rule: "shippo-api-token",
                positives: ["SHIPPO_TOKEN=shippo" + "_live_\(g.hex(40))", "token: shippo" + "_test_\(g.hex(40))"],
                negatives: ["shippo" + "_live_\(String(repeating: "0", count: 40))", "shippo" + "_live_abc"]),
            Case(
                rule: "duffel-api-token",
                positives: ["DUFFEL_TOKEN=duffel" + "_live_\(g.word(43))", "token: duffel" + "_test_\(g.word(43))"],
                negatives: ["duffel" + "_live_\(x(43))", "duffel" + "_test_short"]),
            Case(
                rule: "datadog-api-key",
                positives: ["DATADOG_API_KEY=\(g.hex(32))", "dd_app_key: \"\(g.hex(40))\""],
                negatives: ["DATADOG_API_KEY=\(String(repeating: "0", count: 32))", "DATADOG_API_KEY=${DD_KEY}"]),
            Case(
                rule: "twitch-token",
                positives: ["TWITCH_CLIENT_SECRET=\(g.lower(30))", "twitch_oauth_token: \"\(g.lower(30))\""],
                negatives: ["TWITCH_CLIENT_SECRET=\(x(30))", "twitch_token = os.environ['TWITCH']"]),
            Case(
                rule: "zendesk-api-token",
                positives: ["ZENDESK_API_TOKEN=\(g.alnum(40))", "zendesk.token = \"\(g.alnum(40))\""],
                negatives: ["ZENDESK_API_TOKEN=\(x(40))", "ZENDESK_API_TOKEN=<token>"]),
            Case(
                rule: "snyk-api-token",
                positives: ["SNYK_TOKEN=\(g.uuid())", "snyk_api_key: \"\(g.uuid())\""],
                negatives: ["SNYK_TOKEN=00000000-0000-0000-0000-000000000000", "SNYK_TOKEN=${{ secrets.SNYK_TOKEN }}"]),
            Case(
                rule: "heroku-api-key-legacy",
                positives: ["HEROKU_API_KEY=\(g.uuid())", "heroku.token: \"\(g.uuid())\""],
                negatives: ["HEROKU_API_KEY=00000000-0000-0000-0000-000000000000", "HEROKU_API_KEY=$HEROKU_KEY"]),
            Case(
                rule: "sidekiq-credentials",
                positives: [
                    "BUNDLE_ENTERPRISE__CONTRIBSYS__COM=\(g.hex(8)):\(g.hex(8))",
                    "source \"https://\(g.hex(8)):\(g.hex(8))@enterprise.contribsys.com/\"",
                ],
                negatives: [
                    "BUNDLE_ENTERPRISE__CONTRIBSYS__COM=00000000:00000000",
                    "BUNDLE_ENTERPRISE__CONTRIBSYS__COM=${SIDEKIQ}",
                ]),
            Case(
                rule: "generic-key-name",
                positives: [
                    "const algoliaKey = '\(g.alnum(32))';", "maps.key: \"\(g.alnum(39))\"",
                    "  mapboxKey: \"\(g.word(40))\",",
                ],
                negatives: [
                    "const cacheKey = 'user-profile-settings-v2';", "primaryKey: \"id\"",
                    "keyVaultToStoreSecrets: \"NEXUS-GPT4-API-KEY\"", "sortKey = \"${{ matrix.os }}\"",
                ]),
            Case(
                rule: "url-credentials",
                positives: [
                    "DATABASE_URL=postgres://app:\(g.alnum(20))@db.internal:5432/app",
                    "git clone https://deploy:\(g.alnum(24))@git.example.net/repo.git",
                ],
                negatives: [
                    "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app",
                    "url: https://user:${PASSWORD}@host/path",
                ]),
            Case(
                rule: "curl-basic-auth",
                positives: [
                    "curl -u admin:\(g.alnum(18)) https://api.internal/v1",
                    "curl --user 'svc:\(g.alnum(20))' -X POST https://ci.local/hook",
                ],
                negatives: ["curl -u user:password https://example.org", "curl -u \"$USER:$PASS\" https://api"]),
            Case(
                rule: "xml-element-secret",
                positives: [
                    "<password>\(g.alnum(24))</password>", "    <apiKey>\(g.word(32))</apiKey>",
                    "<add key=\"x\"/><ServiceToken>\(g.alnum(40))</ServiceToken>",
                ],
                negatives: [
                    "<password>${DB_PASSWORD}</password>", "<token>\(x(24))</token>",
                    "<passwordPolicy>minimum-length-twelve</passwordPolicy>",
                ]),
            Case(
                rule: "authorization-header",
                positives: ["Authorization: Bearer \(g.word(40))", "-H 'Authorization: token \(g.alnum(36))'"],
                negatives: ["Authorization: Bearer <token>", "Authorization: Bearer ${TOKEN}"]),
        ]
    }

    /// A detect-secrets baseline (`.secrets.baseline`) carries over: a secret it lists for a file (by
    /// SHA-1) is suppressed there; the same secret elsewhere, or another one, is still reported.
    @Test func aDetectSecretsBaselineSuppressesWhatItAccepted() throws {
        var g = Generator()
        let accepted = "hf" + "_\(g.letters(34))"
        let other = "hf" + "_\(g.letters(34))"
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("config/app.env", "HF_TOKEN=\(accepted)\nHF_OTHER=\(other)\n")
        try directory.write("other.env", "HF_TOKEN=\(accepted)\n")
        let sha1 = try runChecked(
            "python3", ["-c", "import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())", accepted]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        let baseline = try directory.write(
            ".secrets.baseline",
            """
            {"version": "1.5.0", "plugins_used": [], "filters_used": [],
             "results": {"config/app.env": [{"type": "Hugging Face Token", "filename": "config/app.env",
               "hashed_secret": "\(sha1)", "is_verified": false, "line_number": 1}]},
             "generated_at": "2026-11-29T00:00:00Z"}
            """)
        let report = try SecretScanner(baseline: try SecretBaseline.load(path: baseline.path)).scan(directory.url)
        let findings = report.findings.filter { $0.ruleID == "huggingface-token" }
        let suppressed = findings.filter { $0.suppressed != nil }.map { "\($0.file ?? ""):\($0.line ?? 0)" }
        let reported = findings.filter { $0.suppressed == nil }.map { "\($0.file ?? ""):\($0.line ?? 0)" }
        #expect(suppressed == ["config/app.env:1"])
        #expect(reported.sorted() == ["config/app.env:2", "other.env:1"])
        #expect(throws: SecretScanError.self) {
            try SecretBaseline.load(path: try directory.write("bad.json", #"{"results": {"a": 1}}"#).path)
        }
    }

    /// The generic rule reads dotted names too (`bitbucket.api.key=…` in a properties file).
    @Test func theGenericRuleReadsDottedNames() throws {
        var g = Generator()
        let scanner = try SecretScanner()
        let line = "bitbucket.api.key=\(g.alnum(12))\(g.digits(4))\(g.alnum(12))"
        #expect(scanner.scan(lines: [(line, 1)], file: "app.properties").map(\.ruleID) == ["generic-secret"])
        #expect(scanner.scan(lines: [("bitbucket.api.key=${BITBUCKET_KEY}", 1)], file: "app.properties").isEmpty)
    }

    @Test func everyProviderRuleFindsItsFormatAndNotItsLookAlikes() throws {
        let scanner = try SecretScanner()
        let provider = Set(try ProviderSecretRules.rules().map(\.id))
        let cases = Self.cases() + Self.moreCases()
        #expect(Set(cases.map(\.rule)) == provider, "every provider rule has its samples")
        #expect(try BuiltinSecretRules.rules().count >= 150, "gitleaks' breadth: at least 150 rules")
        var (truePositives, falseNegatives, falsePositives, trueNegatives) = (0, 0, 0, 0)
        for testCase in cases {
            #expect(testCase.positives.count >= 2 && testCase.negatives.count >= 2)
            for line in testCase.positives {
                let found = scanner.scan(lines: [(line, 1)], file: "config.env").map(\.ruleID)
                #expect(found.contains(testCase.rule), "\(testCase.rule) missed: \(line)")
                if found.contains(testCase.rule) { truePositives += 1 } else { falseNegatives += 1 }
            }
            for line in testCase.negatives {
                let found = scanner.scan(lines: [(line, 1)], file: "config.env").map(\.ruleID)
                #expect(!found.contains(testCase.rule), "\(testCase.rule) fired on a look-alike: \(line)")
                if found.contains(testCase.rule) { falsePositives += 1 } else { trueNegatives += 1 }
            }
        }
        let total = truePositives + falseNegatives + falsePositives + trueNegatives
        #expect(total >= 400 && Set(cases.map(\.rule)).count >= 100, "at least 400 cases across 100 rules")
        let precision = Double(truePositives) / Double(max(1, truePositives + falsePositives))
        let recall = Double(truePositives) / Double(max(1, truePositives + falseNegatives))
        print(
            "provider corpus: \(total) cases across \(Set(cases.map(\.rule)).count) rules: "
                + "precision \(String(format: "%.3f", precision)), recall \(String(format: "%.3f", recall))")
    }
}
