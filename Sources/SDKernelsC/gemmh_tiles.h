/* Products with half-precision weights read as stored, for few columns: for i in [m0, m1), j < n
 *   y[i][j] = sum_k w[i][k] x[k][j]
 * (w: halves, rows ldw apart; x: floats (an im2col matrix), rows ldx apart; y: rows ldy apart).
 * Where n is small (the UNet's 8 x 8 and 4 x 4 maps against 1280 x 11520 weights) the product is bound
 * by reading the weights: widening them to a Float32 copy first writes and reads 8 more bytes per
 * weight, and a Winograd filter transform more still. Here they are widened a cache-sized block at a
 * time: a plain blocked GEMM with a register tile of MR weight rows x NR columns. (One thread, 1280 x
 * 11520 weights: 1.8x widening plus OpenBLAS at 32 columns, 1.15x at 128; a linear layer over 128
 * tokens measured slower in the UNet than widening plus OpenBLAS on 2 threads, so only convolutions
 * use it.)
 *   x packed into panels of NR columns [k][NR] (zeros past n), a chunk of KC along k at a time;
 *   for each block of MC weight rows, for each chunk of k: the rows widened side by side (row-major,
 *     KC apart: the tile broadcasts each row's values in place, so they are never transposed into
 *     [k][MR] panels: 1.1-1.3x at 32 columns); every (row panel, column panel) pair: MR x NR sums in
 *     registers over the chunk, added to y.
 * Included by gemmh_avx2.c and gemmh_avx512.c after they define VEC, VL, TARGET, NAME(x), MR, NV
 * (NR = NV * VL), KC, MC (multiples of 4 and MR), VLOAD, VSTORE, VSET1, VZERO, VFMA(a, b, c) = a * b + c,
 * VADD, WIDEN(src, dst, count), and for the Winograd products VMUL, VSUB, IVEC, VIDX9() (lane i: 9 i) and
 * VGATHER(base, idx). */
#define NR (NV * VL)

size_t NAME(work_floats)(size_t n, size_t k) { return (size_t)MC * KC + k * ((n + NR - 1) / NR * NR) + MR * NR; }

/* acc = A (MR x kc: row r, column k at ap[k * ka + r * ra]) . bp (kc x NR, rows ldb apart: NR when packed);
 * y tile (+)= acc for its first mr rows and nr columns; ahead > 0: B's row k + ahead prefetched at row k.
 * Inlined into the two tiles (rows KC and WKC apart) with constant strides, so the compiler addresses A
 * with fixed offsets. */
__attribute__((always_inline)) TARGET static inline void NAME(tile_body)(size_t kc, const float *ap, size_t ka, size_t ra,
                                                                       const float *bp, size_t ldb, size_t ahead,
                                                                       float *y, size_t ldy, size_t mr, size_t nr, int add,
                                                                       float *spill) {
    VEC acc[MR][NV];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = VZERO();
    for (size_t k = 0; k < kc; k++) {
        VEC b[NV];
        for (int v = 0; v < NV; v++) b[v] = VLOAD(bp + k * ldb + v * VL);
        if (ahead)
            for (int v = 0; v < NV * VL; v += 16) _mm_prefetch((const char *)(bp + (k + ahead) * ldb + v), _MM_HINT_T0);
        for (int r = 0; r < MR; r++) {
            VEC a = VSET1(ap[k * ka + r * ra]);
            for (int v = 0; v < NV; v++) acc[r][v] = VFMA(a, b[v], acc[r][v]);
        }
    }
    if (mr == MR && nr == NR) {
        for (int r = 0; r < MR; r++)
            for (int v = 0; v < NV; v++) {
                float *p = y + r * ldy + v * VL;
                VSTORE(p, add ? VADD(acc[r][v], VLOAD(p)) : acc[r][v]);
            }
        return;
    }
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NV; v++) VSTORE(spill + r * NR + v * VL, acc[r][v]);
    for (size_t r = 0; r < mr; r++)
        for (size_t j = 0; j < nr; j++) {
            float *p = y + r * ldy + j;
            *p = add ? *p + spill[r * NR + j] : spill[r * NR + j];
        }
}

/* A row-major, rows KC apart. Not inlined: inside the packing loops clang kept fewer accumulators in
 * registers. */
__attribute__((noinline)) TARGET static void NAME(tile_kc)(size_t kc, const float *ap, const float *bp, size_t ldb,
                                                           float *y, size_t ldy, size_t mr, size_t nr, int add,
                                                           float *spill) {
    NAME(tile_body)(kc, ap, 1, KC, bp, ldb, 0, y, ldy, mr, nr, add, spill);
}

TARGET void NAME(rows)(size_t m0, size_t m1, size_t n, size_t k, const uint16_t *w, size_t ldw, const float *x,
                       size_t ldx, float *y, size_t ldy, float *work) {
    if (m0 >= m1 || n == 0) return;
    size_t np = (n + NR - 1) / NR * NR;
    float *ap = work, *bp = ap + (size_t)MC * KC, *spill = bp + k * np;
    /* all of x as column panels, chunk by chunk: chunk k0's panel j0 at bp + k0 * np + j0 * kc, [kk][NR] */
    for (size_t k0 = 0; k0 < k; k0 += KC) {
        size_t kc = k - k0 < KC ? k - k0 : KC;
        for (size_t j0 = 0; j0 < np; j0 += NR) {
            float *panel = bp + k0 * np + j0 * kc;
            size_t nr = n - j0 < NR ? n - j0 : NR;
            for (size_t kk = 0; kk < kc; kk++) {
                memcpy(panel + kk * NR, x + (k0 + kk) * ldx + j0, nr * sizeof(float));
                memset(panel + kk * NR + nr, 0, (NR - nr) * sizeof(float));
            }
        }
    }
    /* a block of weight rows at a time, along k: each row is read front to back (and the next chunk
     * prefetched while this one is used) */
    for (size_t i0 = m0; i0 < m1; i0 += MC) {
        size_t mc = m1 - i0 < MC ? m1 - i0 : MC;
        for (size_t k0 = 0; k0 < k; k0 += KC) {
            size_t kc = k - k0 < KC ? k - k0 : KC;
            /* the block's rows widened side by side ([r][KC]; rows past mc zero), read in place by the tiles */
            for (size_t r = 0; r < (mc + MR - 1) / MR * MR; r++) {
                if (r < mc) {
                    const uint16_t *src = w + (i0 + r) * ldw + k0;
                    if (k0 + KC < k)
                        for (size_t kk = 0; kk < KC; kk += 32) _mm_prefetch((const char *)(src + KC + kk), _MM_HINT_T0);
                    WIDEN(src, ap + r * KC, kc);
                } else {
                    memset(ap + r * KC, 0, kc * sizeof(float));
                }
            }
            for (size_t j0 = 0; j0 < n; j0 += NR)
                for (size_t r0 = 0; r0 < mc; r0 += MR)
                    NAME(tile_kc)(kc, ap + r0 * KC, bp + k0 * np + j0 * kc, NR, y + (i0 + r0) * ldy + j0, ldy,
                                  mc - r0 < MR ? mc - r0 : MR, n - j0 < NR ? n - j0 : NR, k0 > 0, spill);
        }
    }
}

/* Winograd products with the filters transformed from half precision as they are packed
 * (sdk_wino_half in sdkernels.h), F(2x2, 3x3) with 16 positions and F(4x4, 3x3) with 36. For small maps
 * (the UNet's 16 x 16 and 32 x 32 levels: 128 tiles) the transformed filters U = G g G^T are 16/9 or 4x
 * the weights in Float32: made up front they went to memory and back, and were packed again by sgemm,
 * for few multiply-adds each. Here a block of output channels (WMC(P)) x WKC input channels is widened
 * and transformed into P panels per MR rows (wino_filter_vec.h: the arithmetic of winograd.c's and winograd4.c's
 * filter transforms), which stay in L2 while each position's product reads its rows of V in place (rows
 * ldv apart, one position's rows together, so no packing of V) and adds into M. */
#define WMC(P) ((P) == 16 ? 8 * MR : 4 * MR)
#define WKC 128

size_t NAME(wino_work_floats)(void) { return 36 * (size_t)WMC(36) * WKC + 9 * WKC + MR * NR; }

#include "wino_filter_vec.h"

/* The P transformed panels of rows [i0, i0 + mr) (zeros from mr to MR), input channels [k0, k0 + kc):
 * position xi's panel at ap + xi * stride, row-major (row r's kc values at r * WKC): the transform's
 * vectors run along the input channels of one row, and the tile reads A rows in place. */
TARGET static void NAME(wino_pack)(int P, const uint16_t *w, size_t cin, size_t i0, size_t mr, size_t k0,
                                   size_t kc, float *taps, float *ap, size_t stride) {
    const IVEC idx = VIDX9();
    for (size_t r = 0; r < MR; r++) {
        float *rr = ap + r * WKC;
        if (r >= mr) {
            for (int xi = 0; xi < P; xi++) memset(rr + xi * stride, 0, kc * sizeof(float));
            continue;
        }
        WIDEN(w + ((i0 + r) * cin + k0) * 9, taps, kc * 9);
        for (size_t kk = 0; kk < kc; kk += VL) {
            if (P == 16)
                NAME(filter2)(taps + kk * 9, idx, rr + kk, stride);
            else
                NAME(filter4)(taps + kk * 9, idx, rr + kk, stride);
        }
    }
}

/* A row-major (rows WKC apart). B is V in place, rows ldv apart, whose first reader in a block takes it
 * from L3: prefetched 16 rows ahead (the 4x4 product at 128 tiles 8-15% faster, measured). */
__attribute__((noinline)) TARGET static void NAME(tile_rows)(size_t kc, const float *ap, const float *bp, size_t ldb,
                                                             float *y, size_t ldy, size_t mr, size_t nr, int add,
                                                             float *spill) {
    NAME(tile_body)(kc, ap, 1, WKC, bp, ldb, 16, y, ldy, mr, nr, add, spill);
}

TARGET void NAME(wino_rows)(int tile, size_t m0, size_t m1, size_t n, size_t cin, const uint16_t *w,
                            const float *v, size_t ldv, size_t planev, float *m, size_t ldm, size_t planem,
                            float *work) {
    if (m0 >= m1 || n == 0) return;
    const int P = tile == 4 ? 36 : 16;
    const size_t wmc = WMC(P);
    float *ablock = work, *taps = ablock + 36 * (size_t)WMC(36) * WKC, *spill = taps + 9 * WKC;
    for (size_t i0 = m0; i0 < m1; i0 += wmc) {
        size_t mc = m1 - i0 < wmc ? m1 - i0 : wmc, panels = (mc + MR - 1) / MR, stride = panels * MR * WKC;
        for (size_t k0 = 0; k0 < cin; k0 += WKC) {
            size_t kc = cin - k0 < WKC ? cin - k0 : WKC;
            for (size_t p = 0; p < panels; p++)
                NAME(wino_pack)(P, w, cin, i0 + p * MR, mc - p * MR < MR ? mc - p * MR : MR, k0, kc, taps,
                                ablock + p * MR * WKC, stride);
            for (int xi = 0; xi < P; xi++) {
                const float *vx = v + xi * planev + k0 * ldv;
                float *mx = m + xi * planem;
                for (size_t j0 = 0; j0 < n; j0 += NR)
                    for (size_t p = 0; p < panels; p++)
                        NAME(tile_rows)(kc, ablock + xi * stride + p * MR * WKC, vx + j0, ldv,
                                        mx + (i0 + p * MR) * ldm + j0, ldm, mc - p * MR < MR ? mc - p * MR : MR,
                                        n - j0 < NR ? n - j0 : NR, k0 > 0, spill);
            }
        }
    }
}

#undef WMC
#undef WKC
#undef NR
