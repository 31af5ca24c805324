/* AVX2/FMA versions of the element-wise and normalisation kernels of kernels.c, which calls them
 * when the CPU has AVX2 and FMA (sdk_use_avx2). The functions are compiled for AVX2 one by one
 * (target attribute), so the file is safe to link into a build for any x86-64 CPU.
 * exp and erf are vector approximations: exp to about 2 ulp (Cephes' polynomial), erf to 1.5e-7
 * absolute (Abramowitz & Stegun 7.1.26), well inside what the parity tests allow. */
#include "kernels_avx2.h"
#include <math.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#include "vec_avx2.h"

/* x * sigmoid(a x) */
AVX2 static inline __m256 swish256(__m256 x, __m256 a) {
    __m256 e = exp256(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), a), x));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

/* erf(x) */
AVX2 static inline __m256 erf256(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 ax = _mm256_andnot_ps(sign, x);
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), ax, _mm256_set1_ps(1.0f)));
    __m256 p = _mm256_set1_ps(1.061405429f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(ax, ax)));
    __m256 y = _mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.0f));
    return _mm256_or_ps(y, _mm256_and_ps(sign, x));  /* erf is odd */
}

/* 0.5 x (1 + erf(x / sqrt 2)) */
AVX2 static inline __m256 gelu256(__m256 x) {
    __m256 e = erf256(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f)));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}


/* The tail of an array (n % 8 elements) through a zero-padded vector. */
#define TAIL_APPLY(ptr_in, ptr_out, count, expr)                      \
    if (count) {                                                      \
        float buf_[8] = {0};                                          \
        for (size_t k_ = 0; k_ < (count); k_++) buf_[k_] = (ptr_in)[k_]; \
        __m256 v = _mm256_loadu_ps(buf_);                             \
        _mm256_storeu_ps(buf_, (expr));                               \
        for (size_t k_ = 0; k_ < (count); k_++) (ptr_out)[k_] = buf_[k_]; \
    }

AVX2 void sdk_avx2_silu(float *x, size_t n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { __m256 v = _mm256_loadu_ps(x + i); _mm256_storeu_ps(x + i, swish256(v, one)); }
    TAIL_APPLY(x + i, x + i, n - i, swish256(v, one));
}

AVX2 void sdk_avx2_quick_gelu(float *x, size_t n) {
    const __m256 a = _mm256_set1_ps(1.702f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { __m256 v = _mm256_loadu_ps(x + i); _mm256_storeu_ps(x + i, swish256(v, a)); }
    TAIL_APPLY(x + i, x + i, n - i, swish256(v, a));
}

AVX2 void sdk_avx2_gelu(float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, gelu256(_mm256_loadu_ps(x + i)));
    TAIL_APPLY(x + i, x + i, n - i, gelu256(v));
}

AVX2 void sdk_avx2_geglu(const float *in, float *out, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        const float *a = in + r * 2 * cols, *g = a + cols;
        float *o = out + r * cols;
        size_t j = 0;
        for (; j + 8 <= cols; j += 8)
            _mm256_storeu_ps(o + j, _mm256_mul_ps(_mm256_loadu_ps(a + j), gelu256(_mm256_loadu_ps(g + j))));
        for (; j < cols; j++) o[j] = a[j] * (0.5f * g[j] * (1.0f + erff(g[j] * 0.70710678118654752f)));
    }
}

/* sum of x[0..n) and of (x - shift)^2 over x[0..n): float lanes over blocks of 512, added up in double. */
AVX2 static double block_sum(const float *x, size_t n) {
    double total = 0;
    for (size_t b = 0; b < n; b += 512) {
        size_t e = b + 512 < n ? b + 512 : n, i = b;
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        for (; i + 16 <= e; i += 16) {
            s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
            s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + i + 8));
        }
        float part = hsum256(_mm256_add_ps(s0, s1));
        for (; i < e; i++) part += x[i];
        total += part;
    }
    return total;
}

AVX2 static double block_sq_dev(const float *x, size_t n, float mean) {
    const __m256 m = _mm256_set1_ps(mean);
    double total = 0;
    for (size_t b = 0; b < n; b += 512) {
        size_t e = b + 512 < n ? b + 512 : n, i = b;
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        for (; i + 16 <= e; i += 16) {
            __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), m), d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), m);
            s0 = _mm256_fmadd_ps(d0, d0, s0);
            s1 = _mm256_fmadd_ps(d1, d1, s1);
        }
        float part = hsum256(_mm256_add_ps(s0, s1));
        for (; i < e; i++) { float d = x[i] - mean; part += d * d; }
        total += part;
    }
    return total;
}

AVX2 void sdk_avx2_group_norm_affine(const float *x, size_t channels, size_t hw, size_t groups,
                                     const float *gamma, const float *beta, float eps, float *scale, float *shift) {
    size_t per = channels / groups;
    for (size_t g = 0; g < groups; g++) {
        const float *xs = x + g * per * hw;
        size_t n = per * hw;
        double mean = block_sum(xs, n) / (double)n;
        double var = block_sq_dev(xs, n, (float)mean) / (double)n;
        float inv = (float)(1.0 / sqrt(var + (double)eps));
        float m = (float)mean;
        for (size_t c = g * per; c < (g + 1) * per; c++) {
            scale[c] = gamma[c] * inv;
            shift[c] = beta[c] - m * scale[c];
        }
    }
}

AVX2 void sdk_avx2_affine_act(const float *x, float *y, size_t n, float a, float b, int silu) {
    const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), one = _mm256_set1_ps(1.0f);
    size_t i = 0;
    if (silu) {
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, swish256(_mm256_fmadd_ps(_mm256_loadu_ps(x + i), va, vb), one));
        TAIL_APPLY(x + i, y + i, n - i, swish256(_mm256_fmadd_ps(v, va, vb), one));
    } else {
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_loadu_ps(x + i), va, vb));
        TAIL_APPLY(x + i, y + i, n - i, _mm256_fmadd_ps(v, va, vb));
    }
}

AVX2 void sdk_avx2_layer_norm(const float *x, float *y, size_t rows, size_t cols,
                              const float *gamma, const float *beta, float eps) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double mean = block_sum(xr, cols) / (double)cols;
        double var = block_sq_dev(xr, cols, (float)mean) / (double)cols;
        float inv = (float)(1.0 / sqrt(var + (double)eps));
        float m = (float)mean;
        const __m256 vm = _mm256_set1_ps(m), vi = _mm256_set1_ps(inv);
        size_t j = 0;
        for (; j + 8 <= cols; j += 8) {
            __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + j), vm), vi);
            _mm256_storeu_ps(yr + j, _mm256_fmadd_ps(v, _mm256_loadu_ps(gamma + j), _mm256_loadu_ps(beta + j)));
        }
        for (; j < cols; j++) yr[j] = (xr[j] - m) * inv * gamma[j] + beta[j];
    }
}

AVX2 void sdk_avx2_softmax_rows(float *x, size_t rows, size_t cols, float scale) {
    const __m256 vs = _mm256_set1_ps(scale);
    for (size_t r = 0; r < rows; r++) {
        float *p = x + r * cols;
        __m256 vmax = _mm256_set1_ps(-INFINITY);
        size_t j = 0;
        for (; j + 8 <= cols; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(p + j));
        float mx = hmax256(vmax);
        for (; j < cols; j++) if (p[j] > mx) mx = p[j];
        /* exp(scale * (p - max)): scale > 0 keeps the maximum where it was */
        const __m256 vm = _mm256_set1_ps(mx);
        __m256 vsum = _mm256_setzero_ps();
        j = 0;
        for (; j + 8 <= cols; j += 8) {
            __m256 e = exp256(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(p + j), vm), vs));
            _mm256_storeu_ps(p + j, e);
            vsum = _mm256_add_ps(vsum, e);
        }
        float s = hsum256(vsum);
        for (; j < cols; j++) { p[j] = expf((p[j] - mx) * scale); s += p[j]; }
        const __m256 inv = _mm256_set1_ps(1.0f / s);
        j = 0;
        for (; j + 8 <= cols; j += 8) _mm256_storeu_ps(p + j, _mm256_mul_ps(_mm256_loadu_ps(p + j), inv));
        for (; j < cols; j++) p[j] *= 1.0f / s;
    }
}
#endif
