import Dispatch
import Foundation
import SDPipeline
import XCTest

/// One loaded model, several threads generating at once: each gets exactly the bytes a
/// sequential run gives. (Run under ThreadSanitizer with REPS raised, see docs/RELIABILITY.md.)
final class ConcurrencyTests: XCTestCase {
    func testThreadsSharingOneModelMatchSequentialRuns() throws {
        let pipe = EditModesTests.pipe
        let reps = Int(ProcessInfo.processInfo.environment["SDSWIFT_CONCURRENCY_REPS"] ?? "2") ?? 2
        func request(_ seed: UInt64) -> GenerationRequest {
            var r = GenerationRequest()
            r.prompt = "a red circle"; r.width = 16; r.height = 16; r.steps = 3; r.seed = seed
            r.sampler = ["euler", "euler_a", "dpmpp_2m", "lcm"][Int(seed % 4)]
            return r
        }
        let seeds: [UInt64] = [1, 2, 3, 4]
        let sequential = try seeds.map { try pipe.generate(request($0)).images }
        for _ in 0..<reps {
            var results = [[Image8]?](repeating: nil, count: seeds.count)
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: seeds.count) { i in
                let images = try? pipe.generate(request(seeds[i])).images
                lock.lock(); results[i] = images; lock.unlock()
            }
            for i in 0..<seeds.count { XCTAssertEqual(results[i], sequential[i], "seed \(seeds[i])") }
        }
    }
}
