/* The attention kernels of attention_tiles.h at each vector width (attention_avx2.c, attention_avx512.c),
 * called by sdk_attention_head (attention.c) where the CPU has the instructions; d a multiple of 8.
 * Internal to SDKernelsC. */
#ifndef SDKERNELS_ATTENTION_KERNELS_H
#define SDKERNELS_ATTENTION_KERNELS_H
#include <stddef.h>
/* 2^r on [-1/2, 1/2]: a degree-5 polynomial fitted for relative error (at most 1.8e-7 evaluated in
 * Float32, Horner form), for the kernels' 2^x. */
#define EXP2_C0 1.0000001192e+00f
#define EXP2_C1 6.9314700365e-01f
#define EXP2_C2 2.4022118747e-01f
#define EXP2_C3 5.5506952107e-02f
#define EXP2_C4 9.6755903214e-03f
#define EXP2_C5 1.3282303698e-03f
size_t sdk_attention512_work_floats(size_t d);
void sdk_attention512_head(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                           float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work);
size_t sdk_attention256_work_floats(size_t d);
void sdk_attention256_head(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                           float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work);
#endif
