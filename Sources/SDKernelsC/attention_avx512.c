/* attention_tiles.h with AVX-512 vectors (16 query rows each): 3 vectors a group, score tiles of 8
 * keys and output tiles of 8 channels (24 accumulators each), 64-key blocks: with the block's K and V
 * (10 KB each at d = 40) the group's scores (12 KB) stay in L1 (128 keys measured 8% slower). 3 vectors
 * against 2, one core: 1.015x at head size 40, 1.03x at 80, 1.045x at 160, 1.14x at the VAE's 512 (each
 * key and value broadcast feeds 3 multiply-adds). 1.2-1.7x the rows-in-vectors layout it replaced
 * (head size 40 padded to 48, horizontal max and sum). */
#include "sdkernels.h"
#include "attention_kernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))

/* 2^x for x <= 0, to about 2 ulp: n = round(x), r = x - n in [-1/2, 1/2] (exact), a degree-5 fit of
 * 2^r, and scalef for the 2^n (9 operations; e^x this way took 13). x is clamped at -100 so -inf gives
 * 2^-100 times nothing that matters (it only scales sums that were 0) and no product ever meets a
 * denormal (2^-100 = 7.9e-31 times a value near 1e-6 is still a normal float). */
TARGET static inline __m512 exp2_512_nonpositive(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-100.0f));
    __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_sub_ps(x, n);
    __m512 p = _mm512_set1_ps(EXP2_C5);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP2_C4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP2_C3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP2_C2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP2_C1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP2_C0));
    return _mm512_scalef_ps(p, n);
}

#define VEC __m512
#define VL 16
#define NAME(x) sdk_attention512_##x
#define NV 3
#define TU 8
#define CU 8
#define TG 8
#define TKB 64
#define VLOAD _mm512_loadu_ps
#define VSTORE _mm512_storeu_ps
#define VSET1 _mm512_set1_ps
#define VZERO _mm512_setzero_ps
#define VFMA _mm512_fmadd_ps
#define VMAX _mm512_max_ps
#define VADD _mm512_add_ps
#define VSUB _mm512_sub_ps
#define VMUL _mm512_mul_ps
#define VEXP2 exp2_512_nonpositive
#include "attention_tiles.h"
#endif
