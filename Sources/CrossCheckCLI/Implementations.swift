import CrossCheckCore
import CrossCheckProperties
import CrossCheckReference

/// The built-in implementations, by the names `--implementation` takes.
public enum Implementations {
    /// Every built-in implementation.
    public static var all: [any SoftmaxImplementation] {
        [ReferenceImplementation(), FastPathImplementation()] + FlawedImplementation.all.map { $0 as any SoftmaxImplementation }
    }

    /// The implementation `eval` uses when none is named: the fast paths.
    public static let defaultName = "fast"

    /// The implementation `check` uses when none is named: the fast paths.
    public static let defaultCheckName = "fast"

    public static var names: [String] { all.map(\.name) }

    public static func named(_ name: String) -> (any SoftmaxImplementation)? {
        all.first { $0.name == name }
    }
}
