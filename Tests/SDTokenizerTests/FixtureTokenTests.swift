import SDTokenizer
import XCTest

/// The tokenizer against transformers' CLIPTokenizer outputs in Tests/Fixtures/tokens.json.
final class FixtureTokenTests: XCTestCase {
    let tokenizer = CLIPTokenizer.shared
    let maxTokens = 75

    func testEncodeEqualsReferenceBPE() throws {
        for fixture in try TokenFixture.load() {
            XCTAssertEqual(tokenizer.encode(fixture.prompt), fixture.bpe, "prompt \(fixture.prompt.debugDescription)")
        }
    }

    func testShortPromptWindowEqualsSD1Input() throws {
        for fixture in try TokenFixture.load() where fixture.bpe.count <= maxTokens {
            let windows = tokenizer.windows(fixture.prompt, padTokenID: 49407)
            XCTAssertEqual(windows, [fixture.sd1], "prompt \(fixture.prompt.debugDescription)")
        }
    }

    func testShortPromptWindowEqualsSD2Input() throws {
        for fixture in try TokenFixture.load() where fixture.bpe.count <= maxTokens {
            let windows = tokenizer.windows(fixture.prompt, padTokenID: 0, dialect: .diffusersSD2)
            XCTAssertEqual(windows, [fixture.sd2], "prompt \(fixture.prompt.debugDescription)")
        }
    }

    func testLongPromptsSplitIntoWindowsThatKeepEveryToken() throws {
        let long = try TokenFixture.load().filter { $0.bpe.count > maxTokens }
        XCTAssertFalse(long.isEmpty, "tokens.json should hold at least one prompt over 75 tokens")
        for fixture in long {
            let pad: Int32 = -1  // not a token id, so a window's content is unambiguous
            let windows = tokenizer.windows(fixture.prompt, padTokenID: pad)
            XCTAssertGreaterThan(windows.count, 1)
            var content: [Int32] = []
            for window in windows {
                XCTAssertEqual(window.count, 77)
                XCTAssertEqual(window.first, 49406)
                XCTAssertTrue(window.contains(49407))
                let end = window.lastIndex { $0 != pad }!
                XCTAssertEqual(window[end], 49407)
                content += window[1..<end]
            }
            XCTAssertEqual(content, fixture.bpe, "prompt \(fixture.prompt.debugDescription)")
            // The reference truncates: its ids are the first 75 tokens, which the first window starts with.
            XCTAssertEqual(Array(fixture.sd1[1..<76]), Array(fixture.bpe[0..<75]))
        }
    }
}
