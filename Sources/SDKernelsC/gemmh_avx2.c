/* gemmh_tiles.h with AVX2/FMA/F16C: 6 weight rows x 16 columns (12 accumulators, 15 of the 16 registers:
 * 1.1x the 4 x 16 tile at the 8x8 maps' shapes, 1.07x in the Winograd products, one core; 4 x 24
 * measured 1.5x slower: clang shuffled its 12 accumulators between registers every step). */
#include "sdkernels.h"
#include "gemmh_kernels.h"
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define TARGET __attribute__((target("avx2,fma,f16c")))
TARGET static inline void widen256(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
}
#define VEC __m256
#define VL 8
#define NAME(x) sdk_gemmh256_##x
#define MR 6
#define NV 2
#define KC 256
#define MC 96
#define VLOAD _mm256_loadu_ps
#define VSTORE _mm256_storeu_ps
#define VSET1 _mm256_set1_ps
#define VZERO _mm256_setzero_ps
#define VFMA _mm256_fmadd_ps
#define VADD _mm256_add_ps
#define WIDEN widen256
#define VMUL _mm256_mul_ps
#define VSUB _mm256_sub_ps
#define IVEC __m256i
#define VIDX9() _mm256_setr_epi32(0, 9, 18, 27, 36, 45, 54, 63)
#define VGATHER(p, i) _mm256_i32gather_ps(p, i, 4)
#include "gemmh_tiles.h"
#endif
