// Portable widening of IEEE half (F16) and bfloat16 (BF16) to Float32, exact for every input.
// Integer-only except one exact subtraction for half subnormals, so it is correct even when a
// thread runs with denormals-are-zero. (A faster F16C path may live in the kernels layer.)

public enum HalfConversion {
    /// IEEE 754 binary16 bits -> Float, including subnormals, infinities and NaN (payload kept).
    @inline(__always)
    public static func floatFromHalfBits(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        var bits = UInt32(h & 0x7fff) << 13          // exponent and mantissa moved to float position
        let exponent = bits & 0x0f80_0000
        bits &+= (127 - 15) << 23                    // rebias the exponent
        if exponent == 0x0f80_0000 {                 // Inf or NaN: exponent becomes all ones
            bits &+= (128 - 16) << 23
        } else if exponent == 0 {                    // zero or subnormal: renormalise exactly
            bits &+= 1 << 23
            let value = Float(bitPattern: bits) - Float(bitPattern: 113 << 23)
            return Float(bitPattern: value.bitPattern | sign)
        }
        return Float(bitPattern: bits | sign)
    }

    /// bfloat16 bits are the upper half of a Float32.
    @inline(__always)
    public static func floatFromBFloat16Bits(_ b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    public static func widenHalf(_ source: UnsafePointer<UInt16>, _ destination: UnsafeMutablePointer<Float>,
                                 count: Int) {
        for i in 0..<count { destination[i] = floatFromHalfBits(source[i]) }
    }

    public static func widenBFloat16(_ source: UnsafePointer<UInt16>, _ destination: UnsafeMutablePointer<Float>,
                                     count: Int) {
        for i in 0..<count { destination[i] = floatFromBFloat16Bits(source[i]) }
    }
}
