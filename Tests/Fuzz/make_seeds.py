"""Makes the committed seed corpora under Tests/Fuzz/corpus/ (run once; the fuzz runner never needs
Python). Seeds are small, valid or nearly valid inputs that start the fuzzer inside each format:
  safetensors/  tiny files of every dtype, odd header lengths, metadata, empty tensors
  layout/       the tensor lists (name dtype shape) of the SD1, SD2 and inpainting tiny fixtures
  config/       the tiny fixtures' config.json files (first byte: 0 text, 1 UNet, 2 VAE, 3 scheduler)
  png/          gray, RGB, RGBA, palette, 1-bit and 16-bit PNGs, one with a parameters chunk
  tokenizer/    prompts: ASCII, weights syntax, special tokens, accents, CJK, emoji, long with commas
Usage: /work/venv/bin/python Tests/Fuzz/make_seeds.py
"""
import io
import json
import os
import struct

import numpy as np
from PIL import Image, PngImagePlugin

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures")


def put(kind, name, data):
    os.makedirs(os.path.join(root, kind), exist_ok=True)
    with open(os.path.join(root, kind, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors(tensors, metadata=None, pad_to=8):
    """tensors: name -> (dtype, shape, raw bytes)."""
    header, data, offset = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    while pad_to and len(text) % pad_to:
        text += b" "
    return struct.pack("<Q", len(text)) + text + data


f32 = np.arange(6, dtype=np.float32).tobytes()
f16 = np.array([0, 1, -2, 65504, np.inf, np.nan], dtype=np.float16).tobytes()
bf16 = (np.array([1, -1, 3.5, 1e30], dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16).tobytes()
put("safetensors", "f32", safetensors({"w": ("F32", [2, 3], f32)}))
put("safetensors", "mixed", safetensors({"a": ("F16", [6], f16), "b": ("BF16", [2, 2], bf16),
                                         "c": ("I32", [2], struct.pack("<ii", 7, -7))}, {"format": "pt"}))
put("safetensors", "odd-header", safetensors({"h": ("F16", [3], f16[:6])}, pad_to=0))
put("safetensors", "empty-tensor", safetensors({"e": ("F32", [0, 4], b""), "s": ("F32", [], f32[:4])}))
put("safetensors", "i64-u8", safetensors({"ids": ("I64", [1, 2], struct.pack("<qq", 1, 2)),
                                          "m": ("U8", [4], b"\x01\x02\x03\x04")}))
put("safetensors", "empty-header", struct.pack("<Q", 2) + b"{}")

for model in ["sd1-tiny", "sd2-tiny", "sd1-inpaint-tiny"]:
    with open(os.path.join(fixtures, "models", model + ".safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    lines = [f"{k} {v['dtype']} {','.join(map(str, v['shape']))}" for k, v in header.items() if k != "__metadata__"]
    put("layout", model, "\n".join(lines) + "\n")

for kind, component, file in [(0, "text_encoder", "config.json"), (1, "unet", "config.json"),
                              (2, "vae", "config.json"), (3, "scheduler", "scheduler_config.json")]:
    for model in ["sd1-tiny", "sd2-tiny"]:
        with open(os.path.join(fixtures, "models", model, component, file), "rb") as f:
            put("config", f"{model}-{component}", bytes([kind]) + f.read())


def png(img, **kw):
    out = io.BytesIO()
    img.save(out, format="PNG", **kw)
    return out.getvalue()


rgb = Image.fromarray((np.arange(8 * 6 * 3) * 7 % 256).astype(np.uint8).reshape(6, 8, 3))
info = PngImagePlugin.PngInfo()
info.add_text("parameters", "a lighthouse\nSteps: 20, Sampler: Euler, Seed: 1")
put("png", "rgb-parameters.png", png(rgb, pnginfo=info))
put("png", "gray.png", png(rgb.convert("L")))
put("png", "rgba.png", png(rgb.convert("RGBA")))
put("png", "gray-alpha.png", png(rgb.convert("LA")))
put("png", "palette.png", png(rgb.convert("P")))
put("png", "bilevel.png", png(rgb.convert("1")))
put("png", "gray16.png", png(Image.fromarray((np.arange(48) * 1000).astype(np.uint16).reshape(6, 8))))
for name in ["input16.png", "mask16.png"]:
    with open(os.path.join(fixtures, "images", name), "rb") as f:
        put("png", name, f.read())

prompts = {
    "plain": "a lighthouse at dusk, oil painting",
    "weights": "(masterpiece:1.2), [blurry], a cat!!! on a mat",
    "special": "<|startoftext|>hello<|endoftext|> <|ENDOFTEXT|> world",
    "accents": "caf\u00e9 na\u00efve \u00c5ngstr\u00f6m   \t  tabs\nnewlines",
    "cjk-emoji": "\u5c71\u6c34\u753b \U0001F3DE\uFE0F \u0645\u0631\u062d\u0628\u0627 \u00bd\u2153 123456789",
    "long": ", ".join(f"word{i} detail" for i in range(120)),
}
for name, text in prompts.items():
    put("tokenizer", name, text)
print("seeds written to", root)
