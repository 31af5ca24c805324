import Dispatch
import Foundation
import SDCheckpoint
@testable import SDPipeline
import SDTensor
import XCTest

/// LoRAs through the public API: prompt tags, per-request and merged LoRAs, concurrency, wrong models.
final class LoRAPipelineTests: XCTestCase {
    static let folder = LoRAParityTests.folder
    static let kohya = LoRAParityTests.lora("kohya"), peft = LoRAParityTests.lora("peft")

    func request(_ prompt: String = "a red circle", seed: UInt64 = 3) -> GenerationRequest {
        var r = GenerationRequest()
        r.prompt = prompt; r.width = 16; r.height = 16; r.steps = 3; r.seed = seed
        return r
    }

    func testPromptTagSyntax() throws {
        typealias Tag = LoRAPromptTags.Tag
        XCTAssertEqual(try LoRAPromptTags.tags(in: "a <lora:one:0.5> b <LORA:two> <lyco:three:0.2:0.8> <lora:four:unet=0.3:te=0.1>"),
                       [Tag(name: "one", textWeight: 0.5, unetWeight: 0.5), Tag(name: "two", textWeight: 1, unetWeight: 1),
                        Tag(name: "three", textWeight: 0.2, unetWeight: 0.8), Tag(name: "four", textWeight: 0.1, unetWeight: 0.3)])
        XCTAssertEqual(LoRAPromptTags.strip("a <lora:one:0.5>b <hypernet:x:1> (c:1.2)<lora:two>"), "a b <hypernet:x:1> (c:1.2)")
        XCTAssertEqual(LoRAPromptTags.strip("no tags < here >"), "no tags < here >")
        XCTAssertThrowsError(try LoRAPromptTags.tags(in: "<lora:one:heavy>"))
        XCTAssertThrowsError(try LoRAPromptTags.tags(in: "<lora::1>"))
    }

    func testPromptTagsApplyAsRequestLoRAs() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        XCTAssertThrowsError(try pipe.generate(request("a red circle <lora:tiny-kohya:0.7>")), "no LoRA folder set")
        pipe.loraDirectory = Self.folder
        XCTAssertThrowsError(try pipe.generate(request("a red circle <lora:missing:0.7>")), "no such LoRA")
        let tagged = try pipe.generate(request("a red circle <lora:tiny-kohya:0.7>"))
        var byRequest = request()
        byRequest.loras = [LoRAUse(path: Self.kohya, weight: 0.7)]
        let direct = try pipe.generate(byRequest)
        let plain = try pipe.generate(request())
        XCTAssertEqual(tagged.images, direct.images, "<lora:tiny-kohya:0.7> is the same as request.loras")
        XCTAssertNotEqual(tagged.images, plain.images, "the LoRA changes the image")
        XCTAssertTrue(tagged.parameters[0].hasPrefix("a red circle <lora:tiny-kohya:0.7>"), "the tag stays in the parameters text")
        // text encoder and UNet weights apart: UNet only is neither the plain nor the full image
        let unetOnly = try pipe.generate(request("a red circle <lora:tiny-kohya:0:0.7>"))
        XCTAssertNotEqual(unetOnly.images, plain.images)
        XCTAssertNotEqual(unetOnly.images, tagged.images)
        XCTAssertEqual(try pipe.loraOverlay(for: request("<lora:tiny-kohya:0:0.7>"))?.count, 121)
        XCTAssertEqual(try pipe.loraOverlay(for: request("<lora:tiny-kohya:0.7:0>"))?.count, 12)
        XCTAssertNil(try pipe.loraOverlay(for: request("<lora:tiny-kohya:0>")), "weight 0 changes nothing")
    }

    func testMergedLoRAsAndUnmerge() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        let plain = try pipe.generate(request())
        var byRequest = request()
        byRequest.loras = [LoRAUse(path: Self.peft, weight: 0.7)]
        let perRequest = try pipe.generate(byRequest)
        try pipe.setLoRAs([LoRAUse(path: Self.peft, weight: 0.7)])
        XCTAssertEqual(try pipe.generate(request()).images, perRequest.images, "merged = per request")
        try pipe.setLoRAs([])
        XCTAssertEqual(try pipe.generate(request()).images, plain.images, "unmerged = never merged")
        XCTAssertTrue(pipe.loras.isEmpty)
    }

    func testLoRAForAnotherModelIsRefusedAndChangesNothing() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd2-tiny"))
        let plain = try pipe.generate(request())
        XCTAssertThrowsError(try pipe.setLoRAs([LoRAUse(path: Self.kohya, weight: 1)])) { error in
            guard case CheckpointError.unsupported(let why)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("another model"), why)
        }
        XCTAssertTrue(pipe.loras.isEmpty)
        XCTAssertEqual(try pipe.generate(request()).images, plain.images)
        XCTAssertThrowsError(try pipe.setLoRAs([LoRAUse(path: Self.folder + "/none.safetensors", weight: 1)]))
    }

    /// Generations with and without LoRAs on many threads while another thread merges and unmerges:
    /// each image is exactly one that a sequential run gives with one of the sets it could have started
    /// under; never a mix.
    func testConcurrentGenerationsWhileMergingAndUnmerging() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        let merged = [LoRAUse(path: Self.peft, weight: 0.5)]
        func make(_ i: Int) -> GenerationRequest {
            var r = request(seed: UInt64(i % 2))
            if i % 3 == 0 { r.loras = [LoRAUse(path: Self.kohya, weight: 0.7)] }
            return r
        }
        let count = 6
        var expected: [[[Image8]]] = []
        for i in 0..<count {
            try pipe.setLoRAs([])
            let without = try pipe.generate(make(i)).images
            try pipe.setLoRAs(merged)
            expected.append([without, try pipe.generate(make(i)).images])
        }
        try pipe.setLoRAs([])
        var results = [[Image8]?](repeating: nil, count: count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: count + 1) { i in
            if i == count {  // the merging thread
                for k in 0..<6 { try? pipe.setLoRAs(k % 2 == 0 ? merged : []) }
                return
            }
            let images = try? pipe.generate(make(i)).images
            lock.lock(); results[i] = images; lock.unlock()
        }
        for i in 0..<count {
            XCTAssertNotNil(results[i])
            XCTAssertTrue(expected[i].contains { $0 == results[i] }, "request \(i): not an image of either weight set")
        }
    }
}
