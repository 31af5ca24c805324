import XCTest
import SDCheckpoint

final class HalfConversionTests: XCTestCase {
    func testKnownHalfValues() {
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x3c00, 1), (0xc000, -2), (0x3555, 0.333251953125), (0x7bff, 65504),
            (0x0400, 0x1p-14),                 // smallest normal
            (0x0001, 0x1p-24),                 // smallest subnormal
            (0x03ff, 0x1.ff8p-15),             // largest subnormal
            (0x8001, -0x1p-24),
            (0x7c00, .infinity), (0xfc00, -.infinity),
        ]
        for (bits, expected) in cases {
            XCTAssertEqual(HalfConversion.floatFromHalfBits(bits).bitPattern, expected.bitPattern, "half 0x\(String(bits, radix: 16))")
        }
        XCTAssertEqual(HalfConversion.floatFromHalfBits(0x8000).bitPattern, 0x8000_0000)   // -0 keeps its sign
        XCTAssertTrue(HalfConversion.floatFromHalfBits(0x7e00).isNaN)
        XCTAssertTrue(HalfConversion.floatFromHalfBits(0xfc01).isNaN)
    }

    /// Every one of the 65536 half values against Swift's own Float16 conversion.
    func testAllHalfValuesMatchFloat16() {
        var source = (0...UInt16.max).map { $0 }
        var widened = [Float](repeating: 0, count: source.count)
        source.withUnsafeMutableBufferPointer { s in
            widened.withUnsafeMutableBufferPointer { d in
                HalfConversion.widenHalf(s.baseAddress!, d.baseAddress!, count: s.count)
            }
        }
        for bits in source {
            let expected = Float(Float16(bitPattern: bits)), found = widened[Int(bits)]
            if expected.isNaN {
                XCTAssertTrue(found.isNaN, "0x\(String(bits, radix: 16))")
                // The payload is kept: the half mantissa lands in the float mantissa's top bits.
                XCTAssertEqual(found.bitPattern & 0x007f_e000, UInt32(bits & 0x03ff) << 13)
            } else {
                XCTAssertEqual(found.bitPattern, expected.bitPattern, "0x\(String(bits, radix: 16))")
            }
        }
    }

    func testBFloat16IsTheUpperHalfOfAFloat() {
        let cases: [(UInt16, Float)] = [(0x3f80, 1), (0xc0a0, -5), (0x4049, 3.140625), (0x0001, 0x1p-133),
                                        (0x7f80, .infinity), (0x8000, -0.0)]
        for (bits, expected) in cases {
            XCTAssertEqual(HalfConversion.floatFromBFloat16Bits(bits).bitPattern, expected.bitPattern)
        }
        XCTAssertTrue(HalfConversion.floatFromBFloat16Bits(0x7fc0).isNaN)
        var source: [UInt16] = [0x3f80, 0x4000, 0xbf80]
        var destination = [Float](repeating: 0, count: 3)
        source.withUnsafeMutableBufferPointer { s in
            destination.withUnsafeMutableBufferPointer { d in
                HalfConversion.widenBFloat16(s.baseAddress!, d.baseAddress!, count: 3)
            }
        }
        XCTAssertEqual(destination, [1, 2, -1])
    }
}
