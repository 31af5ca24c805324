#include "sdkernels.h"
#include "kernels_avx2.h"
#include "gemmh_kernels.h"
#include <math.h>
#include <string.h>

/* "arch=x86-64-v3" (AVX2, FMA, F16C, BMI2): its resolver tests those features. "arch=haswell" tested
 * for the Haswell model itself, so every other AVX2 CPU (and virtual CPUs that name no model) ran the
 * portable clones. */
#if defined(__x86_64__) && defined(__clang__)
#define SDK_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#define SDK_HAVE_AVX2_KERNELS 1
#else
#define SDK_CLONES
#endif

int sdk_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* AVX-512 F/DQ/VL (our attention kernel's), with AVX2/FMA; __builtin_cpu_supports also checks that
 * the OS saves the AVX-512 registers. */
static int cpu_has_avx512_f_dq_vl(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
        && sdk_cpu_has_avx2_fma();
#else
    return 0;
#endif
}

/* What OpenBLAS's SkylakeX kernels need: the above plus CD and BW. */
int sdk_cpu_has_avx512_skx(void) {
#if defined(__x86_64__)
    return cpu_has_avx512_f_dq_vl() && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw");
#else
    return 0;
#endif
}

static int force_portable;  /* read and written atomically: tests flip it while nothing else runs */

void sdk_force_portable_kernels(int on) { __atomic_store_n(&force_portable, on ? 1 : 0, __ATOMIC_RELAXED); }

int sdk_use_avx2(void) {
#ifdef SDK_HAVE_AVX2_KERNELS
    static int has = -1;
    int h = __atomic_load_n(&has, __ATOMIC_RELAXED);
    if (h < 0) { h = sdk_cpu_has_avx2_fma(); __atomic_store_n(&has, h, __ATOMIC_RELAXED); }
    return h && !__atomic_load_n(&force_portable, __ATOMIC_RELAXED);
#else
    return 0;
#endif
}

static int no_avx512;  /* atomically, as force_portable */

void sdk_disable_avx512_kernels(int off) { __atomic_store_n(&no_avx512, off ? 1 : 0, __ATOMIC_RELAXED); }

int sdk_use_avx512(void) {
#ifdef SDK_HAVE_AVX2_KERNELS
    static int has = -1;
    int h = __atomic_load_n(&has, __ATOMIC_RELAXED);
    if (h < 0) {
        h = cpu_has_avx512_f_dq_vl();
        __atomic_store_n(&has, h, __ATOMIC_RELAXED);
    }
    return h && sdk_use_avx2() && !__atomic_load_n(&no_avx512, __ATOMIC_RELAXED);
#else
    return 0;
#endif
}

/* The hand-vectorised version when the CPU has AVX2/FMA (kernels_avx2.c), else the portable loop. */
#ifdef SDK_HAVE_AVX2_KERNELS
#define AVX2_OR_PORTABLE(call) if (sdk_use_avx2()) { call; return; }
#else
#define AVX2_OR_PORTABLE(call)
#endif

SDK_CLONES void sdk_silu(float *x, size_t n) {
    AVX2_OR_PORTABLE(sdk_avx2_silu(x, n))
    for (size_t i = 0; i < n; i++) x[i] = x[i] / (1.0f + expf(-x[i]));
}

SDK_CLONES void sdk_gelu(float *x, size_t n) {
    AVX2_OR_PORTABLE(sdk_avx2_gelu(x, n))
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

SDK_CLONES void sdk_quick_gelu(float *x, size_t n) {
    AVX2_OR_PORTABLE(sdk_avx2_quick_gelu(x, n))
    for (size_t i = 0; i < n; i++) x[i] = x[i] / (1.0f + expf(-1.702f * x[i]));
}

SDK_CLONES void sdk_geglu(const float *in, float *out, size_t rows, size_t cols) {
    AVX2_OR_PORTABLE(sdk_avx2_geglu(in, out, rows, cols))
    for (size_t r = 0; r < rows; r++) {
        const float *a = in + r * 2 * cols, *g = a + cols;
        float *o = out + r * cols;
        for (size_t j = 0; j < cols; j++)
            o[j] = a[j] * (0.5f * g[j] * (1.0f + erff(g[j] * 0.70710678118654752f)));
    }
}

SDK_CLONES void sdk_add(float *y, const float *x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

SDK_CLONES void sdk_scale(float *y, float s, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] *= s;
}

SDK_CLONES void sdk_add_channel_bias(float *y, const float *bias, size_t channels, size_t hw) {
    for (size_t c = 0; c < channels; c++) {
        float b = bias[c];
        float *p = y + c * hw;
        for (size_t i = 0; i < hw; i++) p[i] += b;
    }
}

SDK_CLONES void sdk_add_row_bias(float *y, const float *bias, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *p = y + r * cols;
        for (size_t j = 0; j < cols; j++) p[j] += bias[j];
    }
}

/* Statistics in double: the sums over up to 64*64*640 values must not lose the mean. */
SDK_CLONES void sdk_group_norm_affine(const float *x, size_t channels, size_t hw, size_t groups,
                                      const float *gamma, const float *beta, float eps, float *scale, float *shift) {
    AVX2_OR_PORTABLE(sdk_avx2_group_norm_affine(x, channels, hw, groups, gamma, beta, eps, scale, shift))
    size_t per = channels / groups;
    for (size_t g = 0; g < groups; g++) {
        const float *xs = x + g * per * hw;
        size_t n = per * hw;
        double sum = 0, sq = 0;
        for (size_t i = 0; i < n; i++) sum += xs[i];
        double mean = sum / (double)n;
        for (size_t i = 0; i < n; i++) { double d = xs[i] - mean; sq += d * d; }
        float inv = (float)(1.0 / sqrt(sq / (double)n + (double)eps));
        float m = (float)mean;
        for (size_t c = g * per; c < (g + 1) * per; c++) {
            scale[c] = gamma[c] * inv;
            shift[c] = beta[c] - m * scale[c];
        }
    }
}

SDK_CLONES void sdk_affine_act(const float *x, float *y, size_t n, float a, float b, int silu) {
    AVX2_OR_PORTABLE(sdk_avx2_affine_act(x, y, n, a, b, silu))
    if (silu) {
        for (size_t i = 0; i < n; i++) { float v = x[i] * a + b; y[i] = v / (1.0f + expf(-v)); }
    } else {
        for (size_t i = 0; i < n; i++) y[i] = x[i] * a + b;
    }
}

void sdk_group_norm(const float *x, float *y, size_t channels, size_t hw, size_t groups,
                    const float *gamma, const float *beta, float eps, int fuse_silu) {
    float scale[channels > 0 ? channels : 1], shift[channels > 0 ? channels : 1];
    sdk_group_norm_affine(x, channels, hw, groups, gamma, beta, eps, scale, shift);
    for (size_t c = 0; c < channels; c++) sdk_affine_act(x + c * hw, y + c * hw, hw, scale[c], shift[c], fuse_silu);
}

SDK_CLONES void sdk_layer_norm(const float *x, float *y, size_t rows, size_t cols,
                               const float *gamma, const float *beta, float eps) {
    AVX2_OR_PORTABLE(sdk_avx2_layer_norm(x, y, rows, cols, gamma, beta, eps))
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double sum = 0, sq = 0;
        for (size_t j = 0; j < cols; j++) sum += xr[j];
        double mean = sum / (double)cols;
        for (size_t j = 0; j < cols; j++) { double d = xr[j] - mean; sq += d * d; }
        float inv = (float)(1.0 / sqrt(sq / (double)cols + (double)eps));
        float m = (float)mean;
        for (size_t j = 0; j < cols; j++) yr[j] = (xr[j] - m) * inv * gamma[j] + beta[j];
    }
}

SDK_CLONES void sdk_softmax_rows(float *x, size_t rows, size_t cols, float scale) {
    AVX2_OR_PORTABLE(sdk_avx2_softmax_rows(x, rows, cols, scale))
    for (size_t r = 0; r < rows; r++) {
        float *p = x + r * cols;
        float mx = -INFINITY;
        for (size_t j = 0; j < cols; j++) { p[j] *= scale; if (p[j] > mx) mx = p[j]; }
        float s = 0;
        for (size_t j = 0; j < cols; j++) { p[j] = expf(p[j] - mx); s += p[j]; }
        float inv = 1.0f / s;
        for (size_t j = 0; j < cols; j++) p[j] *= inv;
    }
}

void sdk_im2col(const float *x, size_t channels, size_t height, size_t width,
                size_t kh, size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                size_t out_y0, size_t out_h, size_t out_w, float *col, size_t col_ld) {
    size_t plane = col_ld ? col_ld : out_h * out_w;
    for (size_t c = 0; c < channels; c++) {
        const float *xc = x + c * height * width;
        for (size_t ki = 0; ki < kh; ki++) {
            for (size_t kj = 0; kj < kw; kj++) {
                float *dst = col + ((c * kh + ki) * kw + kj) * plane;
                for (size_t oy = 0; oy < out_h; oy++) {
                    long iy = (long)((out_y0 + oy) * stride + ki) - (long)pad_top;
                    float *row = dst + oy * out_w;
                    if (iy < 0 || iy >= (long)height) { memset(row, 0, out_w * sizeof(float)); continue; }
                    const float *src = xc + (size_t)iy * width;
                    if (stride == 1) {
                        long off = (long)kj - (long)pad_left;
                        for (size_t ox = 0; ox < out_w; ox++) {
                            long ix = (long)ox + off;
                            row[ox] = (ix >= 0 && ix < (long)width) ? src[ix] : 0.0f;
                        }
                    } else {
                        for (size_t ox = 0; ox < out_w; ox++) {
                            long ix = (long)(ox * stride + kj) - (long)pad_left;
                            row[ox] = (ix >= 0 && ix < (long)width) ? src[ix] : 0.0f;
                        }
                    }
                }
            }
        }
    }
}

void sdk_upsample_nearest2x(const float *x, float *y, size_t channels, size_t height, size_t width) {
    size_t ow = width * 2;
    for (size_t c = 0; c < channels; c++) {
        const float *xc = x + c * height * width;
        float *yc = y + c * height * width * 4;
        for (size_t iy = 0; iy < height; iy++) {
            float *r0 = yc + (2 * iy) * ow;
            for (size_t ix = 0; ix < width; ix++) { float v = xc[iy * width + ix]; r0[2 * ix] = v; r0[2 * ix + 1] = v; }
            memcpy(r0 + ow, r0, ow * sizeof(float));
        }
    }
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { /* subnormal: renormalise */
            int e = -1;
            do { e++; man <<= 1; } while ((man & 0x400) == 0);
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
    else bits = sign | ((exp + 112) << 23) | (man << 13);
    float f; memcpy(&f, &bits, 4); return f;
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
__attribute__((target("avx2,f16c")))
static void f16_to_f32_f16c(const uint16_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = half_to_float(src[i]);
}
#endif

void sdk_f16_to_f32(const uint16_t *src, float *dst, size_t n) {
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx2")) { f16_to_f32_f16c(src, dst, n); return; }
#endif
    for (size_t i = 0; i < n; i++) dst[i] = half_to_float(src[i]);
}

void sdk_bf16_to_f32(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) { uint32_t b = (uint32_t)src[i] << 16; memcpy(dst + i, &b, 4); }
}

/* Half-precision-weight products (gemmh_tiles.h): AVX-512 where the CPU has it, else AVX2/FMA/F16C. */
int sdk_gemm_half_supported(size_t k) {
#if defined(__x86_64__) && defined(__clang__)
    return sdk_use_avx2() && __builtin_cpu_supports("f16c") && k > 0 && k % 16 == 0;
#else
    (void)k;
    return 0;
#endif
}

size_t sdk_gemm_half_work_floats(size_t n, size_t k) {
#if defined(__x86_64__) && defined(__clang__)
    size_t a = sdk_gemmh512_work_floats(n, k), b = sdk_gemmh256_work_floats(n, k);
    return a > b ? a : b;
#else
    (void)n; (void)k;
    return 0;
#endif
}

size_t sdk_wino_half_work_floats(void) {
#if defined(__x86_64__) && defined(__clang__)
    size_t a = sdk_gemmh512_wino_work_floats(), b = sdk_gemmh256_wino_work_floats();
    return a > b ? a : b;
#else
    return 0;
#endif
}

void sdk_wino_half(int tile, size_t m0, size_t m1, size_t n, size_t cin, const uint16_t *w, const float *v,
                   size_t ldv, size_t planev, float *m, size_t ldm, size_t planem, float *work) {
#if defined(__x86_64__) && defined(__clang__)
    if (sdk_use_avx512())
        sdk_gemmh512_wino_rows(tile, m0, m1, n, cin, w, v, ldv, planev, m, ldm, planem, work);
    else
        sdk_gemmh256_wino_rows(tile, m0, m1, n, cin, w, v, ldv, planev, m, ldm, planem, work);
#else
    (void)tile; (void)m0; (void)m1; (void)n; (void)cin; (void)w; (void)v; (void)ldv; (void)planev; (void)m; (void)ldm;
    (void)planem; (void)work;
#endif
}

void sdk_gemm_half(size_t m0, size_t m1, size_t n, size_t k, const uint16_t *w, size_t ldw, const float *x, size_t ldx,
                   float *y, size_t ldy, float *work) {
#if defined(__x86_64__) && defined(__clang__)
    if (sdk_use_avx512())
        sdk_gemmh512_rows(m0, m1, n, k, w, ldw, x, ldx, y, ldy, work);
    else
        sdk_gemmh256_rows(m0, m1, n, k, w, ldw, x, ldx, y, ldy, work);
#else
    (void)m0; (void)m1; (void)n; (void)k; (void)w; (void)ldw; (void)x; (void)ldx; (void)y; (void)ldy; (void)work;
#endif
}
