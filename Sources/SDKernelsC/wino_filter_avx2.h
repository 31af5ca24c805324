/* wino_filter_vec.h with AVX2 vectors, for winograd.c and winograd4.c (each includes it inside its
 * SDK_X86 block, after <immintrin.h>): filter_avx2 transforms 8 filters (r, ci..ci+7) at a time with
 * F(2x2, 3x3) (tile 2) or F(4x4, 3x3) (tile 4) and returns the filters done; the caller's portable
 * loop does the rest in the same order of operations. */
#define TARGET __attribute__((target("avx2,fma")))
#define VEC __m256
#define IVEC __m256i
#define VL 8
#define NAME(x) wino_avx2_##x
#define VSET1 _mm256_set1_ps
#define VADD _mm256_add_ps
#define VSUB _mm256_sub_ps
#define VMUL _mm256_mul_ps
#define VSTORE _mm256_storeu_ps
#define VGATHER(p, i) _mm256_i32gather_ps((p), (i), 4)
#include "wino_filter_vec.h"

TARGET static size_t filter_avx2(int tile, const float *w, size_t r, size_t cin, float *u, size_t plane,
                                 size_t row_stride) {
    const __m256i idx = _mm256_setr_epi32(0, 9, 18, 27, 36, 45, 54, 63);
    size_t ci = 0;
    for (; ci + 8 <= cin; ci += 8) {
        if (tile == 2)
            wino_avx2_filter2(w + (r * cin + ci) * 9, idx, u + r * row_stride + ci, plane);
        else
            wino_avx2_filter4(w + (r * cin + ci) * 9, idx, u + r * row_stride + ci, plane);
    }
    return ci;
}
