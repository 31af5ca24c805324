/* Winograd F(2x2, 3x3): a stride-1 3x3 convolution as 16 matrix products over 2x2 output tiles
 * (2.25x fewer multiplications than the direct product). The three transforms are here; the 16
 * products [Cout x Cin] x [Cin x tiles] go to sgemm (Conv2d.swift drives the whole).
 *
 * Layouts: U (transformed filters of P output channels: Cin values per filter and position), V
 * (transformed input tiles: a row of tile columns per input channel and position), M (products: a row
 * per output channel and position); position xi = 4 * row + col of the 4x4 transform domain, its
 * rows `plane` floats from those of the next position (Conv2d.swift keeps a channel's positions
 * together: plane = one padded row). A tile column is one 2x2 output tile: tile (ty, tx) of a tile row
 * is column col0 + tx.
 * Each has an AVX2/FMA path chosen at run time and a portable one. */
#ifndef SDWINOGRAD_H
#define SDWINOGRAD_H
#include <stddef.h>

/* What the input transforms apply to each input value before transforming it (padding stays zero):
 * kind 0 nothing, 1 scale * x + shift, 2 SiLU(scale * x + shift), so a GroupNorm(+SiLU) in front of
 * the convolution needs no normalised copy of its input. NULL: nothing. */
struct sdk_input_act { float scale, shift; int kind; };
/* dst[0..n) = act(src[0..n)) */
void sdk_input_act_row(const struct sdk_input_act *act, const float *src, float *dst, size_t n);

/* Filters w[rows][cin][3][3] (torch layout) -> u[xi * plane + r * row_stride + ci], rows r in [0, rows). */
void sdk_wino2_filter(const float *w, size_t rows, size_t cin, float *u, size_t plane, size_t row_stride);

/* One input channel x[h][w], tile rows [ty0, ty1) of tw tiles each; tile (ty, tx) covers input rows
 * 2ty - pad_top .. +3 and columns 2tx - pad_left .. +3 (outside the image: zero).
 * Writes v[xi * plane + (ty - ty0) * tw + tx]; act (may be NULL) applies to x's values first. */
void sdk_wino2_input(const float *x, size_t h, size_t w, size_t pad_top, size_t pad_left,
                     size_t ty0, size_t ty1, size_t tw, float *v, size_t plane, const struct sdk_input_act *act);

/* One output channel: tile rows [ty0, ty1) of m (m[xi * plane + (ty - ty0) * tw + tx]) -> y[oh][ow]
 * (rows 2ty, 2ty+1 and columns 2tx, 2tx+1 that lie inside it), plus bias. */
void sdk_wino2_output(const float *m, size_t plane, size_t ty0, size_t ty1, size_t tw, float bias,
                      float *y, size_t oh, size_t ow);

/* Winograd F(4x4, 3x3) (winograd4.c): 4x4 output tiles, 36 positions xi = 6 * row + col, the same
 * layouts otherwise; tile (ty, tx) covers input rows 4ty - pad_top .. +5 and columns 4tx - pad_left .. +5.
 * vec: nonzero for the AVX2 path, which orders the tiles of each group of 8 differently; pass the same
 * value (sdk_use_avx2()) to the input and output transforms of one convolution. */
void sdk_wino4_filter(const float *w, size_t rows, size_t cin, float *u, size_t plane, size_t row_stride, int vec);
void sdk_wino4_input(const float *x, size_t h, size_t w, size_t pad_top, size_t pad_left,
                     size_t ty0, size_t ty1, size_t tw, float *v, size_t plane, int vec,
                     const struct sdk_input_act *act);
void sdk_wino4_output(const float *m, size_t plane, size_t ty0, size_t ty1, size_t tw, float bias,
                      float *y, size_t oh, size_t ow, int vec);
#endif
