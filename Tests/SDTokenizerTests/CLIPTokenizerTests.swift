import Foundation
@testable import SDTokenizer
import XCTest

final class CLIPTokenizerTests: XCTestCase {
    let tokenizer = CLIPTokenizer.shared

    func testVocabularyLayout() {
        XCTAssertEqual(tokenizer.vocabularySize, 49408)
        XCTAssertEqual(tokenizer.startOfTextID, 49406)
        XCTAssertEqual(tokenizer.endOfTextID, 49407)
        XCTAssertEqual(tokenizer.commaID, 267)
        // bytes_to_unicode order: "!" (byte 33) is id 0, "!</w>" 256; byte 0 comes after the 188 printable bytes.
        XCTAssertEqual(tokenizer.encode("!"), [256])
        XCTAssertEqual(tokenizer.encode("\u{0}"), [188 + 256])
    }

    /// Ids from transformers' CLIPTokenizer (openai/clip-vit-large-patch14 vocabulary).
    func testKnownPrompts() {
        XCTAssertEqual(tokenizer.encode("a photo of an astronaut riding a horse"),
                       [320, 1125, 539, 550, 18376, 6765, 320, 4558])
        XCTAssertEqual(tokenizer.encode("Hello, World! it's 2024 &amp; caf\u{e9}"),
                       [3306, 267, 1002, 256, 585, 568, 273, 271, 273, 275, 261, 6259, 282, 15304])
        XCTAssertEqual(tokenizer.encode("cafe\u{301}"), [15304])  // NFC first
        XCTAssertEqual(tokenizer.encode("don't I'LL '''s"), [847, 713, 328, 1342, 6, 8445, 338])
        XCTAssertEqual(tokenizer.encode("\u{39f}\u{394}\u{39f}\u{3a3}"), [138, 123, 138, 112, 138, 123, 139, 481])
        XCTAssertEqual(tokenizer.encode("a\u{a0}b\u{85}c\u{1c}d"), [320, 321, 322, 472, 323])
        XCTAssertEqual(tokenizer.encode("\u{1F600}\u{1F600} \u{1F389}"), [34503, 3986])
        XCTAssertEqual(tokenizer.encode("!<|endoftext|>x<|startoftext|>"), [256, 49407, 343, 49406])
        XCTAssertEqual(tokenizer.encode("<|ENDOFTEXT|>"), [27, 347, 40786, 4160, 91, 285])
        XCTAssertEqual(tokenizer.encode("<|StartOfText|>"), [49406])
    }

    /// diffusers' SD2 tokenizer folders (pad token "!") cut every "!" out as id 0 (diffusers issue #4153).
    func testDiffusersSD2Dialect() {
        XCTAssertEqual(tokenizer.encode("wow!!! a!b"), [2781, 995, 320, 256, 321])
        XCTAssertEqual(tokenizer.encode("wow!!! a!b", dialect: .diffusersSD2), [2781, 0, 0, 0, 320, 0, 321])
        XCTAssertEqual(tokenizer.encode("<|EndOfText|>", dialect: .diffusersSD2), [49407])
        XCTAssertEqual(tokenizer.encode("<|StartOfText|>", dialect: .diffusersSD2), [49406])
        XCTAssertEqual(tokenizer.windows("hi!", padTokenID: 0, maxLength: 6, dialect: .diffusersSD2),
                       [[49406, 1883, 0, 49407, 0, 0]])
    }

    func testEmptyPromptGivesOneWindow() {
        let expected = [[49406, 49407] + [Int32](repeating: 49407, count: 75)]
        XCTAssertEqual(tokenizer.windows("", padTokenID: 49407), expected)
        XCTAssertEqual(tokenizer.windows(" \n\t ", padTokenID: 49407), expected)
        XCTAssertEqual(tokenizer.windows("", padTokenID: 0), [[49406, 49407] + [Int32](repeating: 0, count: 75)])
    }

    func testWindowLayoutAndLength() {
        let w = tokenizer.windows("a photo of an astronaut riding a horse", padTokenID: 0, maxLength: 12)
        XCTAssertEqual(w, [[49406, 320, 1125, 539, 550, 18376, 6765, 320, 4558, 49407, 0, 0]])
        let split = tokenizer.windows("a photo of an astronaut riding a horse", padTokenID: 0, maxLength: 6)
        XCTAssertEqual(split, [[49406, 320, 1125, 539, 550, 49407], [49406, 18376, 6765, 320, 4558, 49407]])
    }

    func testLongPromptBacksOffToLastComma() {
        let prompt = Array(repeating: "masterpiece, best quality, ultra detailed", count: 25).joined(separator: ", ")
        let ids = tokenizer.encode(prompt)
        XCTAssertGreaterThan(ids.count, 150)
        let windows = tokenizer.windows(prompt, padTokenID: 49407)
        XCTAssertEqual(windows.count, 3)
        var content: [Int32] = []
        for window in windows {
            XCTAssertEqual(window.count, 77)
            XCTAssertEqual(window.first, 49406)
            let eos = window.firstIndex(of: 49407)!
            content += window[1..<eos]
            if window != windows.last {
                XCTAssertEqual(window[eos - 1], 267, "a full chunk ends at a comma")
            }
        }
        XCTAssertEqual(content, ids)
    }

    func testMergesFileGivesTheSameTokenizer() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("sdtokenizer-merges-\(getpid()).txt").path
        try ("#version: 0.2\n" + clipMergesText + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try CLIPTokenizer(mergesFile: path)
        XCTAssertEqual(fromFile.vocabularySize, 49408)
        for prompt in ["a photo of an astronaut riding a horse", "Stra\u{df}e, \u{65e5}\u{672c}, 1.5x zoom!"] {
            XCTAssertEqual(fromFile.encode(prompt), tokenizer.encode(prompt))
        }
    }

    func testBadMergesFileThrows() throws {
        XCTAssertThrowsError(try CLIPTokenizer(mergesFile: "/nonexistent/merges.txt"))
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("sdtokenizer-bad-\(getpid()).txt").path
        try "i n\nt h\nin xyz\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try CLIPTokenizer(mergesFile: path))
    }

    func testConcurrentEncodingIsConsistent() {
        let prompts = (0..<64).map { "prompt \($0): a castle on a hill \($0 * 7919), oil painting, h\u{e9}ros \($0 % 5)" }
        let expected = prompts.map { tokenizer.encode($0) }
        let fresh = CLIPTokenizer(merges: clipMergesText)
        let results = Mutex8(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            results.set(worker, prompts.map { fresh.encode($0) })
        }
        for worker in 0..<8 { XCTAssertEqual(results.get(worker), expected) }
    }
}

/// Per-worker result slots for the concurrency test.
private final class Mutex8: @unchecked Sendable {
    private var slots: [[[Int32]]]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func set(_ i: Int, _ value: [[Int32]]) { lock.lock(); slots[i] = value; lock.unlock() }
    func get(_ i: Int) -> [[Int32]] { lock.lock(); defer { lock.unlock() }; return slots[i] }
}
