/* The half-precision-weight products of gemmh_tiles.h at each vector width; internal to SDKernelsC
 * (sdk_gemm_half in kernels.c chooses). */
#ifndef SDKERNELS_GEMMH_KERNELS_H
#define SDKERNELS_GEMMH_KERNELS_H
#include <stddef.h>
#include <stdint.h>
size_t sdk_gemmh512_work_floats(size_t n, size_t k);
void sdk_gemmh512_rows(size_t m0, size_t m1, size_t n, size_t k, const uint16_t *w, size_t ldw, const float *x,
                       size_t ldx, float *y, size_t ldy, float *work);
size_t sdk_gemmh256_work_floats(size_t n, size_t k);
void sdk_gemmh256_rows(size_t m0, size_t m1, size_t n, size_t k, const uint16_t *w, size_t ldw, const float *x,
                       size_t ldx, float *y, size_t ldy, float *work);
size_t sdk_gemmh512_wino_work_floats(void);
void sdk_gemmh512_wino_rows(int tile, size_t m0, size_t m1, size_t n, size_t cin, const uint16_t *w, const float *v,
                            size_t ldv, size_t planev, float *m, size_t ldm, size_t planem, float *work);
size_t sdk_gemmh256_wino_work_floats(void);
void sdk_gemmh256_wino_rows(int tile, size_t m0, size_t m1, size_t n, size_t cin, const uint16_t *w, const float *v,
                            size_t ldv, size_t planev, float *m, size_t ldm, size_t planem, float *work);
#endif
