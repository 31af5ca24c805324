/* Attention of one head with AVX-512, the scores transposed: a vector holds 16 query rows, so
 *   S^T[j][r] = sum_c k[j][c] (scale q[r][c])    a key broadcast times a vector of Q^T's column c,
 *   the running max and sum of each row are plain vector max and add across keys (no horizontal
 *   reductions), and
 *   O^T[c][r] += v[j][c] P^T[j][r]               a value broadcast times a vector of P^T's row j,
 * which needs no padding of the head size (40 in SD1) to the vector width and reads K and V where
 * they lie (no packed copies). Query rows go in groups of TR = 32 (two vectors); TG groups take each
 * block of TKB keys in turn, so a block of K and V is read from memory once per TG * TR rows (the VAE's
 * single head of 512 channels has 8 MB of K and 8 MB of V). The tokens x tokens matrix never exists:
 * a group keeps TKB x 32 scores. Called by attention.c where the CPU has AVX-512 F/DQ/VL. */
#include "sdkernels.h"
#include "attention_avx512.h"
#include <math.h>
#include <string.h>

#define TR 32    /* query rows of a group: two vectors of 16 */
#define TG 8     /* groups that share each key block while it is in cache */
#define TKB 64   /* keys per block: the group's scores are TKB x TR floats (8 KB); with the block's K
                  * and V (10 KB each at d = 40) they stay in L1 (128 keys measured 8% slower) */
#define TU 8     /* keys of a score tile, and channels of an output tile: 16 accumulators */

size_t sdk_attention512_work_floats(size_t d) { return 2 * TG * d * TR + TKB * TR + 2 * TG * TR; }

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))

/* e^x for x <= 0 (scores minus their running maximum; -inf gives 0 through the clamp): n = round(x / ln 2),
 * r = x - n ln 2 in two parts, a degree-6 polynomial for e^r, and scalef for the 2^n (12 operations). */
AVX512 static inline __m512 exp512_nonpositive(__m512 x) {
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

/* st[u][0..32) = S^T rows of keys j..j+8 for the group's 32 rows (qt: d x 32, scaled); keys past
 * `last` read key `last` again (a copy of a real score cannot change the maximum, and the callers use
 * only the real keys' scores); mx: the running maximum of each row, updated. */
AVX512 static inline void score_tile(const float *qt, const float *k, size_t ldk, size_t j, size_t last, size_t d,
                                     float *st, __m512 mx[2]) {
    const float *kr[TU];
    for (int u = 0; u < TU; u++) kr[u] = k + (j + u < last ? j + u : last) * ldk;
    __m512 a[TU][2];
    for (int u = 0; u < TU; u++) a[u][0] = a[u][1] = _mm512_setzero_ps();
    for (size_t c = 0; c < d; c++) {
        __m512 q0 = _mm512_loadu_ps(qt + c * TR), q1 = _mm512_loadu_ps(qt + c * TR + 16);
        for (int u = 0; u < TU; u++) {
            __m512 kb = _mm512_set1_ps(kr[u][c]);
            a[u][0] = _mm512_fmadd_ps(kb, q0, a[u][0]);
            a[u][1] = _mm512_fmadd_ps(kb, q1, a[u][1]);
        }
    }
    for (int u = 0; u < TU; u++) {
        _mm512_storeu_ps(st + u * TR, a[u][0]);
        _mm512_storeu_ps(st + u * TR + 16, a[u][1]);
        mx[0] = _mm512_max_ps(mx[0], a[u][0]);
        mx[1] = _mm512_max_ps(mx[1], a[u][1]);
    }
}

/* ot[c][0..32) = alpha * ot[c] + sum_{j < jn} v[j][c] pt[j] for all d channels, 8 at a time. */
AVX512 static void value_tile(const float *pt, const float *v, size_t ldv, size_t jn, size_t d, float *ot,
                              __m512 alpha0, __m512 alpha1) {
    for (size_t c0 = 0; c0 < d; c0 += TU) {
        __m512 x[TU][2];
        for (int u = 0; u < TU; u++) {
            x[u][0] = _mm512_mul_ps(_mm512_loadu_ps(ot + (c0 + u) * TR), alpha0);
            x[u][1] = _mm512_mul_ps(_mm512_loadu_ps(ot + (c0 + u) * TR + 16), alpha1);
        }
        for (size_t j = 0; j < jn; j++) {
            __m512 p0 = _mm512_loadu_ps(pt + j * TR), p1 = _mm512_loadu_ps(pt + j * TR + 16);
            const float *vr = v + j * ldv + c0;
            for (int u = 0; u < TU; u++) {
                __m512 vb = _mm512_set1_ps(vr[u]);
                x[u][0] = _mm512_fmadd_ps(vb, p0, x[u][0]);
                x[u][1] = _mm512_fmadd_ps(vb, p1, x[u][1]);
            }
        }
        for (int u = 0; u < TU; u++) {
            _mm512_storeu_ps(ot + (c0 + u) * TR, x[u][0]);
            _mm512_storeu_ps(ot + (c0 + u) * TR + 16, x[u][1]);
        }
    }
}

AVX512 void sdk_attention512(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                             float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work) {
    float *qt = work, *ot = qt + TG * d * TR, *st = ot + TG * d * TR, *m = st + TKB * TR, *l = m + TG * TR;
    for (size_t b0 = 0; b0 < t; b0 += TG * TR) {
        size_t groups = (t - b0 + TR - 1) / TR < TG ? (t - b0 + TR - 1) / TR : TG;
        /* Q^T of each group, scaled; rows past t are zero (their outputs are not written) */
        for (size_t g = 0; g < groups; g++) {
            float *qg = qt + g * d * TR;
            for (size_t r = 0; r < TR; r++) {
                size_t row = b0 + g * TR + r;
                if (row < t)
                    for (size_t c = 0; c < d; c++) qg[c * TR + r] = q[row * ldq + c] * scale;
                else
                    for (size_t c = 0; c < d; c++) qg[c * TR + r] = 0;
            }
        }
        memset(ot, 0, groups * d * TR * sizeof(float));
        for (size_t i = 0; i < groups * TR; i++) { m[i] = -INFINITY; l[i] = 0; }

        for (size_t j0 = 0; j0 < s; j0 += TKB) {
            size_t jn = s - j0 < TKB ? s - j0 : TKB;
            for (size_t g = 0; g < groups; g++) {
                float *mg = m + g * TR, *lg = l + g * TR;
                __m512 mx[2] = {_mm512_set1_ps(-INFINITY), _mm512_set1_ps(-INFINITY)};
                for (size_t jj = 0; jj < jn; jj += TU)
                    score_tile(qt + g * d * TR, k, ldk, j0 + jj, s - 1, d, st + jj * TR, mx);
                /* running softmax: new maximum, the factor for what came before, e^(s - max) in place */
                __m512 m0 = _mm512_loadu_ps(mg), m1 = _mm512_loadu_ps(mg + 16);
                __m512 n0 = _mm512_max_ps(m0, mx[0]), n1 = _mm512_max_ps(m1, mx[1]);
                __m512 alpha0 = exp512_nonpositive(_mm512_sub_ps(m0, n0));  /* 0 while m is -inf */
                __m512 alpha1 = exp512_nonpositive(_mm512_sub_ps(m1, n1));
                __m512 sum0 = _mm512_setzero_ps(), sum1 = _mm512_setzero_ps();
                for (size_t j = 0; j < jn; j++) {
                    __m512 e0 = exp512_nonpositive(_mm512_sub_ps(_mm512_loadu_ps(st + j * TR), n0));
                    __m512 e1 = exp512_nonpositive(_mm512_sub_ps(_mm512_loadu_ps(st + j * TR + 16), n1));
                    _mm512_storeu_ps(st + j * TR, e0);
                    _mm512_storeu_ps(st + j * TR + 16, e1);
                    sum0 = _mm512_add_ps(sum0, e0);
                    sum1 = _mm512_add_ps(sum1, e1);
                }
                _mm512_storeu_ps(lg, _mm512_fmadd_ps(_mm512_loadu_ps(lg), alpha0, sum0));
                _mm512_storeu_ps(lg + 16, _mm512_fmadd_ps(_mm512_loadu_ps(lg + 16), alpha1, sum1));
                _mm512_storeu_ps(mg, n0);
                _mm512_storeu_ps(mg + 16, n1);
                value_tile(st, v + j0 * ldv, ldv, jn, d, ot + g * d * TR, alpha0, alpha1);
            }
        }
        for (size_t g = 0; g < groups; g++) {
            const float *og = ot + g * d * TR;
            for (size_t r = 0; r < TR && b0 + g * TR + r < t; r++) {
                float inv = 1.0f / l[g * TR + r], *out = o + (b0 + g * TR + r) * ldo;
                for (size_t c = 0; c < d; c++) out[c] = og[c * TR + r] * inv;
            }
        }
    }
}
#endif
