/* Winograd F(2x2, 3x3) transforms (see sdwinograd.h). Lavin & Gray, "Fast Algorithms for
 * Convolutional Neural Networks" (2015):
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   (input:  V = B^T d B, d a 4x4 input tile)
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] (filter: U = G g G^T)
 *   A^T = [1 1 1 0; 0 1 -1 -1]                      (output: Y = A^T M A, M = U .* V summed over Cin)
 * Every coefficient is 0, +-1 or +-1/2, so the transforms add no rounding beyond a few additions. */
#include "sdwinograd.h"
#include "sdkernels.h"
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define SDK_X86 1
#endif

/* U = G g G^T for filters (r, ci) with ci in [c0, cin). */
static void filter_portable(const float *w, size_t r, size_t c0, size_t cin, float *u, size_t plane,
                            size_t row_stride) {
    /* the same order of additions as filter_avx2, so both paths give the same bits */
    for (size_t ci = c0; ci < cin; ci++) {
        const float *g = w + (r * cin + ci) * 9;
        float t[4][3];
        for (int j = 0; j < 3; j++) {
            float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j], s02 = g0 + g2;
            t[0][j] = g0;
            t[1][j] = 0.5f * (s02 + g1);
            t[2][j] = 0.5f * (s02 - g1);
            t[3][j] = g2;
        }
        float *o = u + r * row_stride + ci;
        for (int i = 0; i < 4; i++) {
            float a = t[i][0], b = t[i][1], c = t[i][2], ac = a + c;
            o[(4 * i + 0) * plane] = a;
            o[(4 * i + 1) * plane] = 0.5f * (ac + b);
            o[(4 * i + 2) * plane] = 0.5f * (ac - b);
            o[(4 * i + 3) * plane] = c;
        }
    }
}

static int use_avx2(void);
#ifdef SDK_X86
#include "wino_filter_avx2.h"
#endif

void sdk_wino2_filter(const float *w, size_t rows, size_t cin, float *u, size_t plane, size_t row_stride) {
    for (size_t r = 0; r < rows; r++) {
        size_t done = 0;
#ifdef SDK_X86
        if (use_avx2()) done = filter_avx2(2, w, r, cin, u, plane, row_stride);
#endif
        filter_portable(w, r, done, cin, u, plane, row_stride);
    }
}

/* The 4 input rows of tile row ty, zero-padded, columns shifted by pad_left: strip[r][c] =
 * x[2ty + r - pad_top][c - pad_left]. `width` >= 2 * tw + 2 columns are written. */
static void fill_strip(const float *x, size_t h, size_t w, size_t pad_top, size_t pad_left, size_t ty,
                       float *strip, size_t width, const struct sdk_input_act *act) {
    for (int r = 0; r < 4; r++) {
        float *s = strip + r * width;
        long iy = (long)(2 * ty + r) - (long)pad_top;
        if (iy < 0 || iy >= (long)h) { memset(s, 0, width * sizeof(float)); continue; }
        const float *src = x + (size_t)iy * w;
        /* columns c with 0 <= c - pad_left < w come from the image */
        size_t first = pad_left < width ? pad_left : width;
        size_t last = pad_left + w < width ? pad_left + w : width;
        memset(s, 0, first * sizeof(float));
        if (last > first) sdk_input_act_row(act, src, s + first, last - first);
        if (width > last) memset(s + last, 0, (width - last) * sizeof(float));
    }
}

/* V = B^T d B for the tile at column 2tx of a strip. */
static inline void input_tile(const float *strip, size_t width, size_t tx, float *v, size_t plane) {
    float t[4][4];
    for (int r = 0; r < 4; r++) {
        const float *d = strip + r * width + 2 * tx;
        t[r][0] = d[0] - d[2];
        t[r][1] = d[1] + d[2];
        t[r][2] = d[2] - d[1];
        t[r][3] = d[1] - d[3];
    }
    for (int j = 0; j < 4; j++) {
        v[(0 + j) * plane] = t[0][j] - t[2][j];
        v[(4 + j) * plane] = t[1][j] + t[2][j];
        v[(8 + j) * plane] = t[2][j] - t[1][j];
        v[(12 + j) * plane] = t[1][j] - t[3][j];
    }
}

/* Y = A^T M A for one tile: y00 y01 / y10 y11. */
static inline void output_tile(const float *m, size_t plane, float out[4]) {
    float s[2][4];
    for (int j = 0; j < 4; j++) {
        float m0 = m[j * plane], m1 = m[(4 + j) * plane], m2 = m[(8 + j) * plane], m3 = m[(12 + j) * plane];
        s[0][j] = m0 + m1 + m2;
        s[1][j] = m1 - m2 - m3;
    }
    for (int i = 0; i < 2; i++) {
        out[2 * i] = s[i][0] + s[i][1] + s[i][2];
        out[2 * i + 1] = s[i][1] - s[i][2] - s[i][3];
    }
}

static void store_tile(const float o[4], float bias, float *y, size_t oh, size_t ow, size_t ty, size_t tx) {
    for (size_t i = 0; i < 2 && 2 * ty + i < oh; i++)
        for (size_t j = 0; j < 2 && 2 * tx + j < ow; j++) y[(2 * ty + i) * ow + 2 * tx + j] = o[2 * i + j] + bias;
}

#ifdef SDK_X86
/* Columns 2tx + k, k = 0..3, of 8 consecutive tiles from one strip row: the even and odd elements
 * of 16 floats at 2tx and of 16 floats at 2tx + 2. */
__attribute__((target("avx2,fma")))
static inline void load_columns(const float *d, __m256 *c0, __m256 *c1, __m256 *c2, __m256 *c3) {
    __m256 a = _mm256_loadu_ps(d), b = _mm256_loadu_ps(d + 8);
    __m256 e = _mm256_shuffle_ps(a, b, 0x88), o = _mm256_shuffle_ps(a, b, 0xDD);  /* per 128-bit lane */
    *c0 = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
    *c1 = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8));
    a = _mm256_loadu_ps(d + 2); b = _mm256_loadu_ps(d + 10);
    e = _mm256_shuffle_ps(a, b, 0x88); o = _mm256_shuffle_ps(a, b, 0xDD);
    *c2 = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
    *c3 = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8));
}

__attribute__((target("avx2,fma")))
static void input_rows_avx2(const float *x, size_t h, size_t w, size_t pad_top, size_t pad_left,
                            size_t ty0, size_t ty1, size_t tw, float *v, size_t plane, float *strip, size_t width,
                            const struct sdk_input_act *act) {
    for (size_t ty = ty0; ty < ty1; ty++) {
        fill_strip(x, h, w, pad_top, pad_left, ty, strip, width, act);
        float *vrow = v + (ty - ty0) * tw;
        size_t tx = 0;
        for (; tx + 8 <= tw; tx += 8) {
            __m256 t[4][4];
            for (int r = 0; r < 4; r++) {
                __m256 d0, d1, d2, d3;
                load_columns(strip + r * width + 2 * tx, &d0, &d1, &d2, &d3);
                t[r][0] = _mm256_sub_ps(d0, d2);
                t[r][1] = _mm256_add_ps(d1, d2);
                t[r][2] = _mm256_sub_ps(d2, d1);
                t[r][3] = _mm256_sub_ps(d1, d3);
            }
            float *o = vrow + tx;
            for (int j = 0; j < 4; j++) {
                _mm256_storeu_ps(o + (0 + j) * plane, _mm256_sub_ps(t[0][j], t[2][j]));
                _mm256_storeu_ps(o + (4 + j) * plane, _mm256_add_ps(t[1][j], t[2][j]));
                _mm256_storeu_ps(o + (8 + j) * plane, _mm256_sub_ps(t[2][j], t[1][j]));
                _mm256_storeu_ps(o + (12 + j) * plane, _mm256_sub_ps(t[1][j], t[3][j]));
            }
        }
        for (; tx < tw; tx++) input_tile(strip, width, tx, vrow + tx, plane);
    }
}

__attribute__((target("avx2,fma")))
static void output_rows_avx2(const float *m, size_t plane, size_t ty0, size_t ty1, size_t tw, float bias,
                             float *y, size_t oh, size_t ow) {
    __m256 vb = _mm256_set1_ps(bias);
    for (size_t ty = ty0; ty < ty1; ty++) {
        const float *mrow = m + (ty - ty0) * tw;
        int two_rows = 2 * ty + 1 < oh;
        size_t tx = 0;
        /* full groups: 8 tiles whose 16 columns all lie inside the output */
        for (; tx + 8 <= tw && 2 * tx + 16 <= ow; tx += 8) {
            const float *p = mrow + tx;
            __m256 s[2][4];
            for (int j = 0; j < 4; j++) {
                __m256 m0 = _mm256_loadu_ps(p + j * plane), m1 = _mm256_loadu_ps(p + (4 + j) * plane);
                __m256 m2 = _mm256_loadu_ps(p + (8 + j) * plane), m3 = _mm256_loadu_ps(p + (12 + j) * plane);
                s[0][j] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
                s[1][j] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
            }
            for (int i = 0; i < 2 && (i == 0 || two_rows); i++) {
                __m256 a = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s[i][0], s[i][1]), s[i][2]), vb);
                __m256 b = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s[i][1], s[i][2]), s[i][3]), vb);
                __m256 lo = _mm256_unpacklo_ps(a, b), hi = _mm256_unpackhi_ps(a, b);
                float *row = y + (2 * ty + i) * ow + 2 * tx;
                _mm256_storeu_ps(row, _mm256_permute2f128_ps(lo, hi, 0x20));
                _mm256_storeu_ps(row + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
            }
        }
        for (; tx < tw; tx++) {
            float o[4];
            output_tile(mrow + tx, plane, o);
            store_tile(o, bias, y, oh, ow, ty, tx);
        }
    }
}
#endif

static int use_avx2(void) { return sdk_use_avx2(); }

void sdk_input_act_row(const struct sdk_input_act *act, const float *src, float *dst, size_t n) {
    if (act && act->kind) sdk_affine_act(src, dst, n, act->scale, act->shift, act->kind == 2);
    else memcpy(dst, src, n * sizeof(float));
}

void sdk_wino2_input(const float *x, size_t h, size_t w, size_t pad_top, size_t pad_left,
                     size_t ty0, size_t ty1, size_t tw, float *v, size_t plane, const struct sdk_input_act *act) {
    size_t width = 2 * tw + 2;  /* the columns the tiles read (the 8-tile loads stay inside too) */
    float strip[4 * width];
#ifdef SDK_X86
    if (use_avx2()) { input_rows_avx2(x, h, w, pad_top, pad_left, ty0, ty1, tw, v, plane, strip, width, act); return; }
#endif
    for (size_t ty = ty0; ty < ty1; ty++) {
        fill_strip(x, h, w, pad_top, pad_left, ty, strip, width, act);
        for (size_t tx = 0; tx < tw; tx++) input_tile(strip, width, tx, v + (ty - ty0) * tw + tx, plane);
    }
}

void sdk_wino2_output(const float *m, size_t plane, size_t ty0, size_t ty1, size_t tw, float bias,
                      float *y, size_t oh, size_t ow) {
#ifdef SDK_X86
    if (use_avx2()) { output_rows_avx2(m, plane, ty0, ty1, tw, bias, y, oh, ow); return; }
#endif
    for (size_t ty = ty0; ty < ty1; ty++) {
        for (size_t tx = 0; tx < tw; tx++) {
            float o[4];
            output_tile(m + (ty - ty0) * tw + tx, plane, o);
            store_tile(o, bias, y, oh, ow, ty, tx);
        }
    }
}
