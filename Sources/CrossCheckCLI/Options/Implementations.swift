import CrossCheckCatalog
import CrossCheckCore
import CrossCheckKernels
import CrossCheckReference

/// The built-in implementations, by the names `--implementation` takes.
public enum Implementations {
    /// Every built-in implementation: the reference, the fast paths, the catalog's flawed ones.
    public static var all: [any SoftmaxImplementation] {
        [ReferenceImplementation(), FastPathImplementation()] + FlawedImplementation.all.map { $0 as any SoftmaxImplementation }
    }

    /// The implementation every command uses when none is named: the fast paths.
    public static let defaultName = "fast"

    public static var names: [String] { all.map(\.name) }

    public static func named(_ name: String) -> (any SoftmaxImplementation)? {
        all.first { $0.name == name }
    }
}
