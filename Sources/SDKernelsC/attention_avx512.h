/* The AVX-512 attention kernel (attention_avx512.c), called by sdk_attention_head (attention.c) where
 * sdk_use_avx512() says so; d a multiple of 8. Internal to SDKernelsC. */
#ifndef SDKERNELS_ATTENTION_AVX512_H
#define SDKERNELS_ATTENTION_AVX512_H
#include <stddef.h>
size_t sdk_attention512_work_floats(size_t d);
void sdk_attention512(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                      float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work);
#endif
