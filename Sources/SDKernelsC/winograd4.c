/* Winograd F(4x4, 3x3) transforms (see sdwinograd.h): 4x4 output tiles from 6x6 input tiles,
 * 36 products, 4x fewer multiplications than the direct convolution. Interpolation points 0, +-1,
 * +-2 (Lavin & Gray 2015):
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
 * The AVX2 path handles 8 tiles of a tile row at once and keeps them in the column order that its
 * 8x4 transposes produce (0 2 4 6 1 3 5 7 within each group of 8 full tiles); the output transform
 * undoes it with the same transposes. Both transforms of one convolution must therefore take the
 * same path: the caller passes `vec` (sdk_use_avx2() read once) to both. */
#include "sdwinograd.h"
#include "sdkernels.h"
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define SDK_X86 1
#endif

static inline void bt6(const float d[6], float v[6]) {
    v[0] = 4 * d[0] - 5 * d[2] + d[4];
    v[1] = -4 * d[1] - 4 * d[2] + d[3] + d[4];
    v[2] = 4 * d[1] - 4 * d[2] - d[3] + d[4];
    v[3] = -2 * d[1] - d[2] + 2 * d[3] + d[4];
    v[4] = 2 * d[1] - d[2] - 2 * d[3] + d[4];
    v[5] = 4 * d[1] - 5 * d[3] + d[5];
}

static inline void at6(const float m[6], float y[4]) {
    float a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], d = m[3] - m[4];
    y[0] = m[0] + a + c;
    y[1] = b + 2 * d;
    y[2] = a + 4 * c;
    y[3] = b + 8 * d + m[5];
}

/* U = G g G^T for filters (r, ci), ci in [c0, cin); the same order of operations as filter_avx2. */
static void filter_portable(const float *w, size_t r, size_t c0, size_t cin, float *u, size_t plane,
                            size_t row_stride) {
    for (size_t ci = c0; ci < cin; ci++) {
        const float *g = w + (r * cin + ci) * 9;
        float t[6][3];
        for (int j = 0; j < 3; j++) {
            float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j], s02 = g0 + g2;
            float q = g0 * (1.0f / 24) + g2 * (1.0f / 6), h = g1 * (1.0f / 12);
            t[0][j] = g0 * 0.25f;
            t[1][j] = (s02 + g1) * (-1.0f / 6);
            t[2][j] = (s02 - g1) * (-1.0f / 6);
            t[3][j] = q + h;
            t[4][j] = q - h;
            t[5][j] = g2;
        }
        float *o = u + r * row_stride + ci;
        for (int i = 0; i < 6; i++) {
            float a = t[i][0], b = t[i][1], c = t[i][2], ac = a + c;
            float q = a * (1.0f / 24) + c * (1.0f / 6), h = b * (1.0f / 12);
            o[(6 * i + 0) * plane] = a * 0.25f;
            o[(6 * i + 1) * plane] = (ac + b) * (-1.0f / 6);
            o[(6 * i + 2) * plane] = (ac - b) * (-1.0f / 6);
            o[(6 * i + 3) * plane] = q + h;
            o[(6 * i + 4) * plane] = q - h;
            o[(6 * i + 5) * plane] = c;
        }
    }
}

#ifdef SDK_X86
#include "wino_filter_avx2.h"
#endif

void sdk_wino4_filter(const float *w, size_t rows, size_t cin, float *u, size_t plane, size_t row_stride, int vec) {
    for (size_t r = 0; r < rows; r++) {
        size_t done = 0;
#ifdef SDK_X86
        if (vec) done = filter_avx2(4, w, r, cin, u, plane, row_stride);
#endif
        filter_portable(w, r, done, cin, u, plane, row_stride);
    }
    (void)vec;
}

/* The vertical transform of the 6 input rows of tile row ty, zero-padded: t[i][c] =
 * sum_r B^T[i][r] x[4ty + r - pad_top][c - pad_left], for c in [0, width). */
static void vertical_input(const float *x, size_t h, size_t w, size_t pad_top, size_t pad_left, size_t ty,
                           float *rows, float *t, size_t width, const struct sdk_input_act *act) {
    const float *r[6];
    for (int k = 0; k < 6; k++) {
        float *s = rows + k * width;
        long iy = (long)(4 * ty + k) - (long)pad_top;
        if (iy < 0 || iy >= (long)h) { memset(s, 0, width * sizeof(float)); r[k] = s; continue; }
        const float *src = x + (size_t)iy * w;
        size_t first = pad_left < width ? pad_left : width;
        size_t last = pad_left + w < width ? pad_left + w : width;
        memset(s, 0, first * sizeof(float));
        if (last > first) sdk_input_act_row(act, src, s + first, last - first);
        if (width > last) memset(s + last, 0, (width - last) * sizeof(float));
        r[k] = s;
    }
    for (size_t c = 0; c < width; c++) {  /* plain loop over contiguous columns: the compiler vectorises it */
        float d[6] = {r[0][c], r[1][c], r[2][c], r[3][c], r[4][c], r[5][c]}, v[6];
        bt6(d, v);
        for (int i = 0; i < 6; i++) t[i * width + c] = v[i];
    }
}

static inline void input_tile(const float *t, size_t width, size_t tx, float *v, size_t plane) {
    for (int i = 0; i < 6; i++) {
        float o[6];
        bt6(t + i * width + 4 * tx, o);
        for (int j = 0; j < 6; j++) v[(6 * i + j) * plane] = o[j];
    }
}

static inline void output_tile(const float *m, size_t plane, float y[16]) {
    float s[4][6];
    for (int j = 0; j < 6; j++) {
        float col[6], o[4];
        for (int i = 0; i < 6; i++) col[i] = m[(6 * i + j) * plane];
        at6(col, o);
        for (int k = 0; k < 4; k++) s[k][j] = o[k];
    }
    for (int k = 0; k < 4; k++) at6(s[k], y + 4 * k);
}

static void store_tile(const float o[16], float bias, float *y, size_t oh, size_t ow, size_t ty, size_t tx) {
    for (size_t i = 0; i < 4 && 4 * ty + i < oh; i++)
        for (size_t j = 0; j < 4 && 4 * tx + j < ow; j++) y[(4 * ty + i) * ow + 4 * tx + j] = o[4 * i + j] + bias;
}

#ifdef SDK_X86
#define AVX2 __attribute__((target("avx2,fma")))

/* 8 tiles' 4 consecutive columns (32 floats from p) -> c0..c3, tiles in the order 0 2 4 6 1 3 5 7. */
AVX2 static inline void transpose_in(const float *p, __m256 c[4]) {
    __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8), cc = _mm256_loadu_ps(p + 16), d = _mm256_loadu_ps(p + 24);
    __m256 lab = _mm256_unpacklo_ps(a, b), hab = _mm256_unpackhi_ps(a, b);
    __m256 lcd = _mm256_unpacklo_ps(cc, d), hcd = _mm256_unpackhi_ps(cc, d);
    c[0] = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(lab), _mm256_castps_pd(lcd)));
    c[1] = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(lab), _mm256_castps_pd(lcd)));
    c[2] = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(hab), _mm256_castps_pd(hcd)));
    c[3] = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(hab), _mm256_castps_pd(hcd)));
}

/* The inverse: c0..c3 in that tile order -> 32 consecutive floats (4 per tile, tiles in order). */
AVX2 static inline void transpose_out(const __m256 c[4], __m256 out[4]) {
    __m256 l01 = _mm256_unpacklo_ps(c[0], c[1]), h01 = _mm256_unpackhi_ps(c[0], c[1]);
    __m256 l23 = _mm256_unpacklo_ps(c[2], c[3]), h23 = _mm256_unpackhi_ps(c[2], c[3]);
    out[0] = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(l01), _mm256_castps_pd(l23)));
    out[1] = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(l01), _mm256_castps_pd(l23)));
    out[2] = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(h01), _mm256_castps_pd(h23)));
    out[3] = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(h01), _mm256_castps_pd(h23)));
}

AVX2 static inline void bt6_avx2(const __m256 d[6], __m256 v[6]) {
    const __m256 four = _mm256_set1_ps(4), five = _mm256_set1_ps(5), two = _mm256_set1_ps(2);
    v[0] = _mm256_add_ps(_mm256_fnmadd_ps(five, d[2], _mm256_mul_ps(four, d[0])), d[4]);
    v[1] = _mm256_fnmadd_ps(four, _mm256_add_ps(d[1], d[2]), _mm256_add_ps(d[3], d[4]));
    v[2] = _mm256_fmadd_ps(four, _mm256_sub_ps(d[1], d[2]), _mm256_sub_ps(d[4], d[3]));
    v[3] = _mm256_fmadd_ps(two, _mm256_sub_ps(d[3], d[1]), _mm256_sub_ps(d[4], d[2]));
    v[4] = _mm256_fmadd_ps(two, _mm256_sub_ps(d[1], d[3]), _mm256_sub_ps(d[4], d[2]));
    v[5] = _mm256_add_ps(_mm256_fnmadd_ps(five, d[3], _mm256_mul_ps(four, d[1])), d[5]);
}

AVX2 static inline void at6_avx2(const __m256 m[6], __m256 y[4]) {
    const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), eight = _mm256_set1_ps(8);
    __m256 a = _mm256_add_ps(m[1], m[2]), b = _mm256_sub_ps(m[1], m[2]);
    __m256 c = _mm256_add_ps(m[3], m[4]), d = _mm256_sub_ps(m[3], m[4]);
    y[0] = _mm256_add_ps(_mm256_add_ps(m[0], a), c);
    y[1] = _mm256_fmadd_ps(two, d, b);
    y[2] = _mm256_fmadd_ps(four, c, a);
    y[3] = _mm256_add_ps(_mm256_fmadd_ps(eight, d, b), m[5]);
}

AVX2 static void input_row_avx2(const float *t, size_t width, size_t tw, float *vrow, size_t plane) {
    size_t tx = 0;
    for (; tx + 8 <= tw; tx += 8) {
        for (int i = 0; i < 6; i++) {
            const float *p = t + i * width + 4 * tx;
            __m256 d[6], c4[4], v[6];
            transpose_in(p, d);          /* columns 0..3 of the 8 tiles */
            transpose_in(p + 4, c4);     /* columns 4, 5 are the next tiles' 0, 1 */
            d[4] = c4[0]; d[5] = c4[1];
            bt6_avx2(d, v);
            for (int j = 0; j < 6; j++) _mm256_storeu_ps(vrow + tx + (6 * i + j) * plane, v[j]);
        }
    }
    for (; tx < tw; tx++) input_tile(t, width, tx, vrow + tx, plane);
}

AVX2 static void output_row_avx2(const float *mrow, size_t plane, size_t ty, size_t tw, float bias,
                                 float *y, size_t oh, size_t ow) {
    const __m256 vb = _mm256_set1_ps(bias);
    size_t tx = 0;
    for (; tx + 8 <= tw; tx += 8) {
        __m256 s[4][6];
        for (int j = 0; j < 6; j++) {
            __m256 col[6], o[4];
            for (int i = 0; i < 6; i++) col[i] = _mm256_loadu_ps(mrow + tx + (6 * i + j) * plane);
            at6_avx2(col, o);
            for (int k = 0; k < 4; k++) s[k][j] = o[k];
        }
        for (int k = 0; k < 4 && 4 * ty + k < oh; k++) {
            __m256 o[4], rowv[4];
            at6_avx2(s[k], o);
            for (int l = 0; l < 4; l++) o[l] = _mm256_add_ps(o[l], vb);
            transpose_out(o, rowv);
            float *dst = y + (4 * ty + k) * ow + 4 * tx;
            if (4 * tx + 32 <= ow) {
                for (int l = 0; l < 4; l++) _mm256_storeu_ps(dst + 8 * l, rowv[l]);
            } else {  /* the right edge: only the columns inside the image */
                float buf[32];
                for (int l = 0; l < 4; l++) _mm256_storeu_ps(buf + 8 * l, rowv[l]);
                memcpy(dst, buf, (ow - 4 * tx) * sizeof(float));
            }
        }
    }
    for (; tx < tw; tx++) {
        float o[16];
        output_tile(mrow + tx, plane, o);
        store_tile(o, bias, y, oh, ow, ty, tx);
    }
}
#endif

void sdk_wino4_input(const float *x, size_t h, size_t w, size_t pad_top, size_t pad_left,
                     size_t ty0, size_t ty1, size_t tw, float *v, size_t plane, int vec,
                     const struct sdk_input_act *act) {
    size_t width = 4 * tw + 4;  /* columns the tiles read (4tw + 2), and the 8-tile loads' overread */
    float rows[6 * width], t[6 * width];
    for (size_t ty = ty0; ty < ty1; ty++) {
        vertical_input(x, h, w, pad_top, pad_left, ty, rows, t, width, act);
        float *vrow = v + (ty - ty0) * tw;
#ifdef SDK_X86
        if (vec) { input_row_avx2(t, width, tw, vrow, plane); continue; }
#endif
        for (size_t tx = 0; tx < tw; tx++) input_tile(t, width, tx, vrow + tx, plane);
    }
    (void)vec;
}

void sdk_wino4_output(const float *m, size_t plane, size_t ty0, size_t ty1, size_t tw, float bias,
                      float *y, size_t oh, size_t ow, int vec) {
    for (size_t ty = ty0; ty < ty1; ty++) {
        const float *mrow = m + (ty - ty0) * tw;
#ifdef SDK_X86
        if (vec) { output_row_avx2(mrow, plane, ty, tw, bias, y, oh, ow); continue; }
#endif
        for (size_t tx = 0; tx < tw; tx++) {
            float o[16];
            output_tile(mrow + tx, plane, o);
            store_tile(o, bias, y, oh, ow, ty, tx);
        }
    }
    (void)vec;
}
