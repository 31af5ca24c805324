/* attention_tiles.h with AVX-512 vectors (16 query rows each): 2 vectors a group, score tiles of 8
 * keys and output tiles of 8 channels (16 accumulators each), 64-key blocks: with the block's K and V
 * (10 KB each at d = 40) the group's scores (8 KB) stay in L1 (128 keys measured 8% slower). 1.2-1.7x
 * the rows-in-vectors layout it replaced (head size 40 padded to 48, horizontal max and sum). */
#include "sdkernels.h"
#include "attention_kernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))

/* e^x for x <= 0 (-inf gives 0 through the clamp): n = round(x / ln 2), r = x - n ln 2 in two parts,
 * a degree-6 polynomial for e^r, and scalef for the 2^n (12 operations). */
TARGET static inline __m512 exp512_nonpositive(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-80.0f));  /* e^-80 = 1.8e-35, still a normal float */
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

#define VEC __m512
#define VL 16
#define NAME(x) sdk_attention512_##x
#define NV 2
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
#define VEXP exp512_nonpositive
#include "attention_tiles.h"
#endif
