import Foundation

/// Shannon entropy in bits per byte, as gitleaks computes it: `-Σ p log2 p` over the byte counts.
public enum Entropy {
    public static func shannon(_ text: String) -> Double {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: 256)
        for byte in bytes { counts[Int(byte)] += 1 }
        let length = Double(bytes.count)
        var entropy = 0.0
        for count in counts where count > 0 {
            let p = Double(count) / length
            entropy -= p * log2(p)
        }
        return entropy
    }
}
