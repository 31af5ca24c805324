"""Writes Tests/Fixtures/philox_randn.json: normal values of AUTOMATIC1111's "NV" random source
(modules/rng_philox.py: torch.randn on CUDA computed on the CPU) for seeds 0, 1, 42, 2^32-1 and one
64-bit seed, shapes (1,4,64,64) and (2,4,8,8): the first 16 and last 4 values of the first draw, the
exactly rounded sum of all its values (math.fsum; a check on every value), and the first 4 of the second draw
(offset 1). The engine's PhiloxGenerator must reproduce them
(Tests/SDModelsTests/PhiloxTests.swift).

The algorithm, written here from its description (numpy only, no torch, no GPU):
  - Philox4x32-10 (Salmon et al., SC11; Random123): counter c0..c3, key k0 k1; 10 rounds of
      (hi0, lo0) = M0 * c0, (hi1, lo1) = M1 * c2,
      c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0), then k += (W0, W1) between rounds;
    M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85.
  - Value i of a draw: counter (offset, 0, i, 0), key = the 64-bit seed (low word, high word); this is
    curand_init(seed, subsequence=i, offset=4*offset) as torch's CUDA kernels call it, with one
    thread per element. Each draw moves the offset on by 1.
  - Box-Muller on the first two output words, keeping the sine half (curand's result.x):
      u = x * I + I/2, v = y * J + J/2, value = float32(sqrt(-2 log u) * sin v)
    with I = float32(2.3283064e-10) (= 2^-32) and J = float32(2.3283064e-10 * 6.2831855). As in
    A1111's numpy code the products, log, sqrt and sin are float64 (uint32 * float32 arrays promote to
    float64 in numpy); only the constants are float32 and the result is rounded to float32.

  /work/venv/bin/python Tools/reference/philox_table.py
"""
import json
import math
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

M = (0xD2511F53, 0xCD9E8D57)
W = (0x9E3779B9, 0xBB67AE85)
I = np.float32(2.3283064e-10)
J = np.float32(2.3283064e-10 * 6.2831855)


def philox4x32_10(c, k):
    """c: 4 uint32 arrays, k: 2 uint32 arrays (all the same length). Returns the 4 output words."""
    c = [x.astype(np.uint64) for x in c]
    k0, k1 = (x.astype(np.uint64) for x in k)
    mask = np.uint64(0xFFFFFFFF)
    for r in range(10):
        p0 = c[0] * np.uint64(M[0])
        p1 = c[2] * np.uint64(M[1])
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k0, p1 & mask, (p0 >> np.uint64(32)) ^ c[3] ^ k1, p0 & mask]
        if r < 9:
            k0 = (k0 + np.uint64(W[0])) & mask
            k1 = (k1 + np.uint64(W[1])) & mask
    return [x.astype(np.uint32) for x in c]


def randn(seed, offset, n):
    i = np.arange(n, dtype=np.uint64)
    zeros = np.zeros(n, dtype=np.uint32)
    counter = [np.full(n, offset & 0xFFFFFFFF, dtype=np.uint32), np.full(n, offset >> 32, dtype=np.uint32),
               (i & np.uint64(0xFFFFFFFF)).astype(np.uint32), (i >> np.uint64(32)).astype(np.uint32)]
    key = [np.full(n, seed & 0xFFFFFFFF, dtype=np.uint32), np.full(n, seed >> 32, dtype=np.uint32)]
    g = philox4x32_10(counter, key)
    u = g[0].astype(np.float64) * np.float64(I) + np.float64(I / np.float32(2))
    v = g[1].astype(np.float64) * np.float64(J) + np.float64(J / np.float32(2))
    return (np.sqrt(-2.0 * np.log(u)) * np.sin(v)).astype(np.float32)


def check_known_answers():
    """Random123 tests/kat_vectors, the three philox4x32 10 lines (commit 9545ff64)."""
    kat = [((0, 0, 0, 0), (0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
           ((0xffffffff,) * 4, (0xffffffff,) * 2, (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
           ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
            (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1))]
    for c, k, want in kat:
        got = philox4x32_10([np.array([x], dtype=np.uint32) for x in c], [np.array([x], dtype=np.uint32) for x in k])
        assert tuple(int(x[0]) for x in got) == want, (c, k, got)
    # The expected output in the docstring of A1111's modules/rng_philox.py (Generator(seed=0).randn((3, 4)));
    # it rounds like torch.manual_seed(0); torch.randn(3, 4, device="cuda") (-0.9247, -0.4253, ...). A1111's own
    # float64 code gives these to within 3e-7, not exactly: the docstring looks like real CUDA output, whose
    # float32 logf/__sincosf differ in the last bits.
    doc = [-0.92466259, -0.42534415, -2.6438457, 0.14518388, -0.12086647, -0.57972564, -0.62285122,
           -0.32838709, -1.07454231, -0.36314407, -1.67105067, 2.26550497]
    assert np.max(np.abs(randn(0, 0, 12) - np.array(doc))) < 1e-6


def main():
    check_known_answers()
    cases = []
    for seed in [0, 1, 42, 2 ** 32 - 1, 2 ** 40 + 7]:
        for shape in [(1, 4, 64, 64), (2, 4, 8, 8)]:
            n = int(np.prod(shape))
            first, second = randn(seed, 0, n), randn(seed, 1, n)
            cases.append({"seed": seed, "shape": list(shape), "first16": [float(x) for x in first[:16]],
                          "last4": [float(x) for x in first[-4:]], "second_first4": [float(x) for x in second[:4]],
                          "sum": math.fsum(float(x) for x in first)})
    source = (f"Tools/reference/philox_table.py (numpy {np.__version__}): AUTOMATIC1111's NV source "
              "(modules/rng_philox.py), Philox4x32-10 + Box-Muller sine half in float64, rounded to float32")
    with open(os.path.join(ROOT, "Tests", "Fixtures", "philox_randn.json"), "w") as f:
        json.dump({"source": source, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
