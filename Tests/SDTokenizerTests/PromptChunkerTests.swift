@testable import SDTokenizer
import XCTest

/// AUTOMATIC1111's chunking rule on synthetic ids (comma = 267, other tokens 1...).
final class PromptChunkerTests: XCTestCase {
    let comma: Int32 = 267

    func chunkSizes(_ tokens: [Int32]) -> [Int] {
        let chunks = PromptChunker.chunks(tokens, length: 75, commaID: comma)
        XCTAssertEqual(Array(chunks.joined()), tokens, "chunks must concatenate to the input")
        return chunks.map(\.count)
    }

    func words(_ n: Int) -> [Int32] { (0..<n).map { Int32($0 % 200 + 1) } }

    func withComma(_ n: Int, at positions: Int...) -> [Int32] {
        var t = words(n)
        for p in positions { t[p] = comma }
        return t
    }

    func testEmptyGivesOneEmptyChunk() {
        XCTAssertEqual(PromptChunker.chunks([], length: 75, commaID: comma), [[]])
    }

    func testWithoutCommasChunksAreFull() {
        XCTAssertEqual(chunkSizes(words(75)), [75])
        XCTAssertEqual(chunkSizes(words(76)), [75, 1])
        XCTAssertEqual(chunkSizes(words(150)), [75, 75])
        XCTAssertEqual(chunkSizes(words(200)), [75, 75, 50])
    }

    func testBacksOffToCommaWithinTwentyTokens() {
        XCTAssertEqual(chunkSizes(withComma(100, at: 60)), [61, 39])
        XCTAssertEqual(chunkSizes(withComma(100, at: 55)), [56, 44])  // 75 - 55 = 20: still backs off
        XCTAssertEqual(chunkSizes(withComma(100, at: 10, 60)), [61, 39])  // the last comma counts
        XCTAssertEqual(chunkSizes(withComma(100, at: 74)), [75, 25])  // comma closes the chunk
    }

    func testCommaFurtherBackIsIgnored() {
        XCTAssertEqual(chunkSizes(withComma(100, at: 54)), [75, 25])
    }

    func testNoBackOffWhenPromptEndsAtTheBoundary() {
        XCTAssertEqual(chunkSizes(withComma(75, at: 60)), [75])
    }

    func testCommaAfterAFullChunkOpensTheNext() {
        // The 76th token is a comma: no back-off, the comma starts chunk two.
        let tokens = withComma(140, at: 60, 75)
        let chunks = PromptChunker.chunks(tokens, length: 75, commaID: comma)
        XCTAssertEqual(chunks.map(\.count), [75, 65])
        XCTAssertEqual(chunks[1].first, comma)
    }

    func testSecondChunkBacksOffToo() {
        XCTAssertEqual(chunkSizes(withComma(200, at: 60, 125)), [61, 65, 74])
    }
}
