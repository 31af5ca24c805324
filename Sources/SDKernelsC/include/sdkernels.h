/* Hot element-wise and normalisation kernels in plain C.
 * Each has a portable build and an AVX2/FMA build chosen at load time (target_clones,
 * resolved through an ifunc), so the library is fast where AVX2 exists and never executes
 * an illegal instruction where it does not. Matrix products go to BLAS, not here. */
#ifndef SDKERNELS_H
#define SDKERNELS_H
#include <stddef.h>
#include <stdint.h>

/* 1 when the CPU running us has AVX2 and FMA (the fast clones are in use). */
int sdk_cpu_has_avx2_fma(void);
/* 1 when the CPU (and OS) has AVX-512 F/CD/BW/DQ/VL: OpenBLAS's SkylakeX kernels can run. */
int sdk_cpu_has_avx512_skx(void);
/* 1 when the hand-written AVX2/FMA kernels run: the CPU has them and they are not switched off. */
int sdk_use_avx2(void);
/* Tests and comparisons: nonzero makes the kernels with a hand-written AVX2 path (softmax, norms,
 * activations, Winograd transforms) take their portable path. */
void sdk_force_portable_kernels(int on);
/* 1 when the few AVX-512 kernels (attention) run: the CPU has AVX-512 F/DQ/VL and they are not
 * switched off (sdk_disable_avx512_kernels, for comparisons; the portable switch turns them off too). */
int sdk_use_avx512(void);
void sdk_disable_avx512_kernels(int off);

void sdk_silu(float *x, size_t n);
void sdk_gelu(float *x, size_t n);           /* exact, erf based (torch default) */
void sdk_quick_gelu(float *x, size_t n);     /* x * sigmoid(1.702 x) (CLIP ViT-L) */
/* out[i] = a[i] * gelu(gate[i]) for rows of `cols`: GEGLU where one row holds [a | gate]. */
void sdk_geglu(const float *in, float *out, size_t rows, size_t cols);
void sdk_add(float *y, const float *x, size_t n);              /* y += x */
void sdk_scale(float *y, float s, size_t n);                   /* y *= s */
/* y[c*hw + i] += bias[c] */
void sdk_add_channel_bias(float *y, const float *bias, size_t channels, size_t hw);
/* y[r*cols + j] += bias[j] */
void sdk_add_row_bias(float *y, const float *bias, size_t rows, size_t cols);

/* GroupNorm over one sample laid out [C][HW]; optional SiLU afterwards. In-place allowed. */
void sdk_group_norm(const float *x, float *y, size_t channels, size_t hw, size_t groups,
                    const float *gamma, const float *beta, float eps, int fuse_silu);
/* GroupNorm's statistics as a per-channel affine map: normalised x[c] = scale[c] * x[c] + shift[c]. */
void sdk_group_norm_affine(const float *x, size_t channels, size_t hw, size_t groups,
                           const float *gamma, const float *beta, float eps, float *scale, float *shift);
/* y[i] = a x[i] + b, then SiLU when silu is nonzero (GroupNorm's second half). In-place allowed. */
void sdk_affine_act(const float *x, float *y, size_t n, float a, float b, int silu);
/* LayerNorm over rows of `cols`. In-place allowed. */
void sdk_layer_norm(const float *x, float *y, size_t rows, size_t cols,
                    const float *gamma, const float *beta, float eps);
/* Row-wise softmax of x*scale, in place. */
void sdk_softmax_rows(float *x, size_t rows, size_t cols, float scale);

/* Attention of one head in tiles (attention.c), single-threaded: o[i] = sum_j softmax_j(scale q_i.k_j) v_j
 * for t queries (rows of q, ldq floats apart) and s keys/values, head size d; o rows ldo apart.
 * work: sdk_attention_work_floats(d) floats. Only where sdk_attention_supported(d). */
int sdk_attention_supported(size_t d);
size_t sdk_attention_work_floats(size_t d);
void sdk_attention_head(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                        float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work);

/* im2col for one image [C][H][W] and a kh x kw kernel, output rows [out_y0, out_y0 + out_rows)
 * only -> col[C*kh*kw][out_rows*outW] (a band, so big convolutions need no full-size buffer).
 * Padding may differ per side (the VAE pads only bottom/right before a stride-2 conv).
 * col_ld: distance between col's rows (0: out_rows * out_w; larger puts several images side by side). */
void sdk_im2col(const float *x, size_t channels, size_t height, size_t width,
                size_t kh, size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                size_t out_y0, size_t out_rows, size_t out_w, float *col, size_t col_ld);

/* Products with few columns and half-precision weights widened as they are packed (gemmh_tiles.h), for
 * weight rows [m0, m1) (a thread's share): y[i][j] = sum_k w[i][k] x[k][j], j < n; w: halves, rows ldw
 * apart; x: floats (an im2col matrix), rows ldx apart; y: rows ldy apart;
 * work: sdk_gemm_half_work_floats(n, k) floats.
 * Single-threaded; only where sdk_gemm_half_supported(k). */
int sdk_gemm_half_supported(size_t k);
size_t sdk_gemm_half_work_floats(size_t n, size_t k);
void sdk_gemm_half(size_t m0, size_t m1, size_t n, size_t k, const uint16_t *w, size_t ldw, const float *x, size_t ldx,
                   float *y, size_t ldy, float *work);

/* Winograd products straight from half-precision filters w[cout][cin][3][3] (gemmh_tiles.h), F(2x2, 3x3)
 * (tile 2: 16 positions) or F(4x4, 3x3) (tile 4: 36): for output channels i in [m0, m1) (a thread's
 * share), positions xi (sdwinograd.h) and j < n,
 *   m[xi * planem + i * ldm + j] = sum_c U_xi[i][c] v[xi * planev + c * ldv + j],  U = G g G^T,
 * the filters transformed while packed (no transformed copy exists). ldv >= n rounded up to 32, and v's
 * rows readable that far. work: sdk_wino_half_work_floats() floats. Single-threaded; only where
 * sdk_gemm_half_supported(cin). */
size_t sdk_wino_half_work_floats(void);
void sdk_wino_half(int tile, size_t m0, size_t m1, size_t n, size_t cin, const uint16_t *w, const float *v,
                   size_t ldv, size_t planev, float *m, size_t ldm, size_t planem, float *work);

/* Nearest-neighbour 2x upsampling of [C][H][W] -> [C][2H][2W]. */
void sdk_upsample_nearest2x(const float *x, float *y, size_t channels, size_t height, size_t width);

/* Row-major single-precision C = alpha op(A) op(B) + beta C through OpenBLAS (loaded at first use,
 * see blas.c), or a portable C product when OpenBLAS cannot be loaded. */
void sdk_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);
void sdk_blas_set_threads(int n);
int sdk_blas_get_threads(void);
/* The plain C product that runs when no OpenBLAS loads (tests compare BLAS with it). */
void sdk_sgemm_portable(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc);
/* Which OpenBLAS kernels run ("Haswell", ...), or that the portable product does. */
const char *sdk_blas_core_name(void);

void sdk_f16_to_f32(const uint16_t *src, float *dst, size_t n);
void sdk_bf16_to_f32(const uint16_t *src, float *dst, size_t n);

#include "sdwinograd.h" /* Winograd F(2x2, 3x3) convolution transforms */
#endif
