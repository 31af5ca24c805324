/* Scaled dot-product attention of one head, in tiles (flash-attention style): for 4 query rows at a
 * time, scores against a block of keys stay in a small buffer, softmax is kept running (max, sum) and
 * the output rows are updated block by block, so the tokens x tokens matrix never exists. The rows
 * go in blocks of 64 that take each key block in turn, so a block of K and V is read from memory once
 * per 64 rows (the VAE's head of 512 channels: 8 MB of K). AVX2/FMA here; where the CPU has
 * AVX-512, attention_avx512.c's kernel (scores transposed, 1.2-1.7x this layout at 16 lanes) runs
 * instead. Without AVX2 (sdk_attention_supported) the caller falls back to sgemm + softmax. */
#include "sdkernels.h"
#include "attention_avx512.h"
#include <math.h>
#include <string.h>

#define KEY_BLOCK 128  /* keys per block: 4 rows of scores, 2 KB */
#define ROW_BLOCK 64   /* query rows that share each key block while it is in cache (a multiple of 8) */

int sdk_attention_supported(size_t d) {
#if defined(__x86_64__) && defined(__clang__)
    return sdk_use_avx2() && d % 8 == 0 && d > 0;
#else
    (void)d;
    return 0;
#endif
}

size_t sdk_attention_work_floats(size_t s, size_t d) {
    size_t sp = (s + 15) / 16 * 16;
    size_t avx2 = d * (sp + KEY_BLOCK) + sp * (d + 16) + 4 * KEY_BLOCK + ROW_BLOCK * d;
    size_t avx512 = sdk_attention512_work_floats(d);
    return avx2 > avx512 ? avx2 : avx512;
}

/* Row stride for rows of n floats read together (K^T's d rows, a block of V's rows): n, or 16 more
 * when n is a multiple of 1 KB, so rows a power of two apart do not all land in the same cache sets
 * (4096 keys made K^T's rows 16 KB apart). */
static size_t row_stride(size_t n) { return n % 256 == 0 ? n + 16 : n;
}

/* kt[c * ks + j] = scale * k[j][c] for j < s, 0 for s <= j < sp: in 16 x 16 blocks, so neither side
 * is read or written a whole column apart (a key row is ldk floats long). */
static void pack_kt(const float *k, size_t ldk, size_t s, size_t d, float scale, float *kt, size_t sp, size_t ks) {
    for (size_t j0 = 0; j0 < s; j0 += 16) {
        size_t j1 = j0 + 16 < s ? j0 + 16 : s;
        for (size_t c0 = 0; c0 < d; c0 += 16) {
            size_t c1 = c0 + 16 < d ? c0 + 16 : d;
            for (size_t c = c0; c < c1; c++)
                for (size_t j = j0; j < j1; j++) kt[c * ks + j] = k[j * ldk + c] * scale;
        }
    }
    for (size_t c = 0; c < d; c++)
        for (size_t j = s; j < sp; j++) kt[c * ks + j] = 0;
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#include "vec_avx2.h"

/* sc[r][jj..jj+16) = q_r . kt[:, j..j+16) for the 4 rows */
AVX2 static inline void scores16(const float *const qr[4], const float *kt, size_t sp, size_t d, float *sc) {
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    for (size_t c = 0; c < d; c++) {
        __m256 k0 = _mm256_loadu_ps(kt + c * sp), k1 = _mm256_loadu_ps(kt + c * sp + 8);
        __m256 q0 = _mm256_broadcast_ss(qr[0] + c), q1 = _mm256_broadcast_ss(qr[1] + c);
        __m256 q2 = _mm256_broadcast_ss(qr[2] + c), q3 = _mm256_broadcast_ss(qr[3] + c);
        a00 = _mm256_fmadd_ps(q0, k0, a00); a01 = _mm256_fmadd_ps(q0, k1, a01);
        a10 = _mm256_fmadd_ps(q1, k0, a10); a11 = _mm256_fmadd_ps(q1, k1, a11);
        a20 = _mm256_fmadd_ps(q2, k0, a20); a21 = _mm256_fmadd_ps(q2, k1, a21);
        a30 = _mm256_fmadd_ps(q3, k0, a30); a31 = _mm256_fmadd_ps(q3, k1, a31);
    }
    _mm256_storeu_ps(sc, a00); _mm256_storeu_ps(sc + 8, a01);
    _mm256_storeu_ps(sc + KEY_BLOCK, a10); _mm256_storeu_ps(sc + KEY_BLOCK + 8, a11);
    _mm256_storeu_ps(sc + 2 * KEY_BLOCK, a20); _mm256_storeu_ps(sc + 2 * KEY_BLOCK + 8, a21);
    _mm256_storeu_ps(sc + 3 * KEY_BLOCK, a30); _mm256_storeu_ps(sc + 3 * KEY_BLOCK + 8, a31);
}

/* acc rows r0, r0+1 (columns [c0, c0 + 8N)) += p . v over jn keys; N vectors per row kept in registers. */
#define PV2(N)                                                                                           \
    AVX2 static void pv2_##N(const float *p0, const float *p1, const float *v, size_t vs, size_t jn,     \
                              float *acc0, float *acc1) {                                                 \
        __m256 x[N], y[N];                                                                               \
        for (int u = 0; u < N; u++) { x[u] = _mm256_loadu_ps(acc0 + 8 * u); y[u] = _mm256_loadu_ps(acc1 + 8 * u); } \
        for (size_t j = 0; j < jn; j++) {                                                                \
            __m256 b0 = _mm256_broadcast_ss(p0 + j), b1 = _mm256_broadcast_ss(p1 + j);                 \
            const float *vr = v + j * vs;                                                                \
            for (int u = 0; u < N; u++) {                                                                \
                __m256 vv = _mm256_loadu_ps(vr + 8 * u);                                                 \
                x[u] = _mm256_fmadd_ps(b0, vv, x[u]);                                                    \
                y[u] = _mm256_fmadd_ps(b1, vv, y[u]);                                                    \
            }                                                                                            \
        }                                                                                                \
        for (int u = 0; u < N; u++) { _mm256_storeu_ps(acc0 + 8 * u, x[u]); _mm256_storeu_ps(acc1 + 8 * u, y[u]); } \
    }
PV2(1) PV2(2) PV2(3) PV2(4) PV2(5) PV2(6)

AVX2 static void pv2(const float *p0, const float *p1, const float *v, size_t d, size_t vs, size_t jn,
                     float *acc0, float *acc1) {
    for (size_t c = 0; c < d; c += 48) {  /* 6 vectors (12 accumulators) at a time */
        size_t nv = (d - c) / 8 < 6 ? (d - c) / 8 : 6;
        switch (nv) {
        case 1: pv2_1(p0, p1, v + c, vs, jn, acc0 + c, acc1 + c); break;
        case 2: pv2_2(p0, p1, v + c, vs, jn, acc0 + c, acc1 + c); break;
        case 3: pv2_3(p0, p1, v + c, vs, jn, acc0 + c, acc1 + c); break;
        case 4: pv2_4(p0, p1, v + c, vs, jn, acc0 + c, acc1 + c); break;
        case 5: pv2_5(p0, p1, v + c, vs, jn, acc0 + c, acc1 + c); break;
        default: pv2_6(p0, p1, v + c, vs, jn, acc0 + c, acc1 + c); break;
        }
    }
}

AVX2 static void attention_avx2(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                                float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work) {
    size_t sp = (s + 15) / 16 * 16, ks = row_stride(sp), vs = row_stride(d);
    float *kt = work, *vp = kt + d * ks, *sc = vp + sp * vs, *acc = sc + 4 * KEY_BLOCK;
    /* K^T scaled, V packed; the padding keys are zero (their scores are dropped below) */
    pack_kt(k, ldk, s, d, scale, kt, sp, ks);
    for (size_t j = 0; j < s; j++) memcpy(vp + j * vs, v + j * ldv, d * sizeof(float));
    memset(vp + s * vs, 0, (sp - s) * vs * sizeof(float));

    for (size_t b0 = 0; b0 < t; b0 += ROW_BLOCK) {
        size_t brows = t - b0 < ROW_BLOCK ? t - b0 : ROW_BLOCK;
        float m[ROW_BLOCK], l[ROW_BLOCK];
        for (size_t r = 0; r < ROW_BLOCK; r++) { m[r] = -INFINITY; l[r] = 0; }
        memset(acc, 0, ROW_BLOCK * d * sizeof(float));
        for (size_t j0 = 0; j0 < sp; j0 += KEY_BLOCK) {
            size_t jn = sp - j0 < KEY_BLOCK ? sp - j0 : KEY_BLOCK;
            size_t valid = s - j0 < jn ? s - j0 : jn;  /* keys of the block that are not padding */
            for (size_t g = 0; g < brows; g += 4) {  /* 4 rows at a time; the block's keys stay in cache */
                size_t rows = brows - g < 4 ? brows - g : 4;
                const float *qr[4];
                for (size_t r = 0; r < 4; r++) qr[r] = q + (b0 + g + (r < rows ? r : rows - 1)) * ldq;
                float *ag = acc + g * d;
                for (size_t jj = 0; jj < jn; jj += 16) scores16(qr, kt + j0 + jj, ks, d, sc + jj);
                for (size_t r = 0; r < 4; r++) {
                    float *p = sc + r * KEY_BLOCK;
                    for (size_t j = valid; j < jn; j++) p[j] = -INFINITY;  /* padding keys weigh nothing */
                    __m256 vm = _mm256_set1_ps(-INFINITY);
                    size_t j = 0;
                    for (; j + 8 <= valid; j += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(p + j));
                    float mx = hmax256(vm);
                    for (; j < valid; j++) mx = p[j] > mx ? p[j] : mx;
                    float mold = m[g + r], mnew = mx > mold ? mx : mold;
                    float alpha = mold == -INFINITY ? 0.0f : expf(mold - mnew);
                    __m256 vn = _mm256_set1_ps(mnew), vsum = _mm256_setzero_ps();
                    for (j = 0; j < jn; j += 8) {
                        __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(p + j), vn));
                        _mm256_storeu_ps(p + j, e);
                        vsum = _mm256_add_ps(vsum, e);
                    }
                    float sum = hsum256(vsum);
                    for (j = valid; j < jn; j++) { sum -= p[j]; p[j] = 0; }  /* padding keys */
                    l[g + r] = l[g + r] * alpha + sum;
                    m[g + r] = mnew;
                    if (alpha != 1.0f) {
                        __m256 va = _mm256_set1_ps(alpha);
                        for (size_t c = 0; c < d; c += 8)
                            _mm256_storeu_ps(ag + r * d + c, _mm256_mul_ps(_mm256_loadu_ps(ag + r * d + c), va));
                    }
                }
                pv2(sc, sc + KEY_BLOCK, vp + j0 * vs, d, vs, jn, ag, ag + d);
                pv2(sc + 2 * KEY_BLOCK, sc + 3 * KEY_BLOCK, vp + j0 * vs, d, vs, jn, ag + 2 * d, ag + 3 * d);
            }
        }
        for (size_t r = 0; r < brows; r++) {
            __m256 inv = _mm256_set1_ps(1.0f / l[r]);
            float *out = o + (b0 + r) * ldo;
            for (size_t c = 0; c < d; c += 8) _mm256_storeu_ps(out + c, _mm256_mul_ps(_mm256_loadu_ps(acc + r * d + c), inv));
        }
    }
}

#endif

void sdk_attention_head(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                        float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work) {
#if defined(__x86_64__) && defined(__clang__)
    if (sdk_use_avx512()) { sdk_attention512(q, ldq, k, ldk, v, ldv, o, ldo, t, s, d, scale, work); return; }
    attention_avx2(q, ldq, k, ldk, v, ldv, o, ldo, t, s, d, scale, work);
#else
    (void)q; (void)ldq; (void)k; (void)ldk; (void)v; (void)ldv; (void)o; (void)ldo;
    (void)t; (void)s; (void)d; (void)scale; (void)work;
#endif
}
