import Foundation
import Hummingbird

/// `/api/v1/openapi.yaml`: the API's contract (Sources/Server/API/openapi.yaml, compiled in).
struct OpenAPIRoute {
    /// The document's text.
    static var document: String { String(decoding: PackageResources.openapi_yaml, as: UTF8.self) }

    func add(to router: Router<ServerRequestContext>) {
        router.get("/api/v1/openapi.yaml") { _, _ in
            JSONResponse.make(
                status: .ok, body: Data(PackageResources.openapi_yaml), contentType: "application/yaml; charset=utf-8")
        }
    }
}
