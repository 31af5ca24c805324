"""A deterministic checker: which shape, colour, position and background does a 64x64 drawing show?

Used to score the default model's samples (and its VAE's reconstructions). Kept deliberately simple so
that it can be ported to another language line by line. Rules, on an RGB image with values in [0, 1]:

1. Background colour B = per-channel median of the 4-pixel-wide frame along the image border
   (the shape never touches it). Background name = the nearest BACKGROUNDS colour to B (Euclidean RGB).
2. Rough foreground: pixels whose RGB distance to B exceeds 0.2. If fewer than MIN_PIXELS: "none".
   F = mean colour of the rough foreground.
3. Foreground mask: pixels whose distance to B exceeds half the distance |F - B| (the half-way
   threshold keeps a blurred edge's area about right). Keep only its largest 4-connected component
   (ties: the first found scanning rows top to bottom, columns left to right).
   If it has fewer than MIN_PIXELS pixels: "none".
4. Colour = the nearest COLOURS entry to the mean colour of the component (Euclidean RGB).
5. Shape from the fill ratio = pixels / (width * height of the component's bounding box, in pixels):
   > 0.88 square, > 0.645 circle (ideal values: square 1.0, circle 0.785, triangle 0.5, star 0.33);
   otherwise from the base ratio = the fraction of the component's pixels among the bounding box's
   bottom q rows (q = floor(height / 4 + 0.5), at least 1) times its width: > 0.6 triangle (its base fills
   that band, measured 0.87-0.96), else star (only its two legs reach down, measured 0.24-0.42).
6. Position from the centroid's x (pixel centres at 0.5 .. 63.5): < 24 left, > 40 right, else center.
"""
import numpy as np

from drawings import BACKGROUNDS, COLOURS

MIN_PIXELS = 20
ROUGH_THRESHOLD = 0.2
BORDER = 4
SHAPE_THRESHOLDS = [(0.88, "square"), (0.645, "circle")]  # by fill ratio; below: triangle or star by base
BASE_THRESHOLD = 0.6
LEFT_OF, RIGHT_OF = 24.0, 40.0


def _nearest(colour, table):
    names = list(table)
    ref = np.array([table[n] for n in names], dtype=np.float64) / 255.0
    return names[int(np.argmin(((ref - colour) ** 2).sum(1)))]


def _largest_component(mask):
    """Largest 4-connected component of a boolean [H, W] mask, as a boolean mask (explicit BFS)."""
    h, w = mask.shape
    label = np.zeros((h, w), dtype=np.int32)
    best, best_size, current = 0, 0, 0
    for y0 in range(h):
        for x0 in range(w):
            if not mask[y0, x0] or label[y0, x0]:
                continue
            current += 1
            label[y0, x0] = current
            stack, size = [(y0, x0)], 0
            while stack:
                y, x = stack.pop()
                size += 1
                for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not label[ny, nx]:
                        label[ny, nx] = current
                        stack.append((ny, nx))
            if size > best_size:
                best, best_size = current, size
    return label == best if best else np.zeros_like(mask)


def check(image):
    """image: uint8 [64, 64, 3] (or float in [0, 1]). Returns a dict of the decided attributes."""
    img = np.asarray(image)
    img = img.astype(np.float64) / 255.0 if img.dtype == np.uint8 else img.astype(np.float64)
    h, w, _ = img.shape
    frame = np.concatenate([img[:BORDER].reshape(-1, 3), img[-BORDER:].reshape(-1, 3),
                            img[BORDER:-BORDER, :BORDER].reshape(-1, 3), img[BORDER:-BORDER, -BORDER:].reshape(-1, 3)])
    bg = np.median(frame, axis=0)
    out = dict(background=_nearest(bg, BACKGROUNDS), colour="none", shape="none", position="none",
               fill=0.0, base=0.0, cx=-1.0, pixels=0)
    dist = np.sqrt(((img - bg) ** 2).sum(-1))
    rough = dist > ROUGH_THRESHOLD
    if rough.sum() < MIN_PIXELS:
        return out
    fg = img[rough].mean(0)
    mask = _largest_component(dist > 0.5 * np.sqrt(((fg - bg) ** 2).sum()))
    n = int(mask.sum())
    if n < MIN_PIXELS:
        return out
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    fill = n / float((x1 - x0 + 1) * (y1 - y0 + 1))
    q = max(1, int((y1 - y0 + 1) / 4.0 + 0.5))
    base = mask[y1 - q + 1:y1 + 1, x0:x1 + 1].mean()
    cx = xs.mean() + 0.5
    out.update(colour=_nearest(img[mask].mean(0), COLOURS), fill=fill, base=float(base), cx=cx, pixels=n)
    by_fill = next((name for t, name in SHAPE_THRESHOLDS if fill > t), None)
    out["shape"] = by_fill or ("triangle" if base > BASE_THRESHOLD else "star")
    out["position"] = "left" if cx < LEFT_OF else "right" if cx > RIGHT_OF else "center"
    return out


def score(images, attrs):
    """Fractions of images whose checked colour/shape/position/background match attrs
    (tuples (shape, colour, position, background)), plus 'all' (every attribute right)."""
    keys = ["shape", "colour", "position", "background"]
    hits = {k: 0 for k in keys + ["all"]}
    for img, a in zip(images, attrs):
        c = check(img)
        ok = [c[k] == v for k, v in zip(keys, a)]
        for k, o in zip(keys, ok):
            hits[k] += o
        hits["all"] += all(ok)
    return {k: v / max(1, len(attrs)) for k, v in hits.items()}
