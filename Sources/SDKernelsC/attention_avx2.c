/* attention_tiles.h with AVX2 vectors (8 query rows each): 2 vectors a group, score tiles of 6 keys
 * (12 accumulators) and output tiles of 4 channels (8), 96-key blocks; the 16 registers allow no
 * more. 1.2-1.6x the rows-in-vectors layout it replaced (measured at 4 and 4 keys, 64 and 128 keys,
 * 3 vectors a group: this was the fastest). */
#include "sdkernels.h"
#include "attention_kernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#include "vec_avx2.h"

#define TARGET AVX2

/* 2^x for x <= 0, as exp2_512_nonpositive in attention_avx512.c, with 2^n made in the exponent field. */
TARGET static inline __m256 exp2_256_nonpositive(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-100.0f));
    __m256 n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_sub_ps(x, n);
    __m256 p = _mm256_set1_ps(EXP2_C5);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP2_C4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP2_C3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP2_C2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP2_C1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP2_C0));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}
#define VEC __m256
#define VL 8
#define NAME(x) sdk_attention256_##x
#define NV 2
#define TU 6
#define CU 4
#define TG 8
#define TKB 96
#define VLOAD _mm256_loadu_ps
#define VSTORE _mm256_storeu_ps
#define VSET1 _mm256_set1_ps
#define VZERO _mm256_setzero_ps
#define VFMA _mm256_fmadd_ps
#define VMAX _mm256_max_ps
#define VADD _mm256_add_ps
#define VSUB _mm256_sub_ps
#define VMUL _mm256_mul_ps
#define VEXP2 exp2_256_nonpositive
#include "attention_tiles.h"
#endif
