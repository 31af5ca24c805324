import Foundation
import XCTest

/// One entry of Tests/Fixtures/tokens.json (made with transformers' CLIPTokenizer, see Tests/Fixtures/README.md).
struct TokenFixture: Decodable {
    let prompt: String
    /// BPE ids without BOS/EOS, not truncated.
    let bpe: [Int32]
    /// 77 ids as the SD1 pipeline feeds them (padded with 49407, truncated).
    let sd1: [Int32]
    /// 77 ids as the SD2 pipeline feeds them (padded with 0, truncated).
    let sd2: [Int32]

    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokens.json")

    static func load() throws -> [TokenFixture] {
        let data = try Data(contentsOf: url)
        let fixtures = try JSONDecoder().decode([TokenFixture].self, from: data)
        XCTAssertFalse(fixtures.isEmpty, "no prompts in \(url.path)")
        return fixtures
    }
}
