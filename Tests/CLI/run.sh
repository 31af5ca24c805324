#!/usr/bin/env bash
# End-to-end tests of the sdswift command on the tiny fixture models (no Python needed).
# Usage: Tests/CLI/run.sh
#   SDSWIFT_BUILD_DIR  SwiftPM scratch folder to build in (default: .build, shared with README/CI)
#   SDSWIFT_BIN        an already built sdswift to test instead (no build)
# Prints one line per check and a final "N passed, M failed"; exits 1 if any check failed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

if [ -n "${SDSWIFT_BIN:-}" ]; then
    bin=$SDSWIFT_BIN
else
    build_dir=${SDSWIFT_BUILD_DIR:-.build}
    # SwiftPM product sdswift-cli: one product per name, and "sdswift" names the C library
    swift build --scratch-path "$build_dir" --product sdswift-cli >&2 || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
    bin="$(swift build --scratch-path "$build_dir" --show-bin-path)/sdswift-cli"
fi
if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
    echo "no sdswift executable at $bin"
    echo "0 passed, 1 failed"
    exit 1
fi

fixtures=$root/Tests/Fixtures
sd1=$fixtures/models/sd1-tiny.safetensors
sd1dir=$fixtures/models/sd1-tiny
sd2=$fixtures/models/sd2-tiny.safetensors
inpaintModel=$fixtures/models/sd1-inpaint-tiny.safetensors
image=$fixtures/images/input16.png
mask=$fixtures/images/mask16.png

work=$(mktemp -d "${TMPDIR:-/tmp}/sdswift-cli-tests.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
# Never let the machine's default model or settings leak into the tests.
unset SDSWIFT_MODEL

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok    $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1${2:+: $2}"; }

# Runs sdswift, keeping stdout/stderr in $work/stdout, $work/stderr and the status in $rc.
sds() { "$bin" "$@" >"$work/stdout" 2>"$work/stderr"; rc=$?; }

# "WxH" from a PNG's IHDR (bytes 16..23, big-endian), or "" when it is not a PNG.
png_size() {
    [ -f "$1" ] || { echo ""; return; }
    [ "$(od -An -c -j1 -N3 "$1" | tr -d ' ')" = "PNG" ] || { echo ""; return; }
    set -- $(od -An -tu1 -j16 -N8 "$1")
    echo "$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))x$(( ($5 << 24) | ($6 << 16) | ($7 << 8) | $8 ))"
}

# Whether a PNG has a tEXt chunk "parameters" containing the given text.
has_parameters() { LC_ALL=C grep -aq "tEXtparameters" "$1" && LC_ALL=C grep -aqF "$2" "$1"; }

# expect_ok NAME OUTPUT SIZE ARGS...: exit 0, OUTPUT written with SIZE and a parameters chunk.
expect_ok() {
    local name=$1 out=$2 size=$3; shift 3
    rm -f "$out"
    sds "$@" -o "$out"
    if [ $rc -ne 0 ]; then fail "$name" "exit $rc: $(head -c 300 "$work/stderr")"; return; fi
    local got; got=$(png_size "$out")
    if [ "$got" != "$size" ]; then fail "$name" "size '$got', expected $size"; return; fi
    if ! has_parameters "$out" "Version: sdswift"; then fail "$name" "no parameters chunk"; return; fi
    pass "$name"
}

# expect_error NAME STATUS ARGS...: exit STATUS, exactly one stderr line "sdswift: error: ...",
# and no file where -o points (the tests always pass -o err.png) nor any temporary file.
expect_error() {
    local name=$1 status=$2; shift 2
    rm -f err.png
    sds "$@" -o err.png
    local lines; lines=$(wc -l <"$work/stderr")
    if [ $rc -ne "$status" ]; then fail "$name" "exit $rc, expected $status: $(head -c 300 "$work/stderr")"
    elif [ "$lines" -ne 1 ] || ! grep -q '^sdswift: error: ' "$work/stderr"; then
        fail "$name" "stderr is not one 'sdswift: error:' line: $(head -c 300 "$work/stderr")"
    elif [ -e err.png ] || ls -a | grep -q 'sdswift-.*\.tmp$'; then fail "$name" "an output file was written"
    else pass "$name"; fi
}

common=(--width 16 --height 16 --steps 4 -p "a red cube" -n "blurry")

# --- txt2img
expect_ok "txt2img 16x16 writes a PNG with parameters" t1.png 16x16 txt2img -m "$sd1" "${common[@]}" --seed 42
if has_parameters t1.png "Seed: 42" && has_parameters t1.png "a red cube" && has_parameters t1.png "Negative prompt: blurry"; then
    pass "parameters hold prompt, negative prompt and seed"
else fail "parameters hold prompt, negative prompt and seed"; fi
grep -q "^t1.png" "$work/stdout" && grep -q "seed 42" "$work/stdout" && pass "stdout names the file and the seed" \
    || fail "stdout names the file and the seed" "$(cat "$work/stdout")"
expect_ok "txt2img same seed again" t2.png 16x16 txt2img -m "$sd1" "${common[@]}" --seed 42
cmp -s t1.png t2.png && pass "same seed -> identical files" || fail "same seed -> identical files"
expect_ok "txt2img other seed" t3.png 16x16 txt2img -m "$sd1" "${common[@]}" --seed 43
cmp -s t1.png t3.png && fail "other seed -> other image" || pass "other seed -> other image"
expect_ok "txt2img non-square, diffusers folder" t4.png 24x16 txt2img -m "$sd1dir" --width 24 --height 16 --steps 3 --seed 1
expect_ok "txt2img SD2 v-prediction, dpmpp_2m karras, clip skip 2" t5.png 16x16 \
    txt2img -m "$sd2" "${common[@]}" --seed 5 --sampler dpmpp_2m --karras --clip-skip 2
has_parameters t5.png "Schedule type: Karras" && has_parameters t5.png "Clip skip: 2" \
    && pass "parameters hold sampler options" || fail "parameters hold sampler options"
for sampler in euler_a ddim lcm; do
    expect_ok "txt2img sampler $sampler" "s-$sampler.png" 16x16 txt2img -m "$sd1" "${common[@]}" --seed 7 --sampler "$sampler"
done

# --- batches and output names
rm -f b-*.png
sds txt2img -m "$sd1" "${common[@]}" --seed 100 --batch 3 -o b.png
if [ $rc -eq 0 ] && [ "$(png_size b-0.png)" = 16x16 ] && [ "$(png_size b-2.png)" = 16x16 ] && [ ! -e b.png ] \
    && has_parameters b-1.png "Seed: 101" && has_parameters b-2.png "Seed: 102"; then
    pass "--batch 3 without placeholder -> b-0..2.png with seeds seed+i"
else fail "--batch 3 without placeholder" "exit $rc; $(ls b* 2>&1)"; fi
sds txt2img -m "$sd1" "${common[@]}" --seed 101 -o single.png
[ $rc -eq 0 ] && cmp -s b-1.png single.png && pass "batch image i == single run with seed+i" \
    || fail "batch image i == single run with seed+i"
sds txt2img -m "$sd1" "${common[@]}" --seed 7 --batch 2 -o 'p-{seed}-{index}.png'
[ $rc -eq 0 ] && [ -f p-7-0.png ] && [ -f p-8-1.png ] && pass "{seed} and {index} placeholders" \
    || fail "{seed} and {index} placeholders" "$(ls p-* 2>&1)"
sds txt2img -m "$sd1" "${common[@]}" --seed 9
[ $rc -eq 0 ] && [ -f sdswift-9.png ] && pass "default output sdswift-{seed}.png" || fail "default output sdswift-{seed}.png"
sds txt2img -m "$sd1" "${common[@]}" -o r.png
seed=$(sed -n 's/.*seed \([0-9]*\).*/\1/p' "$work/stdout")
[ $rc -eq 0 ] && [ -n "$seed" ] && has_parameters r.png "Seed: $seed," && pass "random seed is printed and recorded" \
    || fail "random seed is printed and recorded" "$(cat "$work/stdout")"
sds txt2img -m "$sd1" "${common[@]}" --seed 3 -q -o q.png
[ $rc -eq 0 ] && [ -f q.png ] && [ ! -s "$work/stdout" ] && [ ! -s "$work/stderr" ] && pass "--quiet prints nothing" \
    || fail "--quiet prints nothing"
sds txt2img -m "$sd1" "${common[@]}" --seed 3 -o nq.png
[ $rc -eq 0 ] && [ "$(wc -l <"$work/stderr")" -eq 1 ] && grep -q "s/step" "$work/stderr" \
    && pass "not a terminal: one progress summary line" || fail "not a terminal: one progress summary line" "$(cat "$work/stderr")"
cmp -s q.png nq.png && pass "--threads default and progress do not change the image" || fail "quiet run differs"
sds txt2img -m "$sd1" "${common[@]}" --seed 3 --threads 1 -q -o th1.png
[ $rc -eq 0 ] && cmp -s q.png th1.png && pass "--threads 1 gives the same image" || fail "--threads 1 gives the same image"
SDSWIFT_MODEL=$sd1 sds txt2img "${common[@]}" --seed 42 -o env.png
[ $rc -eq 0 ] && cmp -s env.png t1.png && pass "SDSWIFT_MODEL selects the default model" || fail "SDSWIFT_MODEL selects the default model" "exit $rc"

# --- native size: a single file's "sdswift.native_size" metadata, a diffusers folder's unet sample_size
# (sd1-tiny: 8 latent pixels x VAE factor 2). The metadata copy is made by rewriting the header in shell.
with_native_size() {   # MODEL OUT SIZE: a copy of MODEL whose __metadata__ says sdswift.native_size=SIZE
    local n header le="" i LC_ALL=C
    n=$(od -An -tu8 -N8 "$1" | tr -d ' ')
    # drop an existing entry (the fixtures state 16), then add ours first
    header=$(head -c $((8 + n)) "$1" | tail -c "$n" | sed -e 's/"sdswift.native_size":"[^"]*",\{0,1\}//' \
        -e 's/,}/}/' -e 's/"__metadata__":{/"__metadata__":{"sdswift.native_size":"'"$3"'",/' -e 's/,}/}/')
    n=${#header}
    for i in 0 1 2 3 4 5 6 7; do le="$le$(printf '\\%03o' $(( (n >> (8 * i)) & 255 )))"; done
    { printf "$le"; printf '%s' "$header"; tail -c +$((9 + $(od -An -tu8 -N8 "$1" | tr -d ' '))) "$1"; } >"$2"
}
with_native_size "$sd1" native.safetensors 24x16
sds info native.safetensors
grep -q "native size: *24x16" "$work/stdout" && pass "info shows the metadata's native size" \
    || fail "info shows the metadata's native size" "$(cat "$work/stdout" "$work/stderr")"
expect_ok "txt2img default size from sdswift.native_size" nat1.png 24x16 txt2img -m native.safetensors --steps 2 --seed 1
expect_ok "txt2img default size from a folder's sample_size" nat2.png 16x16 txt2img -m "$sd1dir" --steps 2 --seed 1

# --- image modes
expect_ok "img2img keeps the input size" i1.png 16x16 img2img -m "$sd1" --image "$image" --strength 0.6 --steps 4 --seed 1 -p "x"
has_parameters i1.png "Denoising strength: 0.6" && pass "img2img parameters hold the strength" || fail "img2img parameters hold the strength"
expect_ok "inpaint (9-channel model)" n1.png 16x16 inpaint -m "$inpaintModel" --image "$image" --mask "$mask" --steps 4 --seed 1 --feather 2 --grow 1
expect_ok "inpaint, mask shrunk (--grow -3)" n3.png 16x16 inpaint -m "$inpaintModel" --image "$image" --mask "$mask" --steps 2 --seed 1 --grow -3
expect_ok "inpaint (4-channel model), only masked" n2.png 16x16 \
    inpaint -m "$sd1" --image "$image" --mask "$mask" --steps 4 --seed 1 --strength 0.8 --only-masked --padding 2
expect_ok "outpaint 16+8+4 x 16+2+6" o1.png 28x24 \
    outpaint -m "$inpaintModel" --image "$image" --left 8 --top 2 --right 4 --bottom 6 --overlap 4 --steps 4 --seed 1
expect_ok "outpaint one side, feathered" o2.png 16x24 outpaint -m "$sd1" --image "$image" --bottom 8 --feather 2 --steps 3 --seed 1

# --- info
sds info "$sd1"
[ $rc -eq 0 ] && grep -q "SD1.x" "$work/stdout" && grep -q "single-file" "$work/stdout" && grep -q "inpainting: *no" "$work/stdout" \
    && pass "info prints family, layout, inpainting" || fail "info prints family, layout, inpainting" "$(cat "$work/stdout" "$work/stderr")"
sds info "$inpaintModel"
[ $rc -eq 0 ] && grep -q "inpainting: *yes" "$work/stdout" && pass "info: inpainting model" || fail "info: inpainting model"
sds info --json "$sd2"
[ $rc -eq 0 ] && grep -q '"family" : "SD2.x"' "$work/stdout" && grep -q '"prediction_type" : "v_prediction"' "$work/stdout" \
    && pass "info --json" || fail "info --json" "$(cat "$work/stdout" "$work/stderr")"
sds info /nonexistent/model.safetensors
[ $rc -eq 3 ] && [ "$(wc -l <"$work/stderr")" -eq 1 ] && pass "info: missing model -> status 3" || fail "info: missing model -> status 3" "exit $rc"
sds --help
[ $rc -eq 0 ] && grep -q "txt2img" "$work/stdout" && grep -q "Exit status" "$work/stdout" && pass "--help" || fail "--help"

# --- bad input: one line, documented status, nothing written
head -c 64 /dev/urandom >garbage.bin
printf 'not a png' >bad.png
expect_error "missing model" 3 txt2img -m /nonexistent/model.safetensors "${common[@]}"
expect_error "model that is not safetensors" 3 txt2img -m garbage.bin "${common[@]}"
if [ -f "$root/Models/default/sdswift-default.safetensors" ]; then
    # The binary finds the source tree's default model: `info` without a model must describe it.
    sds info
    [ $rc -eq 0 ] && grep -q "sdswift-default.safetensors" "$work/stdout" && pass "default model from the source tree" \
        || fail "default model from the source tree" "exit $rc: $(cat "$work/stderr")"
else
    expect_error "no model and no default model" 3 txt2img "${common[@]}"
fi
SDSWIFT_MODEL=/nonexistent.safetensors expect_error "SDSWIFT_MODEL pointing nowhere" 3 txt2img "${common[@]}"
expect_error "unknown sampler" 2 txt2img -m "$sd1" "${common[@]}" --sampler heun
expect_error "size not a multiple of 8" 2 txt2img -m "$sd1" --width 20 --height 16
expect_error "size too small" 2 txt2img -m "$sd1" --width 0 --height 16
expect_error "karras with ddim" 2 txt2img -m "$sd1" "${common[@]}" --sampler ddim --karras
expect_error "steps 0" 2 txt2img -m "$sd1" "${common[@]}" --steps 0
expect_error "cfg above 100" 2 txt2img -m "$sd1" "${common[@]}" --cfg 101
expect_error "bad seed" 2 txt2img -m "$sd1" "${common[@]}" --seed abc
expect_error "clip skip beyond the model" 2 txt2img -m "$sd1" "${common[@]}" --clip-skip 9
expect_error "unknown option" 2 txt2img -m "$sd1" "${common[@]}" --frobnicate
expect_error "strength above 1" 2 img2img -m "$sd1" --image "$image" --strength 1.5
expect_error "img2img without --image" 2 img2img -m "$sd1"
expect_error "outpaint without extension" 2 outpaint -m "$sd1" --image "$image"
# t4.png (24x16, made above) as the mask of the 16x16 input.
expect_error "mask of another size" 4 inpaint -m "$inpaintModel" --image "$image" --mask t4.png --steps 2
expect_error "missing input image" 4 img2img -m "$sd1" --image nothere.png
expect_error "input image not a PNG" 4 img2img -m "$sd1" --image bad.png
expect_error "missing mask" 4 inpaint -m "$sd1" --image "$image" --mask nothere.png
expect_error "missing model beats the rest" 3 inpaint -m /nonexistent.safetensors --image "$image" --mask t4.png
rm -f err.png
sds txt2img -m "$sd1" "${common[@]}" -o no/such/folder/x.png
[ $rc -eq 1 ] && [ "$(wc -l <"$work/stderr")" -eq 1 ] && [ ! -e no ] && pass "output folder missing -> status 1" \
    || fail "output folder missing -> status 1" "exit $rc"

# --- separate VAE, TAESD (previews / fast decode), timestep spacing
vaeFile=$fixtures/vae/vae-tiny-ldm.safetensors
taesd2x=$fixtures/taesd/taesd2x.safetensors
expect_ok "--vae (original-layout file without prefix)" v1.png 16x16 txt2img -m "$sd1" "${common[@]}" --seed 42 --vae "$vaeFile"
cmp -s t1.png v1.png && fail "--vae changes the image" || pass "--vae changes the image"
expect_ok "--taesd --fast-decode" f1.png 16x16 txt2img -m "$sd1" "${common[@]}" --seed 42 --taesd "$taesd2x" --fast-decode
cmp -s t1.png f1.png && fail "--fast-decode changes the image" || pass "--fast-decode changes the image"
expect_ok "--taesd alone (previews only)" f2.png 16x16 txt2img -m "$sd1" "${common[@]}" --seed 42 --taesd "$taesd2x"
cmp -s t1.png f2.png && pass "--taesd alone keeps the VAE's image" || fail "--taesd alone keeps the VAE's image"
expect_ok "SD-Turbo settings: trailing spacing, 1 step, cfg 0" tu.png 16x16 txt2img -m "$sd2" --prediction-type epsilon \
    --timestep-spacing trailing --steps 1 --cfg 0 --sampler euler_a -p "a red cube" --width 16 --height 16 --seed 3
expect_error "--fast-decode without --taesd" 2 txt2img -m "$sd1" "${common[@]}" --fast-decode
expect_error "missing --vae file" 3 txt2img -m "$sd1" "${common[@]}" --vae /nonexistent-vae.safetensors
expect_error "--taesd that does not fit the model" 3 txt2img -m "$sd1" "${common[@]}" --taesd "$fixtures/taesd/taesd-tiny"
expect_error "--vae that is not a VAE" 3 txt2img -m "$sd1" "${common[@]}" --vae "$taesd2x"

# --- mixed prompts, seed travel, animate
expect_ok "txt2img AND prompt (composable)" m1.png 16x16 txt2img -m "$sd1" --width 16 --height 16 --steps 3 --seed 4 \
    -p "a red cube AND a blue ball :0.5"
has_parameters m1.png "a red cube AND a blue ball :0.5" && pass "AND prompt kept in the parameters" || fail "AND prompt kept in the parameters"
expect_ok "txt2img AND prompt --mix blend" m2.png 16x16 txt2img -m "$sd1" --width 16 --height 16 --steps 3 --seed 4 \
    -p "a red cube AND a blue ball :0.5" --mix blend
has_parameters m2.png "Prompt mix: blend" && ! cmp -s m1.png m2.png && pass "--mix blend is another image, named in the parameters" \
    || fail "--mix blend is another image, named in the parameters"
expect_ok "--variation-seed" vs.png 16x16 txt2img -m "$sd1" "${common[@]}" --seed 42 --variation-seed 43 --variation-strength 0.3
has_parameters vs.png "Variation seed: 43, Variation seed strength: 0.3" && pass "variation seed in the parameters" \
    || fail "variation seed in the parameters"
expect_error "--variation-strength without --variation-seed" 2 txt2img -m "$sd1" "${common[@]}" --variation-strength 0.5
expect_error "--mix unknown" 2 txt2img -m "$sd1" "${common[@]}" --mix average
expect_ok "--vae-tiling on (160x160: tiled)" vt1.png 160x160 txt2img -m "$sd1" --width 160 --height 160 --steps 1 --seed 2 --vae-tiling on
expect_ok "--vae-tiling off" vt2.png 160x160 txt2img -m "$sd1" --width 160 --height 160 --steps 1 --seed 2 --vae-tiling off
cmp -s vt1.png vt2.png && fail "--vae-tiling on changes the decode" || pass "--vae-tiling on changes the decode"
expect_error "--vae-tiling unknown" 2 txt2img -m "$sd1" "${common[@]}" --vae-tiling maybe
# --rng: PyTorch's CUDA Philox generator (A1111's GPU / NV) instead of its CPU generator, same seed.
expect_ok "--rng gpu" rng-gpu.png 16x16 txt2img -m "$sd1" "${common[@]}" --seed 42 --rng gpu
expect_ok "--rng cpu" rng-cpu.png 16x16 txt2img -m "$sd1" "${common[@]}" --seed 42 --rng cpu
expect_ok "--rng NV (A1111's name)" rng-nv.png 16x16 txt2img -m "$sd1" "${common[@]}" --seed 42 --rng NV
! cmp -s rng-gpu.png rng-cpu.png && cmp -s rng-gpu.png rng-nv.png && pass "--rng gpu is another image than cpu; NV is gpu" \
    || fail "--rng gpu is another image than cpu; NV is gpu"
has_parameters rng-gpu.png ", RNG: NV," && ! has_parameters rng-cpu.png "RNG:" && pass "--rng gpu named in the parameters (RNG: NV)" \
    || fail "--rng gpu named in the parameters (RNG: NV)"
expect_error "--rng unknown" 2 txt2img -m "$sd1" "${common[@]}" --rng mt

# The pixels of a PNG: everything from the first IDAT chunk on (the parameters chunk comes before it).
pixels_of() { local at; at=$(LC_ALL=C grep -obUa IDAT "$1" | head -1 | cut -d: -f1); tail -c +"$((at + 1))" "$1"; }
same_pixels() { [ -n "$(LC_ALL=C grep -obUa IDAT "$1" | head -1)" ] && cmp -s <(pixels_of "$1") <(pixels_of "$2"); }
rm -rf anim && mkdir anim
sds animate --from "a red circle" --to "a blue square" --frames 8 --steps 8 --seed-from 3 --seed-to 5 \
    -o 'anim/frame-{frame}.png' --animation anim/all.gif
n=$(ls anim/frame-*.png 2>/dev/null | wc -l)
if [ $rc -eq 0 ] && [ "$n" -eq 8 ] && [ "$(png_size anim/frame-0.png)" = 64x64 ] && [ "$(png_size anim/frame-7.png)" = 64x64 ]; then
    pass "animate (default model): 8 frames written"
else fail "animate (default model): 8 frames written" "exit $rc, $n frames: $(head -c 300 "$work/stderr")"; fi
[ "$(head -c 6 anim/all.gif 2>/dev/null)" = "GIF89a" ] && [ "$(od -An -tu1 -j6 -N1 anim/all.gif | tr -d ' ')" = 64 ] \
    && [ "$(LC_ALL=C grep -c -a NETSCAPE2.0 anim/all.gif)" -ge 1 ] && pass "animate: a looping 64x64 GIF89a" \
    || fail "animate: a looping 64x64 GIF89a"
has_parameters anim/frame-3.png "Prompt mix: blend" && has_parameters anim/frame-3.png "Variation seed: 5" \
    && pass "animate: frames carry their parameters" || fail "animate: frames carry their parameters"
sds txt2img -p "a red circle" --steps 8 --seed 3 -o anim/first.png
[ $rc -eq 0 ] && same_pixels anim/first.png anim/frame-0.png && pass "animate: first frame == txt2img of the first prompt and seed" \
    || fail "animate: first frame == txt2img of the first prompt and seed"
sds txt2img -p "a blue square" --steps 8 --seed 5 -o anim/last.png
[ $rc -eq 0 ] && same_pixels anim/last.png anim/frame-7.png && pass "animate: last frame == txt2img of the last prompt and seed" \
    || fail "animate: last frame == txt2img of the last prompt and seed"
same_pixels anim/frame-3.png anim/frame-4.png && fail "animate: in-between frames differ" || pass "animate: in-between frames differ"
sds animate --keyframe "a red circle" --keyframe "a green star" --keyframe "a blue square" --frames 3 --steps 2 --seed-from 1 \
    --strength 0.5 -o 'anim/chain-{frame}.png' --animation ''
[ $rc -eq 0 ] && [ -f anim/chain-2.png ] && [ ! -e animation.gif ] && pass "animate: keyframes, chaining, no GIF" \
    || fail "animate: keyframes, chaining, no GIF" "exit $rc: $(head -c 300 "$work/stderr")"
for bad in "--from x" "--from x --to y --keyframe z" "--from x --to y --frames 1" "--from x --to y --strength 0" \
           "--from x --to y -o no-placeholder.png"; do
    # shellcheck disable=SC2086
    sds animate $bad
    [ $rc -eq 2 ] && [ "$(wc -l <"$work/stderr")" -eq 1 ] && pass "animate $bad -> usage error" \
        || fail "animate $bad -> usage error" "exit $rc: $(head -c 200 "$work/stderr")"
done

# --- LoRA: --lora PATH[:WEIGHT] merged for the run, --lora-dir for <lora:NAME:W> in the prompt
lora=$fixtures/lora
loraArgs=(txt2img -m "$sd1" --width 16 --height 16 --steps 3 --seed 6)
expect_ok "txt2img for the LoRA checks" l0.png 16x16 "${loraArgs[@]}" -p "a red cube"
expect_ok "--lora kohya file:0.7" l1.png 16x16 "${loraArgs[@]}" -p "a red cube" --lora "$lora/tiny-kohya.safetensors:0.7"
same_pixels l0.png l1.png && fail "--lora changes the image" || pass "--lora changes the image"
expect_ok "--lora-dir with <lora:tiny-peft:0.7>" l2.png 16x16 "${loraArgs[@]}" -p "a red cube <lora:tiny-peft:0.7>" --lora-dir "$lora"
same_pixels l1.png l2.png && has_parameters l2.png "a red cube <lora:tiny-peft:0.7>" \
    && pass "<lora:tiny-peft:0.7> = --lora tiny-kohya:0.7 (same LoRA), tag kept in the parameters" \
    || fail "<lora:tiny-peft:0.7> = --lora tiny-kohya:0.7 (same LoRA), tag kept in the parameters"
expect_ok "--lora at weight 0" l3.png 16x16 "${loraArgs[@]}" -p "a red cube" --lora "$lora/tiny-kohya.safetensors:0"
same_pixels l0.png l3.png && pass "--lora PATH:0 is the model without LoRA" || fail "--lora PATH:0 is the model without LoRA"
expect_error "missing --lora file" 3 "${loraArgs[@]}" -p x --lora /nonexistent-lora.safetensors
expect_error "--lora for another model" 3 txt2img -m "$sd2" "${common[@]}" --lora "$lora/tiny-kohya.safetensors"
expect_error "a checkpoint given as --lora" 3 "${loraArgs[@]}" -p x --lora "$sd1"
expect_error "<lora:...> without --lora-dir" 1 "${loraArgs[@]}" -p "x <lora:tiny-kohya:1>"
expect_error "unknown <lora:NAME>" 1 "${loraArgs[@]}" -p "x <lora:nothing-here:1>" --lora-dir "$lora"

# --- Ctrl-C: status 130 and no file. SIGINT is repeated until the process ends (a background job may start
# with SIGINT ignored until the program installs its handler; a second one ends it at once anyway).
rm -f c.png
"$bin" txt2img -m "$sd1" --width 64 --height 64 --steps 1000 --batch 64 --seed 1 -o c.png >"$work/stdout" 2>"$work/stderr" &
pid=$!
sleep 1
for _ in $(seq 60); do
    kill -INT $pid 2>/dev/null || break
    sleep 0.5
done
kill -KILL $pid 2>/dev/null
wait $pid; rc=$?
if [ $rc -eq 130 ] && [ ! -e c.png ] && ! ls -a | grep -q 'sdswift-.*\.tmp$'; then pass "Ctrl-C -> status 130, nothing written"
else fail "Ctrl-C -> status 130, nothing written" "exit $rc: $(cat "$work/stderr")"; fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
