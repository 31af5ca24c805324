import SDTokenizer
import XCTest

/// AUTOMATIC1111's emphasis syntax: the examples of its parse_prompt_attention docstring, plus
/// BREAK and the weighted 77-token windows built from them.
final class PromptWeightsTests: XCTestCase {
    typealias P = PromptWeights.Piece

    func assertParse(_ prompt: String, _ expected: [(String, Double)], file: StaticString = #filePath, line: UInt = #line) {
        let got = PromptWeights.parse(prompt)
        XCTAssertEqual(got.count, expected.count, "\(prompt): \(got)", file: file, line: line)
        for (g, e) in zip(got, expected) {
            if e.1 == -1 { XCTAssertEqual(g, .chunkBreak, file: file, line: line); continue }
            guard case .text(let text, let weight) = g else { XCTFail("\(g)", file: file, line: line); continue }
            XCTAssertEqual(text, e.0, file: file, line: line)
            XCTAssertEqual(Double(weight), e.1, accuracy: 1e-5, "\(prompt): '\(text)'", file: file, line: line)
        }
    }

    func testA1111DocumentedExamples() {
        assertParse("normal text", [("normal text", 1)])
        assertParse("an (important) word", [("an ", 1), ("important", 1.1), (" word", 1)])
        assertParse("(unbalanced", [("unbalanced", 1.1)])
        assertParse("\\(literal\\]", [("(literal]", 1)])
        assertParse("(unnecessary)(parens)", [("unnecessaryparens", 1.1)])
        assertParse("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
                    [("a ", 1), ("house", 1.573), (" ", 1.1), ("on", 1), (" a ", 1.1), ("hill", 0.55),
                     (", sun, ", 1.1), ("sky", 1.4641), (".", 1.1)])
    }

    func testSquareBracketsBreakAndEdgeCases() {
        assertParse("[faded]", [("faded", 1 / 1.1)])
        assertParse("[[faded]]", [("faded", 1 / 1.21)])
        assertParse("a cat BREAK a dog", [("a cat", 1), ("", -1), ("a dog", 1)])
        assertParse("BREAKFAST", [("BREAKFAST", 1)])
        assertParse("", [("", 1)])
        assertParse("stray) closer", [("stray) closer", 1)])
        assertParse("ratio 16:9", [("ratio 16:9", 1)])
        assertParse("(word: 1.5 )", [("word", 1.5)])
        assertParse("(word:-0.5)", [("word", -0.5)])
        assertParse("(a BREAK b)", [("a", 1.1), ("", -1), ("b", 1.1)])
    }

    func testWeightedWindows() {
        let tok = CLIPTokenizer.shared
        let plain = tok.windows("a red circle", padTokenID: 49407)[0]
        let (ids, weights) = tok.weightedWindows("a (red:1.5) circle", padTokenID: 49407)[0]
        XCTAssertEqual(ids, plain)  // the brackets are syntax, not text
        XCTAssertEqual(weights.count, 77)
        XCTAssertEqual(Array(weights.prefix(5)), [1, 1, 1.5, 1, 1])
        XCTAssertTrue(weights.dropFirst(5).allSatisfy { $0 == 1 })

        let broken = tok.weightedWindows("a cat BREAK a dog", padTokenID: 49407)
        XCTAssertEqual(broken.count, 2)
        XCTAssertEqual(broken[0].ids, tok.windows("a cat", padTokenID: 49407)[0])
        XCTAssertEqual(broken[1].ids, tok.windows("a dog", padTokenID: 49407)[0])

        // a long weighted prompt: weights follow their tokens across the chunk boundary
        let long = Array(repeating: "word", count: 80).joined(separator: " ") + " (red:1.3)"
        let w = tok.weightedWindows(long, padTokenID: 0)
        XCTAssertEqual(w.count, 2)
        let words = Array(repeating: "word", count: 80).joined(separator: " ")
        XCTAssertEqual(w[1].ids, tok.windows(words + " red", padTokenID: 0)[1])
        XCTAssertEqual(w[1].weights[6], 1.3)
        XCTAssertEqual(w[1].ids[7], tok.endOfTextID)
    }
}
