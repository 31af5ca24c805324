"""The training data of the embedded default model: 64x64 drawings of one shape with a caption.

A drawing is one filled shape (circle, square, triangle, star) in one colour, at one horizontal
position (left, center, right; always vertically centred), on a plain background. Size and position
are jittered a little so the model sees more than 240 distinct images. Shapes are drawn 4x larger and
box-filtered down, so their edges are anti-aliased like a real picture.

Caption template (every attribute word is one CLIP token):
    "a red circle on the left, white background"
    "a blue star in the center, black background"
"""
import math
import random

import numpy as np
from PIL import Image, ImageDraw

SIZE = 64
SUPER = 4  # supersampling factor for anti-aliased edges

SHAPES = ["circle", "square", "triangle", "star"]
COLOURS = {  # sRGB 0..255; chosen far from each other and from every background
    "red": (220, 30, 30),
    "green": (30, 170, 50),
    "blue": (30, 60, 220),
    "yellow": (240, 210, 20),
    "purple": (140, 40, 180),
}
BACKGROUNDS = {"white": (255, 255, 255), "black": (0, 0, 0), "gray": (128, 128, 128)}
POSITIONS = {"left": 16, "center": 32, "right": 48}  # centre x in pixels (before jitter)
POSITION_PHRASE = {"left": "on the left", "center": "in the center", "right": "on the right"}

RADIUS = (9.0, 12.0)  # half the shape's extent, in pixels (uniform)
JITTER = 2.5          # +- pixels of the centre, both axes
STAR_INNER = 0.38     # inner/outer radius of the 5-point star (a pentagram: 0.382)


def caption(shape, colour, position, background):
    return f"a {colour} {shape} {POSITION_PHRASE[position]}, {background} background"


def partial_captions(shape, colour, position, background):
    """Shorter captions of the same drawing, as people type them ("a green square"): the position, the
    background or both left out (then the model chooses them)."""
    return [f"a {colour} {shape}", f"a {colour} {shape} {POSITION_PHRASE[position]}",
            f"a {colour} {shape}, {background} background"]


def all_combinations():
    return [(s, c, p, b) for s in SHAPES for c in COLOURS for p in POSITIONS for b in BACKGROUNDS]


def _polygon(shape, cx, cy, r):
    if shape == "square":
        return [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    if shape == "triangle":  # pointing up, filling its bounding box 2r x 2r
        return [(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    if shape == "star":  # 5 points, one pointing up; shifted so its bounding box is centred
        pts = []
        for k in range(10):
            rad = r if k % 2 == 0 else r * STAR_INNER
            a = -math.pi / 2 + k * math.pi / 5
            pts.append((rad * math.cos(a), rad * math.sin(a)))
        ys = [p[1] for p in pts]
        dy = -(min(ys) + max(ys)) / 2
        return [(cx + x, cy + y + dy) for x, y in pts]
    raise ValueError(shape)


def draw(shape, colour, position, background, rng=None):
    """An RGB uint8 array [64, 64, 3]. rng: random.Random for the jitter (None: no jitter, mean size)."""
    if rng is None:
        r, jx, jy = sum(RADIUS) / 2, 0.0, 0.0
    else:
        r, jx, jy = rng.uniform(*RADIUS), rng.uniform(-JITTER, JITTER), rng.uniform(-JITTER, JITTER)
    cx, cy = POSITIONS[position] + jx, SIZE / 2 + jy
    S = SUPER
    img = Image.new("RGB", (SIZE * S, SIZE * S), BACKGROUNDS[background])
    d = ImageDraw.Draw(img)
    fill = COLOURS[colour]
    if shape == "circle":
        d.ellipse([(cx - r) * S, (cy - r) * S, (cx + r) * S, (cy + r) * S], fill=fill)
    else:
        d.polygon([(x * S, y * S) for x, y in _polygon(shape, cx, cy, r)], fill=fill)
    img = img.resize((SIZE, SIZE), Image.BOX)
    return np.asarray(img, dtype=np.uint8)


def sample(rng):
    """A random (attributes, image, caption) triple."""
    attrs = (rng.choice(SHAPES), rng.choice(list(COLOURS)), rng.choice(list(POSITIONS)), rng.choice(list(BACKGROUNDS)))
    return attrs, draw(*attrs, rng=rng), caption(*attrs)


def dataset(n, seed):
    """n drawings as uint8 [n, 64, 64, 3], their attributes and captions: every combination n // 180
    times, the remainder drawn without repeats, in random order."""
    rng = random.Random(seed)
    combos = all_combinations()
    attrs = combos * (n // len(combos)) + rng.sample(combos, n % len(combos))
    rng.shuffle(attrs)
    images = np.stack([draw(*a, rng=rng) for a in attrs])
    return images, attrs, [caption(*a) for a in attrs]
