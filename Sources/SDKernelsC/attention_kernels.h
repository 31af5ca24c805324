/* The attention kernels of attention_tiles.h at each vector width (attention_avx2.c, attention_avx512.c),
 * called by sdk_attention_head (attention.c) where the CPU has the instructions; d a multiple of 8.
 * Internal to SDKernelsC. */
#ifndef SDKERNELS_ATTENTION_KERNELS_H
#define SDKERNELS_ATTENTION_KERNELS_H
#include <stddef.h>
size_t sdk_attention512_work_floats(size_t d);
void sdk_attention512_head(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                           float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work);
size_t sdk_attention256_work_floats(size_t d);
void sdk_attention256_head(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                           float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work);
#endif
