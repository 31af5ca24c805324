/* AVX2/FMA kernels (kernels_avx2.c), called by kernels.c only when sdk_use_avx2() says so. */
#ifndef SDKERNELS_AVX2_H
#define SDKERNELS_AVX2_H
#include <stddef.h>

void sdk_avx2_silu(float *x, size_t n);
void sdk_avx2_quick_gelu(float *x, size_t n);
void sdk_avx2_gelu(float *x, size_t n);
void sdk_avx2_geglu(const float *in, float *out, size_t rows, size_t cols);
void sdk_avx2_group_norm_affine(const float *x, size_t channels, size_t hw, size_t groups,
                                const float *gamma, const float *beta, float eps, float *scale, float *shift);
void sdk_avx2_affine_act(const float *x, float *y, size_t n, float a, float b, int silu);
void sdk_avx2_layer_norm(const float *x, float *y, size_t rows, size_t cols,
                         const float *gamma, const float *beta, float eps);
void sdk_avx2_softmax_rows(float *x, size_t rows, size_t cols, float scale);
#endif
