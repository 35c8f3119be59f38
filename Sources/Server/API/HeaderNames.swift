import HTTPTypes

// Header names the server reads or writes that HTTPTypes does not name. Each literal is a valid token
// (checked once, here), so the initializer cannot fail.
extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let hubSignature256 = HTTPField.Name("X-Hub-Signature-256")!
    static let githubEvent = HTTPField.Name("X-GitHub-Event")!
    static let githubDelivery = HTTPField.Name("X-GitHub-Delivery")!
    static let gitlabToken = HTTPField.Name("X-Gitlab-Token")!
    static let gitlabEvent = HTTPField.Name("X-Gitlab-Event")!
    static let gitlabEventUUID = HTTPField.Name("X-Gitlab-Event-UUID")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let gantrySignature256 = HTTPField.Name("X-Gantry-Signature-256")!
    static let gantryDelivery = HTTPField.Name("X-Gantry-Delivery")!
}
