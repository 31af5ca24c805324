import Foundation
import SDCheckpoint
import SDTensor
import XCTest

/// Paths and readers for the committed reference fixtures (made by Tools/make_fixtures.py).
enum Fixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func model(_ name: String) -> String { root.appendingPathComponent("models/\(name)").path }

    static func reference(_ model: String) throws -> (tensors: SafeTensorsFile, json: [String: Any]) {
        let file = try SafeTensorsFile(path: root.appendingPathComponent("reference/\(model).safetensors").path)
        let data = try Data(contentsOf: root.appendingPathComponent("reference/\(model).json"))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (file, json)
    }
}

/// A tensor of `shape` filled from a seeded LCG: values scale * k / 1000 for k in -1000...1000.
func randomTensor(_ shape: [Int], seed: Int, scale: Float = 1) -> Tensor {
    let t = Tensor(shape)
    var s = UInt64(seed) &* 6364136223846793005 &+ 1
    for i in 0..<t.count { s = s &* 6364136223846793005 &+ 1442695040888963407; t[i] = scale * Float(Int(s >> 40) % 2001 - 1000) / 1000 }
    return t
}

/// Max |a - b| over two equally long float sequences.
func maxAbsDiff(_ a: [Float], _ b: [Float], file: StaticString = #filePath, line: UInt = #line) -> Float {
    XCTAssertEqual(a.count, b.count, "length", file: file, line: line)
    var m: Float = 0
    for i in 0..<min(a.count, b.count) {
        let d = abs(a[i] - b[i])
        if d.isNaN { return .infinity }
        m = max(m, d)
    }
    return m
}

func assertClose(_ a: [Float], _ b: [Float], tolerance: Float, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    let d = maxAbsDiff(a, b, file: file, line: line)
    XCTAssertLessThanOrEqual(d, tolerance, "\(what): max abs error \(d)", file: file, line: line)
}

/// A half-precision WeightMatrix holding `t`'s values rounded to Float16, `rows` rows.
func halfWeightMatrix(_ t: Tensor, rows: Int) -> WeightMatrix {
    let values = t.array
    return WeightMatrix(rows: rows, cols: t.count / rows) { out in
        for i in 0..<values.count { out[i] = Float16(values[i]).bitPattern }
        return true
    }!
}
