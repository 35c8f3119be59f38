import GantryCore

/// Problems with keys, signatures and attestations, phrased for the person who must fix them.
public enum AttestationError: GantryError, Equatable {
    case keyFile(String)
    case signature(String)
    case statement(String)
    case seal(String)

    public var description: String {
        switch self {
        case .keyFile(let message), .signature(let message), .statement(let message), .seal(let message): message
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .keyFile: .inputError
        case .signature, .statement, .seal: .failure
        }
    }
}
