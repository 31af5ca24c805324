import SDKernelsC
import SDTensor
import XCTest

/// The fused attention kernel (sdk_attention_head: scores transposed, groups of 16 (AVX2) or 32 (AVX-512)
/// query rows against blocks of 96 or 64 keys with a running softmax; AVX2 and, where the CPU has it, AVX-512) against scores through sgemm and a full softmax: odd token counts (key padding, partial
/// query blocks, one key), several heads, head sizes from 8 to 512, scores large enough that the
/// running maximum changes between key blocks.
final class FusedAttentionTests: XCTestCase {
    func testMatchesSgemmSoftmax() throws {
        try XCTSkipUnless(sdk_attention_supported(8) != 0, "no AVX2/FMA: the fused kernel is not used")
        let saved = ScaledDotProductAttention.fused
        defer { ScaledDotProductAttention.fused = saved; sdk_disable_avx512_kernels(0) }
        var seed = 1
        for (b, t, s, heads, d, scale) in [(2, 77, 77, 3, 8, Float(1)), (1, 5, 1, 1, 16, 1), (2, 130, 257, 8, 40, 3),
                                           (1, 64, 77, 5, 64, 2), (2, 33, 300, 2, 80, 4), (1, 9, 140, 1, 160, 1),
                                           (1, 20, 50, 1, 512, 0.5), (1, 300, 100, 2, 40, 2)] as [(Int, Int, Int, Int, Int, Float)] {
            let q = randomTensor([b, t, heads * d], seed: seed, scale: scale), k = randomTensor([b, s, heads * d], seed: seed + 1, scale: scale)
            let v = randomTensor([b, s, heads * d], seed: seed + 2, scale: 1)
            seed += 3
            ScaledDotProductAttention.fused = false
            let reference = ScaledDotProductAttention.compute(q: q, k: k, v: v, heads: heads).array
            ScaledDotProductAttention.fused = true
            for avx512Off: Int32 in [1, 0] {  // the AVX2 kernel, then the AVX-512 one where the CPU has it
                sdk_disable_avx512_kernels(avx512Off)
                let fused = ScaledDotProductAttention.compute(q: q, k: k, v: v, heads: heads).array
                XCTAssertLessThanOrEqual(maxAbsDiff(fused, reference), 1e-5,
                                         "b \(b) t \(t) s \(s) heads \(heads) d \(d) AVX-512 \(avx512Off == 0 && sdk_use_avx512() != 0)")
            }
        }
    }
}
