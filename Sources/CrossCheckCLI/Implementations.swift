import CrossCheckCore
import CrossCheckReference

/// The built-in implementations, by the names `--implementation` takes.
public enum Implementations {
    /// Every built-in implementation.
    public static var all: [any SoftmaxImplementation] {
        [ReferenceImplementation()]
    }

    /// The implementation `eval` uses when none is named.
    public static let defaultName = "reference"

    public static var names: [String] { all.map(\.name) }

    public static func named(_ name: String) -> (any SoftmaxImplementation)? {
        all.first { $0.name == name }
    }
}
