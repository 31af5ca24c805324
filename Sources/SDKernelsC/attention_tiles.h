/* Attention of one head with the scores transposed, written once for any vector width: a vector
 * holds VL query rows, so
 *   S^T[j][r] = sum_c k[j][c] (scale log2(e) q[r][c])    a key broadcast times a vector of Q^T's column c,
 *   the running max and sum of each row are plain vector max and add across keys (no horizontal
 *   reductions), and
 *   O^T[c][r] += v[j][c] P^T[j][r]               a value broadcast times a vector of P^T's row j,
 * which needs no padding of the head size (40 in SD1) to the vector width and reads K and V where
 * they lie (no packed copies). Query rows go in groups of TR = NV vectors; TG groups take each block
 * of TKB keys in turn, so a block of K and V is read from memory once per TG * TR rows (the VAE's
 * single head of 512 channels has 8 MB of K and 8 MB of V). The tokens x tokens matrix never exists:
 * a group keeps TKB x TR scores.
 *
 * Included by attention_avx2.c and attention_avx512.c after they define:
 *   VEC, VL (lanes), TARGET (the function attribute), NAME(x) (a per-width name), NV (vectors per
 *   group), TU (keys of a score tile), CU (channels of an output tile; d % CU == 0), TG, TKB,
 *   VLOAD, VSTORE, VSET1, VZERO, VFMA(a, b, c) = a * b + c, VMAX, VADD, VSUB, VMUL, VEXP2 (2^x, x <= 0).
 * The caller guarantees d % 8 == 0. */
#define TR (NV * VL)

size_t NAME(work_floats)(size_t d) { return 2 * TG * d * TR + TKB * TR + 2 * TG * TR; }

/* st[u][0..TR) = S^T rows of keys j..j+TU for the group's rows (qt: d x TR, scaled); keys past `last`
 * read key `last` again (a copy of a real score cannot change the maximum, and the callers use only
 * the real keys' scores); mx: the running maximum of each row, updated. */
TARGET static inline void NAME(score_tile)(const float *qt, const float *k, size_t ldk, size_t j, size_t last,
                                           size_t d, float *st, VEC mx[NV]) {
    const float *kr[TU];
    for (int u = 0; u < TU; u++) kr[u] = k + (j + u < last ? j + u : last) * ldk;
    VEC a[TU][NV];
    for (int u = 0; u < TU; u++)
        for (int w = 0; w < NV; w++) a[u][w] = VZERO();
    for (size_t c = 0; c < d; c++) {
        VEC qv[NV];
        for (int w = 0; w < NV; w++) qv[w] = VLOAD(qt + c * TR + w * VL);
        for (int u = 0; u < TU; u++) {
            VEC kb = VSET1(kr[u][c]);
            for (int w = 0; w < NV; w++) a[u][w] = VFMA(kb, qv[w], a[u][w]);
        }
    }
    for (int u = 0; u < TU; u++)
        for (int w = 0; w < NV; w++) {
            VSTORE(st + u * TR + w * VL, a[u][w]);
            mx[w] = VMAX(mx[w], a[u][w]);
        }
}

/* ot[c][0..TR) = alpha * ot[c] + sum_{j < jn} v[j][c] pt[j] for all d channels, CU at a time. */
TARGET static void NAME(value_tile)(const float *pt, const float *v, size_t ldv, size_t jn, size_t d, float *ot,
                                    const VEC alpha[NV]) {
    for (size_t c0 = 0; c0 < d; c0 += CU) {
        VEC x[CU][NV];
        for (int u = 0; u < CU; u++)
            for (int w = 0; w < NV; w++) x[u][w] = VMUL(VLOAD(ot + (c0 + u) * TR + w * VL), alpha[w]);
        for (size_t j = 0; j < jn; j++) {
            VEC p[NV];
            for (int w = 0; w < NV; w++) p[w] = VLOAD(pt + j * TR + w * VL);
            const float *vr = v + j * ldv + c0;
            for (int u = 0; u < CU; u++) {
                VEC vb = VSET1(vr[u]);
                for (int w = 0; w < NV; w++) x[u][w] = VFMA(vb, p[w], x[u][w]);
            }
        }
        for (int u = 0; u < CU; u++)
            for (int w = 0; w < NV; w++) VSTORE(ot + (c0 + u) * TR + w * VL, x[u][w]);
    }
}

TARGET void NAME(head)(const float *q, size_t ldq, const float *k, size_t ldk, const float *v, size_t ldv,
                       float *o, size_t ldo, size_t t, size_t s, size_t d, float scale, float *work) {
    /* scores in base 2: e^(x - m) = 2^(x log2(e) - m'), and 2^x costs fewer operations than e^x */
    const float scale2 = scale * 1.44269504088896341f;
    float *qt = work, *ot = qt + TG * d * TR, *st = ot + TG * d * TR, *m = st + TKB * TR, *l = m + TG * TR;
    for (size_t b0 = 0; b0 < t; b0 += TG * TR) {
        size_t groups = (t - b0 + TR - 1) / TR < TG ? (t - b0 + TR - 1) / TR : TG;
        /* Q^T of each group, scaled; rows past t are zero (their outputs are not written) */
        for (size_t g = 0; g < groups; g++) {
            float *qg = qt + g * d * TR;
            for (size_t r = 0; r < TR; r++) {
                size_t row = b0 + g * TR + r;
                if (row < t)
                    for (size_t c = 0; c < d; c++) qg[c * TR + r] = q[row * ldq + c] * scale2;
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
                VEC mx[NV], nm[NV], alpha[NV], sum[NV];
                for (int w = 0; w < NV; w++) mx[w] = VSET1(-INFINITY);
                for (size_t jj = 0; jj < jn; jj += TU)
                    NAME(score_tile)(qt + g * d * TR, k, ldk, j0 + jj, s - 1, d, st + jj * TR, mx);
                /* running softmax: the new maximum, the factor for what came before (0 while the
                 * maximum was -inf), 2^(score - maximum) in place, the new sum */
                for (int w = 0; w < NV; w++) {
                    VEC old = VLOAD(mg + w * VL);
                    nm[w] = VMAX(old, mx[w]);
                    alpha[w] = VEXP2(VSUB(old, nm[w]));
                    sum[w] = VZERO();
                    VSTORE(mg + w * VL, nm[w]);
                }
                for (size_t j = 0; j < jn; j++)
                    for (int w = 0; w < NV; w++) {
                        VEC e = VEXP2(VSUB(VLOAD(st + j * TR + w * VL), nm[w]));
                        VSTORE(st + j * TR + w * VL, e);
                        sum[w] = VADD(sum[w], e);
                    }
                for (int w = 0; w < NV; w++) VSTORE(lg + w * VL, VFMA(VLOAD(lg + w * VL), alpha[w], sum[w]));
                NAME(value_tile)(st, v + j0 * ldv, ldv, jn, d, ot + g * d * TR, alpha);
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

#undef TR
