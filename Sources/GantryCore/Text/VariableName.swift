/// The names environment variables and secrets may have.
public enum VariableName {
    /// Letters, digits and `_`, not starting with a digit.
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" }
    }
}
