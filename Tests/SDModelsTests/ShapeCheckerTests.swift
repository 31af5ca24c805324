import Foundation
import XCTest
@testable import SDPipeline

/// The Swift port of Tools/train_default/checker.py decides as the Python one does.
final class ShapeCheckerTests: XCTestCase {
    /// The Swift checker decides exactly what checker.py decided on the committed images
    /// (36 ground-truth drawings, 48 model samples; Tools/train_default/checker_fixture.py).
    func testPortAgreesWithPythonChecker() throws {
        let strip = try PNG.read(path: Fixtures.root.appendingPathComponent("checker/images.png").path).rgb()
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("checker/verdicts.json"))
        let verdicts = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        XCTAssertEqual(strip.width, 64 * verdicts.count)
        var truthSeen = 0
        for (i, v) in verdicts.enumerated() {
            let got = ShapeChecker.check(DefaultModel.tile(strip, i))
            let want = ShapeChecker.Verdict(shape: v["shape"] as! String, colour: v["colour"] as! String,
                                            position: v["position"] as! String, background: v["background"] as! String)
            XCTAssertEqual(got, want, "image \(i)")
            if let truth = v["truth"] as? [String: String] {
                truthSeen += 1
                XCTAssertEqual(got, ShapeChecker.Verdict(shape: truth["shape"]!, colour: truth["colour"]!,
                                                         position: truth["position"]!, background: truth["background"]!),
                               "ground-truth drawing \(i)")
            }
        }
        XCTAssertEqual(truthSeen, 36)
    }
}
