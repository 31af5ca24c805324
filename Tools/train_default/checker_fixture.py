"""Test vectors for ports of checker.py (Tests/Fixtures/checker/): 64x64 images in one PNG strip and
checker.py's verdict on each. Images: 36 ground-truth drawings (every shape x colour x position, seeds
fixed) and, when given, the 48 samples of a training evaluation grid (real model output: blurred edges,
stray pixels), so a port is checked where it matters.
Usage: python checker_fixture.py [RUN_DIR/samples_NNNNNN.png]
"""
import json
import os
import random
import sys

import numpy as np
from PIL import Image

import checker
import drawings

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "checker")


def main():
    rng = random.Random(77)
    images, truth = [], []
    for i, (s, c, p) in enumerate((s, c, p) for s in drawings.SHAPES for c in list(drawings.COLOURS)[:3] for p in drawings.POSITIONS):
        b = list(drawings.BACKGROUNDS)[i % 3]
        images.append(drawings.draw(s, c, p, b, rng=rng))
        truth.append(dict(shape=s, colour=c, position=p, background=b))
    if len(sys.argv) > 1:
        grid = np.asarray(Image.open(sys.argv[1]).convert("RGB"))
        for y in range(0, grid.shape[0], 64):
            for x in range(0, grid.shape[1], 64):
                images.append(grid[y:y + 64, x:x + 64])
                truth.append(None)
    strip = np.concatenate(images, axis=1)
    os.makedirs(OUT, exist_ok=True)
    Image.fromarray(strip).save(os.path.join(OUT, "images.png"), optimize=True)
    verdicts = []
    for img, t in zip(images, truth):
        v = checker.check(img)
        verdicts.append({k: v[k] for k in ("shape", "colour", "position", "background")} | {"truth": t})
    with open(os.path.join(OUT, "verdicts.json"), "w") as f:
        json.dump(verdicts, f, indent=0)
    print(f"{len(images)} images, {sum(t is not None for t in truth)} ground truth")


if __name__ == "__main__":
    main()
