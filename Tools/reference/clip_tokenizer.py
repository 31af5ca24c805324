"""The CLIP BPE tokenizer, built offline from open_clip's vocabulary file.

Single-file checkpoints carry no tokenizer, so the engine ships the 48,894 BPE merges
(Sources/SDTokenizer/Resources/clip_merges.txt). The vocabulary is implied by them:
  ids 0..255       the 256 byte-level unicode characters (GPT-2 bytes_to_unicode order)
  ids 256..511     the same characters + "</w>"
  ids 512..49405   "".join(merge) for each merge, in file order
  49406, 49407     <|startoftext|>, <|endoftext|>
SD1 pads with <|endoftext|> (49407); SD2 pads with "!" (id 0).
"""
import gzip
import os

NUM_MERGES = 49152 - 256 - 2  # 48894, as in OpenAI CLIP / open_clip
BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def openclip_bpe_path():
    import open_clip
    return os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz")


def openclip_license_path():
    """The LICENSE file of the installed open_clip_torch distribution."""
    from importlib.metadata import distribution
    dist = distribution("open_clip_torch")
    for f in dist.files or []:
        if os.path.basename(str(f)) == "LICENSE":
            return str(dist.locate_file(f))
    raise FileNotFoundError("open_clip_torch LICENSE not found in its dist-info")


def load_merges():
    """The merges used by CLIP: the first NUM_MERGES lines after the header line."""
    with gzip.open(openclip_bpe_path(), "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = lines[1:1 + NUM_MERGES]
    assert len(merges) == NUM_MERGES and all(len(m.split(" ")) == 2 for m in merges)
    return merges


def build_vocab(merges):
    chars = list(bytes_to_unicode().values())
    tokens = chars + [c + "</w>" for c in chars] + ["".join(m.split(" ")) for m in merges] + [BOS, EOS]
    vocab = {t: i for i, t in enumerate(tokens)}
    assert len(vocab) == 49408 and vocab[BOS] == 49406 and vocab[EOS] == 49407
    return vocab


def make_tokenizer(pad_token=EOS, merges=None):
    """A transformers CLIPTokenizer equal to the one diffusers loads from an SD folder."""
    from transformers import CLIPTokenizer
    merges = merges or load_merges()
    vocab = build_vocab(merges)
    return CLIPTokenizer(vocab=vocab, merges=[tuple(m.split(" ")) for m in merges],
                         pad_token=pad_token, model_max_length=77)


def openclip_ids(prompt):
    """BPE ids (no BOS/EOS) from open_clip's SimpleTokenizer (ftfy + html-unescape cleaning)."""
    from open_clip.tokenizer import SimpleTokenizer
    global _simple
    try:
        _simple
    except NameError:
        _simple = SimpleTokenizer()
    return _simple.encode(prompt)


# Prompts chosen to exercise every corner of the pre-tokenizer and normalizer.
HARD_PROMPTS = [
    "a photograph of an astronaut riding a horse",
    "",
    "A Cat, a DOG; and... a BIRD!!! (masterpiece:1.2) [best quality] {highres}",
    "it's what they're doing: don't stop, we've I'm you'll he'd",
    "IT'S ALL CAPS AND SHOUTING",
    "numbers 1234.5 and 3.14159, 1e10, 2024-01-31 12:34 #42 $9.99 50%",
    "café naïve résumé Ångström façade über",
    "emoji 🐱🚀 and ❤️ with 👍🏽 skin tone",
    "日本語のテキスト 中文字符 한국어",
    "multiple   spaces\tand\ttabs\nand\nnew lines  \n\t  end",
    "   leading and trailing whitespace   ",
    "html entities &amp; &lt;tag&gt; &quot;quoted&quot; &#39;apostrophe&#39;",
    "curly ‘quotes’ and “double quotes” — em dash – en dash … ellipsis",
    "snake_case camelCase kebab-case path/to/file.png user@example.com https://example.com/a?b=c",
    "<|startoftext|> literal special tokens <|endoftext|>",
    "a " + " ".join(["very"] * 20) + " detailed portrait of a " + ", ".join(
        ["beautiful woman", "intricate", "elegant", "highly detailed", "digital painting", "artstation",
         "concept art", "smooth", "sharp focus", "illustration", "art by artgerm and greg rutkowski and alphonse mucha",
         "golden hour", "volumetric lighting", "octane render", "8k", "trending on pixiv", "cinematic composition",
         "dramatic shadows", "soft rim light", "shallow depth of field", "bokeh", "film grain", "kodak portra 400",
         "35mm photograph", "masterpiece", "award winning", "unreal engine 5", "ray tracing", "hdr", "ultra wide angle",
         "symmetrical face", "flowing hair", "ornate jewelry", "baroque background", "hyperrealistic"]),
]


def token_fixture(prompt, tok_sd1, tok_sd2):
    bpe = tok_sd1(prompt, add_special_tokens=False)["input_ids"]
    sd1 = tok_sd1(prompt, padding="max_length", max_length=77, truncation=True)["input_ids"]
    sd2 = tok_sd2(prompt, padding="max_length", max_length=77, truncation=True)["input_ids"]
    assert len(sd1) == 77 and len(sd2) == 77
    return {"prompt": prompt, "bpe": bpe, "sd1": sd1, "sd2": sd2,
            "same_as_openclip": bpe == openclip_ids(prompt)}
