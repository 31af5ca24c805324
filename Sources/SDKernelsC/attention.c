/* Scaled dot-product attention of one head, in tiles (flash-attention style, attention_tiles.h): scores
 * against a block of keys stay in a small buffer, the softmax is kept running (max, sum) and the
 * outputs are updated block by block, so the tokens x tokens matrix never exists. AVX-512 where the
 * CPU has it (attention_avx512.c), else AVX2/FMA (attention_avx2.c); without AVX2
 * (sdk_attention_supported) the caller falls back to sgemm + softmax. */
#include "sdkernels.h"
#include "attention_kernels.h"

int sdk_attention_supported(size_t d) {
#if defined(__x86_64__) && defined(__clang__)
    return sdk_use_avx2() && d % 8 == 0 && d > 0;
#else
    (void)d;
    return 0;
#endif
}

size_t sdk_attention_work_floats(size_t d) {
#if defined(__x86_64__) && defined(__clang__)
    size_t a = sdk_attention512_work_floats(d), b = sdk_attention256_work_floats(d);
    return a > b ? a : b;
#else
    (void)d;
    return 0;
#endif
}

void sdk_attention_head(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                        float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work) {
#if defined(__x86_64__) && defined(__clang__)
    if (sdk_use_avx512())
        sdk_attention512_head(q, ldq, k, ldk, v, ldv, o, ldo, t, s, d, scale, work);
    else
        sdk_attention256_head(q, ldq, k, ldk, v, ldv, o, ldo, t, s, d, scale, work);
#else
    (void)q; (void)ldq; (void)k; (void)ldk; (void)v; (void)ldv; (void)o; (void)ldo;
    (void)t; (void)s; (void)d; (void)scale; (void)work;
#endif
}
