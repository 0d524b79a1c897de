import CrossCheckCore
import Foundation
import Testing

/// One version, printed by `crosscheck --version`.
@Suite struct VersionTests {
    @Test func versionIsTheOneConstant() throws {
        let r = try runCrossCheck(["--version"], input: "")
        #expect(r.status == 0)
        #expect(r.stdout == "\(CrossCheckVersion.current)\n")
        #expect(CrossCheckVersion.current.split(separator: ".").count == 3)
    }
}
