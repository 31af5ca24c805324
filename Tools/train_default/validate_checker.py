"""Validates checker.py on ground-truth drawings (must score ~100%) and prints fill-ratio ranges."""
import sys
from collections import defaultdict

import numpy as np

import checker
import drawings

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
images, attrs, _ = drawings.dataset(n, seed=123)
fills, cxs = defaultdict(list), defaultdict(list)
wrong = 0
for img, a in zip(images, attrs):
    c = checker.check(img)
    fills[a[0]].append(c["fill"])
    cxs[a[2]].append(c["cx"])
    if (c["shape"], c["colour"], c["position"], c["background"]) != a:
        wrong += 1
        if wrong <= 10:
            print("WRONG", a, c)
for k, v in fills.items():
    print(f"fill {k:9s} min {min(v):.3f} max {max(v):.3f}")
for k, v in cxs.items():
    print(f"cx   {k:9s} min {min(v):.1f} max {max(v):.1f}")
print("score", checker.score(images, attrs))
unjittered = [drawings.draw(*a) for a in drawings.all_combinations()]
print("unjittered", checker.score(unjittered, drawings.all_combinations()))
