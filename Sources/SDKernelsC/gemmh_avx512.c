/* gemmh_tiles.h with AVX-512: 12 weight rows x 32 columns (24 accumulators). */
#include "sdkernels.h"
#include "gemmh_kernels.h"
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma,f16c")))
TARGET static inline void widen512(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i += 16) _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + i))));
}
#define VEC __m512
#define VL 16
#define NAME(x) sdk_gemmh512_##x
#define MR 12
#define NV 2
#define KC 256
#define MC 96
#define VLOAD _mm512_loadu_ps
#define VSTORE _mm512_storeu_ps
#define VSET1 _mm512_set1_ps
#define VZERO _mm512_setzero_ps
#define VFMA _mm512_fmadd_ps
#define VADD _mm512_add_ps
#define WIDEN widen512
#define VMUL _mm512_mul_ps
#define VSUB _mm512_sub_ps
#define IVEC __m512i
#define VIDX9() _mm512_setr_epi32(0, 9, 18, 27, 36, 45, 54, 63, 72, 81, 90, 99, 108, 117, 126, 135)
#define VGATHER(p, i) _mm512_i32gather_ps(i, p, 4)
#include "gemmh_tiles.h"
#endif
