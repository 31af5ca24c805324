/* Scaled dot-product attention of one head, in tiles (flash-attention style): for 4 query rows at a
 * time, scores against a block of keys stay in a small buffer, softmax is kept running (max, sum) and
 * the output rows are updated block by block, so the tokens x tokens matrix never exists. The rows
 * go in blocks of 64 that take each key block in turn, so a block of K and V is read from memory once
 * per 64 rows (the VAE's head of 512 channels: 8 MB of K). AVX2/FMA,
 * and AVX-512 where the CPU has it (sdk_attention_supported); the caller falls back to sgemm +
 * softmax otherwise. */
#include "sdkernels.h"
#include <math.h>
#include <string.h>

#define KEY_BLOCK 128  /* keys per block: 4 (AVX2) or 8 (AVX-512) rows of scores, 2 or 4 KB */
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
    size_t sp = (s + 31) / 32 * 32, dp = (d + 15) / 16 * 16;  /* enough for both paths */
    return d * (sp + KEY_BLOCK) + sp * (dp + 16) + 8 * KEY_BLOCK + ROW_BLOCK * dp;
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

/* The same values block by block: key block b's d rows of KEY_BLOCK keys lie together at
 * kt + b * d * KEY_BLOCK (row c at + c * KEY_BLOCK), so a block's K^T is one compact 20 KB piece
 * (5 pages at d = 40) instead of d rows a whole K^T row apart (40 pages). */
static void pack_kt_blocked(const float *k, size_t ldk, size_t s, size_t d, float scale, float *kt, size_t sp) {
    for (size_t j0 = 0; j0 < sp; j0 += KEY_BLOCK) {
        float *blk = kt + (j0 / KEY_BLOCK) * d * KEY_BLOCK;
        size_t jn = sp - j0 < KEY_BLOCK ? sp - j0 : KEY_BLOCK;
        for (size_t j = 0; j < jn; j++) {
            const float *kr = j0 + j < s ? k + (j0 + j) * ldk : NULL;
            for (size_t c = 0; c < d; c++) blk[c * KEY_BLOCK + j] = kr ? kr[c] * scale : 0.0f;
        }
    }
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

/* The same with 16-float vectors (AVX-512F): 4 rows x 32 keys of scores per step; V and the output
 * accumulators padded to 16 floats a row (zeros), so head sizes like 40 need no masks inside. */
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))

AVX512 static inline __m512 exp512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.33654f)), _mm512_set1_ps(88.72283f));
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
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    /* below e^-70: exactly 0, as exp256 */
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-70.0f), _CMP_GE_OQ), _mm512_mul_ps(p, _mm512_castsi512_ps(e)));
}

/* sc[r][jj..jj+32) = q_r . kt[:, j..j+32) for 8 rows: 16 accumulators, and per step 2 loads of K
 * for 16 FMAs (4 rows took 2 loads for 8) */
AVX512 static inline void scores32x8(const float *const qr[8], const float *kt, size_t sp, size_t d, float *sc) {
    __m512 a[8][2];
    for (int r = 0; r < 8; r++) a[r][0] = a[r][1] = _mm512_setzero_ps();
    for (size_t c = 0; c < d; c++) {
        __m512 k0 = _mm512_loadu_ps(kt + c * sp), k1 = _mm512_loadu_ps(kt + c * sp + 16);
        for (int r = 0; r < 8; r++) {
            __m512 q = _mm512_set1_ps(qr[r][c]);
            a[r][0] = _mm512_fmadd_ps(q, k0, a[r][0]);
            a[r][1] = _mm512_fmadd_ps(q, k1, a[r][1]);
        }
    }
    for (int r = 0; r < 8; r++) {
        _mm512_storeu_ps(sc + r * KEY_BLOCK, a[r][0]);
        _mm512_storeu_ps(sc + r * KEY_BLOCK + 16, a[r][1]);
    }
}

/* The same for 4 rows at once: 4N accumulators (12 for SD1's head size 40, 20 for 80) keep both FMA
 * ports busy where 2 rows (2N) waited on the FMA latency. */
#define PV4W(N)                                                                                          \
    AVX512 static void pv4w_##N(const float *const p[4], const float *v, size_t vs, size_t jn,           \
                                 float *const acc[4]) {                                                   \
        __m512 x0[N], x1[N], x2[N], x3[N];                                                               \
        for (int u = 0; u < N; u++) {                                                                    \
            x0[u] = _mm512_loadu_ps(acc[0] + 16 * u); x1[u] = _mm512_loadu_ps(acc[1] + 16 * u);         \
            x2[u] = _mm512_loadu_ps(acc[2] + 16 * u); x3[u] = _mm512_loadu_ps(acc[3] + 16 * u);         \
        }                                                                                                \
        for (size_t j = 0; j < jn; j++) {                                                                \
            __m512 b0 = _mm512_set1_ps(p[0][j]), b1 = _mm512_set1_ps(p[1][j]);                           \
            __m512 b2 = _mm512_set1_ps(p[2][j]), b3 = _mm512_set1_ps(p[3][j]);                           \
            const float *vr = v + j * vs;                                                                \
            for (int u = 0; u < N; u++) {                                                                \
                __m512 vv = _mm512_loadu_ps(vr + 16 * u);                                                \
                x0[u] = _mm512_fmadd_ps(b0, vv, x0[u]); x1[u] = _mm512_fmadd_ps(b1, vv, x1[u]);          \
                x2[u] = _mm512_fmadd_ps(b2, vv, x2[u]); x3[u] = _mm512_fmadd_ps(b3, vv, x3[u]);          \
            }                                                                                            \
        }                                                                                                \
        for (int u = 0; u < N; u++) {                                                                    \
            _mm512_storeu_ps(acc[0] + 16 * u, x0[u]); _mm512_storeu_ps(acc[1] + 16 * u, x1[u]);          \
            _mm512_storeu_ps(acc[2] + 16 * u, x2[u]); _mm512_storeu_ps(acc[3] + 16 * u, x3[u]);          \
        }                                                                                                \
    }
PV4W(1) PV4W(2) PV4W(3) PV4W(4) PV4W(5) PV4W(6)

/* acc[r][0..dp) += p[r] . v over jn keys for 4 rows (dp a multiple of 16) */
AVX512 static void pv4w(const float *const p[4], const float *v, size_t dp, size_t vs, size_t jn, float *acc0) {
    for (size_t c = 0; c < dp; c += 96) {  /* 6 vectors (24 accumulators) at a time */
        size_t nv = (dp - c) / 16 < 6 ? (dp - c) / 16 : 6;
        float *const a[4] = {acc0 + c, acc0 + dp + c, acc0 + 2 * dp + c, acc0 + 3 * dp + c};
        switch (nv) {
        case 1: pv4w_1(p, v + c, vs, jn, a); break;
        case 2: pv4w_2(p, v + c, vs, jn, a); break;
        case 3: pv4w_3(p, v + c, vs, jn, a); break;
        case 4: pv4w_4(p, v + c, vs, jn, a); break;
        case 5: pv4w_5(p, v + c, vs, jn, a); break;
        default: pv4w_6(p, v + c, vs, jn, a); break;
        }
    }
}

AVX512 static void attention_avx512(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                                    float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work) {
    size_t sp = (s + 31) / 32 * 32, dp = (d + 15) / 16 * 16, vs = row_stride(dp);
    size_t ktCount = (sp + KEY_BLOCK - 1) / KEY_BLOCK * KEY_BLOCK * d;
    float *kt = work, *vp = kt + ktCount, *sc = vp + sp * vs, *acc = sc + 8 * KEY_BLOCK;
    pack_kt_blocked(k, ldk, s, d, scale, kt, sp);
    memset(vp, 0, sp * vs * sizeof(float));
    for (size_t j = 0; j < s; j++) memcpy(vp + j * vs, v + j * ldv, d * sizeof(float));
    const __mmask16 tail = (__mmask16)((1u << (d % 16 ? d % 16 : 16)) - 1);

    for (size_t b0 = 0; b0 < t; b0 += ROW_BLOCK) {
        size_t brows = t - b0 < ROW_BLOCK ? t - b0 : ROW_BLOCK;
        float m[ROW_BLOCK], l[ROW_BLOCK];
        for (size_t r = 0; r < ROW_BLOCK; r++) { m[r] = -INFINITY; l[r] = 0; }
        memset(acc, 0, ROW_BLOCK * dp * sizeof(float));
        for (size_t j0 = 0; j0 < sp; j0 += KEY_BLOCK) {
            size_t jn = sp - j0 < KEY_BLOCK ? sp - j0 : KEY_BLOCK;
            size_t valid = s - j0 < jn ? s - j0 : jn;
            for (size_t g = 0; g < brows; g += 8) {
                size_t rows = brows - g < 8 ? brows - g : 8;
                const float *qr[8];
                for (size_t r = 0; r < 8; r++) qr[r] = q + (b0 + g + (r < rows ? r : rows - 1)) * ldq;
                float *ag = acc + g * dp;
                const float *ktb = kt + (j0 / KEY_BLOCK) * d * KEY_BLOCK;
                for (size_t jj = 0; jj < jn; jj += 32) scores32x8(qr, ktb + jj, KEY_BLOCK, d, sc + jj);
                for (size_t r = 0; r < 8; r++) {
                    float *p = sc + r * KEY_BLOCK;
                    for (size_t j = valid; j < jn; j++) p[j] = -INFINITY;
                    __m512 vm = _mm512_set1_ps(-INFINITY);
                    for (size_t j = 0; j < jn; j += 16) vm = _mm512_max_ps(vm, _mm512_loadu_ps(p + j));
                    float mx = _mm512_reduce_max_ps(vm);
                    float mold = m[g + r], mnew = mx > mold ? mx : mold;
                    float alpha = mold == -INFINITY ? 0.0f : expf(mold - mnew);
                    __m512 vn = _mm512_set1_ps(mnew), vsum = _mm512_setzero_ps();
                    for (size_t j = 0; j < jn; j += 16) {
                        __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(p + j), vn));
                        _mm512_storeu_ps(p + j, e);
                        vsum = _mm512_add_ps(vsum, e);
                    }
                    float sum = _mm512_reduce_add_ps(vsum);
                    for (size_t j = valid; j < jn; j++) { sum -= p[j]; p[j] = 0; }
                    l[g + r] = l[g + r] * alpha + sum;
                    m[g + r] = mnew;
                    if (alpha != 1.0f) {
                        __m512 va = _mm512_set1_ps(alpha);
                        for (size_t c = 0; c < dp; c += 16)
                            _mm512_storeu_ps(ag + r * dp + c, _mm512_mul_ps(_mm512_loadu_ps(ag + r * dp + c), va));
                    }
                }
                const float *const pr[4] = {sc, sc + KEY_BLOCK, sc + 2 * KEY_BLOCK, sc + 3 * KEY_BLOCK};
                const float *const pr2[4] = {sc + 4 * KEY_BLOCK, sc + 5 * KEY_BLOCK, sc + 6 * KEY_BLOCK, sc + 7 * KEY_BLOCK};
                pv4w(pr, vp + j0 * vs, dp, vs, jn, ag);
                pv4w(pr2, vp + j0 * vs, dp, vs, jn, ag + 4 * dp);
            }
        }
        for (size_t r = 0; r < brows; r++) {
            __m512 inv = _mm512_set1_ps(1.0f / l[r]);
            float *out = o + (b0 + r) * ldo;
            size_t c = 0;
            for (; c + 16 <= d; c += 16) _mm512_storeu_ps(out + c, _mm512_mul_ps(_mm512_loadu_ps(acc + r * dp + c), inv));
            if (c < d) _mm512_mask_storeu_ps(out + c, tail, _mm512_mul_ps(_mm512_loadu_ps(acc + r * dp + c), inv));
        }
    }
}
#endif

void sdk_attention_head(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                        float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work) {
#if defined(__x86_64__) && defined(__clang__)
    if (sdk_use_avx512()) { attention_avx512(q, ldq, k, ldk, v, ldv, o, ldo, t, s, d, scale, work); return; }
    attention_avx2(q, ldq, k, ldk, v, ldv, o, ldo, t, s, d, scale, work);
#else
    (void)q; (void)ldq; (void)k; (void)ldk; (void)v; (void)ldv; (void)o; (void)ldo;
    (void)t; (void)s; (void)d; (void)scale; (void)work;
#endif
}
