/// The version of CrossCheck: the package, its library products and the `crosscheck` tool
/// (`crosscheck --version` prints it). One constant, changed with each release and its entry in
/// CHANGELOG.md; releases are tagged with it (`0.3.0`), so a dependency can say `from: "0.3.0"`.
public enum CrossCheckVersion {
    /// Semantic version: major.minor.patch.
    public static let current = "0.3.0"
}
