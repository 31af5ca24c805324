/* Winograd filter transforms U = G g G^T on vectors of VL filters, written once for any vector width:
 * the taps of filter l (9 floats, [3][3]) at g + l * 9 (gathered by idx: lane l at 9 l), position xi's
 * VL values stored at o + xi * ps. The one arithmetic of both winograd.c and winograd4.c (whose
 * portable loops repeat its order of operations, so both paths give the same bits) and of the products
 * that transform filters while packing them (gemmh_tiles.h).
 * Included after defining VEC, IVEC, VL, TARGET, NAME(x), VSET1, VADD, VSUB, VMUL, VSTORE, VGATHER(base, idx). */

/* F(2x2, 3x3): G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], 16 positions. */
TARGET static inline void NAME(filter2)(const float *g, IVEC idx, float *o, size_t ps) {
    const VEC half = VSET1(0.5f);
    VEC t[4][3];
    for (int j = 0; j < 3; j++) {
        VEC g0 = VGATHER(g + j, idx), g1 = VGATHER(g + 3 + j, idx), g2 = VGATHER(g + 6 + j, idx);
        VEC s02 = VADD(g0, g2);
        t[0][j] = g0;
        t[1][j] = VMUL(half, VADD(s02, g1));
        t[2][j] = VMUL(half, VSUB(s02, g1));
        t[3][j] = g2;
    }
    for (int i = 0; i < 4; i++) {
        VEC a = t[i][0], b = t[i][1], c = t[i][2], ac = VADD(a, c);
        VSTORE(o + (4 * i + 0) * ps, a);
        VSTORE(o + (4 * i + 1) * ps, VMUL(half, VADD(ac, b)));
        VSTORE(o + (4 * i + 2) * ps, VMUL(half, VSUB(ac, b)));
        VSTORE(o + (4 * i + 3) * ps, c);
    }
}

/* F(4x4, 3x3): G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1],
 * 36 positions. */
TARGET static inline void NAME(filter4)(const float *g, IVEC idx, float *o, size_t ps) {
    const VEC quarter = VSET1(0.25f), m6 = VSET1(-1.0f / 6), c24 = VSET1(1.0f / 24), c6 = VSET1(1.0f / 6);
    const VEC c12 = VSET1(1.0f / 12);
    VEC t[6][3];
    for (int j = 0; j < 3; j++) {
        VEC g0 = VGATHER(g + j, idx), g1 = VGATHER(g + 3 + j, idx), g2 = VGATHER(g + 6 + j, idx);
        VEC s02 = VADD(g0, g2), q = VADD(VMUL(g0, c24), VMUL(g2, c6)), h = VMUL(g1, c12);
        t[0][j] = VMUL(g0, quarter);
        t[1][j] = VMUL(VADD(s02, g1), m6);
        t[2][j] = VMUL(VSUB(s02, g1), m6);
        t[3][j] = VADD(q, h);
        t[4][j] = VSUB(q, h);
        t[5][j] = g2;
    }
    for (int i = 0; i < 6; i++) {
        VEC a = t[i][0], b = t[i][1], c = t[i][2], ac = VADD(a, c);
        VEC q = VADD(VMUL(a, c24), VMUL(c, c6)), h = VMUL(b, c12);
        VSTORE(o + (6 * i + 0) * ps, VMUL(a, quarter));
        VSTORE(o + (6 * i + 1) * ps, VMUL(VADD(ac, b), m6));
        VSTORE(o + (6 * i + 2) * ps, VMUL(VSUB(ac, b), m6));
        VSTORE(o + (6 * i + 3) * ps, VADD(q, h));
        VSTORE(o + (6 * i + 4) * ps, VSUB(q, h));
        VSTORE(o + (6 * i + 5) * ps, c);
    }
}
