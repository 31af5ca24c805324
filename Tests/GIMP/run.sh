#!/bin/bash
# Headless tests of the GIMP 2.10 plug-in (Plugins/gimp): builds and installs it into a fresh GIMP
# profile in a temp folder, runs cases.scm and cancel.scm in gimp-console-2.10 with the tiny fixture
# models, and checks what GIMP printed and the pixels of the PNGs the scripts saved.
# Needs gimp, libgimp2.0-dev (Tools/run-tests.sh installs them). Installs nothing.
# Prints "N passed, M failed" last; exits non-zero on any failure.
# Env: KEEP_TMP=1 keeps the temp folder (profile, scripts, PNGs, GIMP's output) for a look.
#      SDSWIFT_PREFIX (a libsdswift prefix to use as it is; default: build/, which the plug-in's
#      Makefile (re)builds with Tools/build_library.sh when it is missing or older than the sources).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
make_args=()
if [ -n "${SDSWIFT_PREFIX:-}" ]; then
    case $SDSWIFT_PREFIX in /*) ;; *) SDSWIFT_PREFIX="$root/$SDSWIFT_PREFIX" ;; esac
    make_args=(SDSWIFT_PREFIX="$SDSWIFT_PREFIX")
else
    SDSWIFT_PREFIX=$root/build
fi
model=$root/Tests/Fixtures/models/sd1-tiny.safetensors
inpaint_model=$root/Tests/Fixtures/models/sd1-inpaint-tiny.safetensors
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

tmp=$(mktemp -d)
if [ "${KEEP_TMP:-0}" = 1 ]; then echo "== keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
profile=$tmp/profile

for tool in gimp-console-2.10 pkg-config cc; do
    command -v $tool >/dev/null || { fail "$tool is not installed (apt-get install gimp libgimp2.0-dev)"; finish; }
done
for f in "$model" "$inpaint_model"; do [ -f "$f" ] || { fail "fixture $f is missing"; finish; }; done

# GIMP always exits 0 and hangs without (gimp-quit 0): a timeout, a fresh profile (HOME too, so
# nothing of the user's leaks in), and the output is checked instead of the exit code.
gimp_batch() {  # gimp_batch OUTFILE SCRIPT [env assignments...]
    local out=$1 script=$2; shift 2
    env GIMP2_DIRECTORY="$profile" HOME="$tmp/home" "$@" \
        timeout 300 gimp-console-2.10 -i -b "(load \"$script\")" -b '(gimp-quit 0)' > "$out" 2>&1
    echo "gimp exit code $?" >> "$out"
}

# ---- a fresh profile, created by GIMP itself, then the plug-in installed into it
mkdir -p "$tmp/home"
env GIMP2_DIRECTORY="$profile" HOME="$tmp/home" timeout 120 gimp-console-2.10 -i -b '(gimp-quit 0)' > "$tmp/first-run.txt" 2>&1
check "GIMP created a fresh profile" test -d "$profile/plug-ins"
if ! make -s -C Plugins/gimp install PROFILE="$profile" BUILD="$tmp/build" "${make_args[@]}" > "$tmp/make.txt" 2>&1; then
    cat "$tmp/make.txt"; fail "make -C Plugins/gimp install"; finish
fi
pass "make -C Plugins/gimp install"
plugdir=$profile/plug-ins/sdswift
check "installed plug-in is executable" test -x "$plugdir/sdswift"
check "libsdswift installed next to it" test -f "$plugdir/$(basename "$(readlink -f "$SDSWIFT_PREFIX/lib/libsdswift.so")")"
check "the plug-in has RUNPATH \$ORIGIN" bash -c "readelf -d '$plugdir/sdswift' | grep -q 'RUNPATH.*\[\\\$ORIGIN\]'"
check "the plug-in resolves libsdswift from its folder" bash -c "ldd '$plugdir/sdswift' | grep -q '$plugdir/libsdswift'"
# (only the plug-in's own sources: a library build may print Swift's warnings into the same log)
if grep -Eq "gimp/src/[a-z_]+\.[ch]:[0-9]+:[0-9]+: warning" "$tmp/make.txt"; then
    fail "the plug-in compiles with warnings:"; grep -E "gimp/src/.*warning" "$tmp/make.txt"
else pass "the plug-in compiles without warnings (-Wall -Wextra)"; fi

# ---- the input picture and the pixel checker (libsdswift's PNG code; no Python)
cc -std=c99 -O1 -Wall -I"$SDSWIFT_PREFIX/include" -o "$tmp/pngcheck" Tests/GIMP/pngcheck.c \
    -L"$SDSWIFT_PREFIX/lib" -lsdswift -Wl,-rpath,"$SDSWIFT_PREFIX/lib" || { fail "compile pngcheck"; finish; }
"$tmp/pngcheck" make "$tmp/in.png" 64 64 || { fail "make the input PNG"; finish; }

for f in cases cancel; do
    sed -e "s|@TMP@|$tmp|g" -e "s|@MODEL@|$model|g" -e "s|@INPAINT_MODEL@|$inpaint_model|g" \
        Tests/GIMP/$f.scm > "$tmp/$f.scm"
done

# ---- all cases in one GIMP; $SDSWIFT_MODEL serves the case with an empty model argument
start=$(date +%s)
mkdir -p "$tmp/dump"
gimp_batch "$tmp/cases.txt" "$tmp/cases.scm" SDSWIFT_MODEL="$model" SDSWIFT_GIMP_DUMP="$tmp/dump"
echo "== cases ran in $(( $(date +%s) - start )) s"
out=$tmp/cases.txt
check "GIMP reached the end of the script (sentinel)" grep -q "SDSWIFT-GIMP-TEST-DONE" "$out"
check "no plug-in crash" bash -c "! grep -Eqi 'Plug-in crashed|wire read|terminated' '$out'"
fact_line() { grep -o "FACT $1 .*" "$out" | head -1; }
fact() {  # fact CASE KEY
    fact_line "$1" | sed -e 's/ name=.*//' | tr ' ' '\n' | sed -n "s/^$2=//p"
}
expect() {  # expect CASE KEY VALUE
    local got; got=$(fact "$1" "$2")
    if [ "$got" = "$3" ]; then pass "$1: $2 = $3"; else fail "$1: $2 is '$got', expected '$3'"; fi
}
diff_counts() {  # diff_counts A B BX BY X Y W H -> sets in_diff in_total out_diff out_total
    local line; line=$("$tmp/pngcheck" diff "$tmp/$1" "$tmp/$2" "$3" "$4" "$5" "$6" "$7" "$8") || line="inside=-1/-1 outside=-1/-1"
    in_diff=${line#inside=}; in_diff=${in_diff%%/*}
    in_total=${line#*inside=*/}; in_total=${in_total%% *}
    out_diff=${line#*outside=}; out_diff=${out_diff%%/*}
    out_total=${line##*/}
}
same_pixels() { diff_counts "$1" "$2" 0 0 0 0 0 0; [ "$out_diff" = 0 ] && [ "$out_total" -gt 0 ]; }
for c in inpaint inpaint_offset img2img img2img_gray img2img_16bit txt2img_sel txt2img outpaint; do
    if [ -z "$(fact "$c" w)" ]; then
        fail "$c: no result ($(fact_line "$c"))"
        grep -B1 -A2 "error for procedure" "$out" | head -8
        continue
    fi
    expect $c pos "$(( $(fact $c srcpos) - 1 ))"
    expect $c sameparent 1
    expect $c parasite 1
    expect $c active 1
    name=$(fact_line $c | sed 's/.* name=//')
    seed=$(fact $c seed)
    if [[ "$name" == *"(seed $seed)" ]]; then pass "$c: layer named after prompt and seed: $name"; else fail "$c: layer name '$name' (seed $seed)"; fi
done
check "parameters parasite: prompt, steps and seed" bash -c "grep -A2 'PARAMETERS inpaint: a red fox' '$out' | grep -q 'Steps: 4.*Seed: 42'"

# inpaint: 64x64 layer at 0,0; outside the selection exactly the source, inside repainted
if [ -n "$(fact inpaint w)" ]; then
    expect inpaint w 64; expect inpaint h 64; expect inpaint x 0; expect inpaint y 0; expect inpaint mask 1; expect inpaint seed 42
    diff_counts inpaint_new.png inpaint_src.png 0 0 16 16 32 32
    check "inpaint: pixels outside the selection equal the source ($out_diff of $out_total differ)" test "$out_diff" = 0 -a "$out_total" = 3072
    check "inpaint: pixels inside the selection changed ($in_diff of $in_total)" test "$in_diff" -gt $((in_total / 2))
    check "inpaint: source layer unchanged" same_pixels inpaint_src.png in.png
    check "inpaint: the source's transparent corner stays transparent" \
        bash -c "'$tmp/pngcheck' alpha '$tmp/inpaint_new.png' | grep -q '^transparent=64 '"
fi

# inpaint on an offset layer in a group, through its layer mask, feathered ellipse, only masked
if [ -n "$(fact inpaint_offset w)" ]; then
    expect inpaint_offset w 64; expect inpaint_offset h 64; expect inpaint_offset x 20; expect inpaint_offset y 12
    expect inpaint_offset srcx 20; expect inpaint_offset srcy 12; expect inpaint_offset mask 1; expect inpaint_offset seed 7
    # ellipse 36,28 32x24 in the image = 16,16 32x24 in the layer, plus 4 px of feathering
    diff_counts offset_new.png offset_src.png 0 0 12 12 40 32
    check "offset inpaint: outside the feathered selection equals the source ($out_diff of $out_total differ)" test "$out_diff" = 0
    check "offset inpaint: inside changed ($in_diff of $in_total)" test "$in_diff" -gt $((in_total / 3))
    check "offset inpaint: source layer unchanged" same_pixels offset_src.png in.png
    check "offset inpaint: the user's layer mask unchanged" same_pixels offset_usermask_after.png offset_usermask_before.png
    diff_counts offset_newmask.png offset_usermask_before.png 0 0 0 0 0 0
    levels=$("$tmp/pngcheck" distinct "$tmp/offset_newmask.png")
    check "offset inpaint: the new layer's mask is soft (feathered selection: $levels levels)" test "$levels" -gt 10
    # GIMP's composite of the new layer through its soft mask equals the engine's own blend
    engine_out=$tmp/dump/plug-in-sdswift-inpaint-seed7-output.png
    if [ -f "$engine_out" ]; then
        line=$("$tmp/pngcheck" maxdiff "$tmp/offset_visible.png" "$engine_out" -20 -12)
        check "offset inpaint: what GIMP shows equals the engine's result, soft edge included ($line)" \
            bash -c "[[ '$line' =~ ^max=[01]\  ]] && [[ ! '$line' =~ /0$ ]]"
    else
        fail "offset inpaint: SDSWIFT_GIMP_DUMP wrote no engine output"
    fi
fi

# img2img on a selection: a 40x24 layer over the selection, masked by it
if [ -n "$(fact img2img w)" ]; then
    expect img2img w 40; expect img2img h 24; expect img2img x 8; expect img2img y 8; expect img2img mask 1
    diff_counts img2img_new.png img2img_src.png 8 8 0 0 40 24
    check "img2img: the selected area changed ($in_diff of $in_total)" test "$in_diff" -gt $((in_total / 2))
    check "img2img: source layer unchanged" same_pixels img2img_src.png in.png
fi

# img2img on a grayscale layer without selection: a gray 64x64 layer, random seed reported
if [ -n "$(fact img2img_gray w)" ]; then
    expect img2img_gray w 64; expect img2img_gray h 64; expect img2img_gray mask 0; expect img2img_gray gray 1
    s=$(fact img2img_gray seed)
    check "img2img gray: seed -1 gave a random seed ($s)" test "$s" -ge 0
    diff_counts gray_new.png gray_src.png 0 0 0 0 64 64
    check "img2img gray: the layer changed ($in_diff of $in_total)" test "$in_diff" -gt $((in_total / 2))
    check "img2img gray: source layer unchanged" same_pixels gray_src.png gray_before.png
fi

# img2img on a 16-bit linear image: works, layer over the selection
if [ -n "$(fact img2img_16bit w)" ]; then
    expect img2img_16bit w 32; expect img2img_16bit h 32; expect img2img_16bit x 8; expect img2img_16bit mask 1
fi

# txt2img: selection bounds (37x21, not a multiple of the model's factor), whole image
if [ -n "$(fact txt2img_sel w)" ]; then
    expect txt2img_sel w 37; expect txt2img_sel h 21; expect txt2img_sel x 8; expect txt2img_sel y 8; expect txt2img_sel mask 1
    colours=$("$tmp/pngcheck" distinct "$tmp/txt_sel_new.png")
    check "txt2img on a selection: an image ($colours colours)" test "$colours" -gt 20
    check "txt2img on a selection: source layer unchanged" same_pixels txt_sel_src.png in.png
fi
if [ -n "$(fact txt2img w)" ]; then
    expect txt2img w 64; expect txt2img h 64; expect txt2img x 0; expect txt2img y 0; expect txt2img mask 0
fi

# outpaint 16/8/32/0: canvas 112x72, new layer covers it, source moved with the canvas, unchanged
if [ -n "$(fact outpaint w)" ]; then
    expect outpaint imgw 112; expect outpaint imgh 72; expect outpaint w 112; expect outpaint h 72
    expect outpaint x 0; expect outpaint y 0; expect outpaint srcx 16; expect outpaint srcy 8; expect outpaint mask 0
    check "outpaint: source layer unchanged" same_pixels outpaint_src.png in.png
    # the new area (left 16 columns) is painted, not the stretched edge
    colours=$("$tmp/pngcheck" distinct "$tmp/outpaint_new.png")
    check "outpaint: the new layer holds an image ($colours colours)" test "$colours" -gt 100
fi

# errors: GIMP reports them, no layer is added, the script goes on
expect missing_model raised 1
expect missing_model layers 1
check "missing model: GIMP shows the plug-in's message" \
    bash -c "grep -A1 \"error for procedure 'plug-in-sdswift-inpaint'\" '$out' | grep -q 'Could not load the model: .*no-such-model'"
expect indexed raised 1
expect indexed layers 1
check "indexed image: a clear message" bash -c "grep -A1 \"error for procedure 'plug-in-sdswift-img2img'\" '$out' | grep -q 'indexed'"
n_errors=$(grep -c "error for procedure" "$out")
check "exactly the two expected errors were reported ($n_errors)" test "$n_errors" = 2

# ---- cancel at step 2 (test hook), model "" = the default model next to the plug-in
cp "$model" "$plugdir/sdswift-default.safetensors"
gimp_batch "$tmp/cancel.txt" "$tmp/cancel.scm" SDSWIFT_GIMP_CANCEL_AT_STEP=2 SDSWIFT_MODEL=
out=$tmp/cancel.txt
check "cancel: GIMP reached the end of the script (sentinel)" grep -q "SDSWIFT-GIMP-TEST-DONE" "$out"
expect cancel values 1
expect cancel layers 1
check "cancel: no error, no crash" bash -c "! grep -Eqi 'error for procedure|Plug-in crashed' '$out'"
check "cancel: source layer unchanged" same_pixels cancel_src.png in.png

# ---- LoRA: <lora:NAME:WEIGHT> in the prompt with $SDSWIFT_LORA_DIR (the dialog's LoRA file is merged the same way)
sed -e "s|@TMP@|$tmp|g" -e "s|@MODEL@|$model|g" Tests/GIMP/lora.scm > "$tmp/lora.scm"
gimp_batch "$tmp/lora.txt" "$tmp/lora.scm" SDSWIFT_LORA_DIR="$root/Tests/Fixtures/lora"
out=$tmp/lora.txt
check "lora: GIMP reached the end of the script (sentinel)" grep -q "SDSWIFT-GIMP-TEST-DONE" "$out"
check "lora: three images" test -s "$tmp/lora_plain.png" -a -s "$tmp/lora_kohya.png" -a -s "$tmp/lora_peft.png"
if same_pixels lora_plain.png lora_kohya.png; then fail "lora: <lora:tiny-kohya:0.7> did not change the image"
else pass "lora: <lora:tiny-kohya:0.7> changes the image"; fi
check "lora: the LoRA's kohya and diffusers files give the same image" same_pixels lora_kohya.png lora_peft.png
expect lora_error file lora_missing.png
expect lora_error layers 1
check "lora: an unknown LoRA name is reported" bash -c "grep -A1 \"error for procedure 'plug-in-sdswift-txt2img'\" '$out' | grep -q \"no LoRA named 'no-such-lora'\""

# ---- a separate VAE and TAESD through the environment ($SDSWIFT_VAE, $SDSWIFT_TAESD, $SDSWIFT_FAST_DECODE)
extras_run() {  # extras_run FILE [env assignments...]
    local file=$1; shift
    sed -e "s|@TMP@|$tmp|g" -e "s|@MODEL@|$model|g" -e "s|@FILE@|$file|g" Tests/GIMP/extras.scm > "$tmp/extras-$file.scm"
    gimp_batch "$tmp/extras-$file.txt" "$tmp/extras-$file.scm" "$@"
}
extras_run extras_plain.png
extras_run extras_vae.png SDSWIFT_VAE="$root/Tests/Fixtures/vae/vae-tiny-ldm.safetensors"
extras_run extras_taesd.png SDSWIFT_TAESD="$root/Tests/Fixtures/taesd/taesd2x.safetensors"
extras_run extras_fast.png SDSWIFT_TAESD="$root/Tests/Fixtures/taesd/taesd2x.safetensors" SDSWIFT_FAST_DECODE=1
check "extras: four images" test -s "$tmp/extras_plain.png" -a -s "$tmp/extras_vae.png" -a -s "$tmp/extras_taesd.png" -a -s "$tmp/extras_fast.png"
if same_pixels extras_plain.png extras_vae.png; then fail "extras: \$SDSWIFT_VAE did not change the image"
else pass "extras: \$SDSWIFT_VAE changes the image"; fi
check "extras: \$SDSWIFT_TAESD alone (previews) keeps the VAE's image" same_pixels extras_plain.png extras_taesd.png
if same_pixels extras_plain.png extras_fast.png; then fail "extras: \$SDSWIFT_FAST_DECODE did not change the image"
else pass "extras: \$SDSWIFT_FAST_DECODE decodes with the TAESD"; fi

params_have() {  # params_have GIMP-OUTPUT NAME TEXT: the parameters printed for NAME (prompt, negative, settings lines) hold TEXT
    grep -A2 "PARAMETERS $2: " "$1" | grep -qF "$3"
}
# ---- clip skip and the random source through the environment ($SDSWIFT_CLIP_SKIP, $SDSWIFT_RNG: not
# PDB arguments, so that scripts keep their argument counts); the tiny model's text encoder has 2 layers
extras_run rng_cpu.png SDSWIFT_RNG=CPU
extras_run rng_gpu.png SDSWIFT_RNG=gpu
extras_run clip2.png SDSWIFT_CLIP_SKIP=2
extras_run clip3.png SDSWIFT_CLIP_SKIP=3
extras_run rng_bad.png SDSWIFT_RNG=cuda
check "engine options: three images" test -s "$tmp/rng_cpu.png" -a -s "$tmp/rng_gpu.png" -a -s "$tmp/clip2.png"
check "engine options: \$SDSWIFT_RNG=CPU is the default" same_pixels extras_plain.png rng_cpu.png
if same_pixels extras_plain.png rng_gpu.png; then fail "engine options: \$SDSWIFT_RNG=gpu did not change the image"
else pass "engine options: \$SDSWIFT_RNG=gpu changes the image (same seed)"; fi
check "engine options: the gpu image's parameters say RNG: NV" params_have "$tmp/extras-rng_gpu.png.txt" rng_gpu.png "RNG: NV"
check "engine options: the cpu image's parameters name no RNG" bash -c "! grep -q 'RNG:' '$tmp/extras-rng_cpu.png.txt'"
if same_pixels extras_plain.png clip2.png; then fail "engine options: \$SDSWIFT_CLIP_SKIP=2 did not change the image"
else pass "engine options: \$SDSWIFT_CLIP_SKIP=2 changes the image"; fi
check "engine options: the clip skip 2 image's parameters say Clip skip: 2" params_have "$tmp/extras-clip2.png.txt" clip2.png "Clip skip: 2"
for c in clip3 rng_bad; do
    out=$tmp/extras-$c.png.txt
    check "engine options: $c: GIMP went on to the end of the script" grep -q "SDSWIFT-GIMP-TEST-DONE" "$out"
    check "engine options: $c: no layer was added" grep -q "FACT extras_error file=$c.png layers=1" "$out"
    check "engine options: $c: no crash" bash -c "! grep -Eqi 'Plug-in crashed|wire read|terminated' '$out'"
done
check "engine options: clip skip 3 on a 2-layer text encoder is an execution error with the engine's message" \
    bash -c "grep -A1 \"error for procedure 'plug-in-sdswift-txt2img'\" '$tmp/extras-clip3.png.txt' | grep -q 'clip_skip 3 is not in 1..2'"
check "engine options: \$SDSWIFT_RNG=cuda is an execution error naming the variable" \
    bash -c "grep -A1 \"error for procedure 'plug-in-sdswift-txt2img'\" '$tmp/extras-rng_bad.png.txt' | grep -q \"SDSWIFT_RNG must be cpu or gpu, got 'cuda'\""

# ---- the interactive path under Xvfb: dialog, Generate, progress window, its Cancel button; undo
if command -v xvfb-run >/dev/null && command -v xdotool >/dev/null; then
    sed -e "s|@TMP@|$tmp|g" Tests/GIMP/gui.scm > "$tmp/gui.scm"
    "$tmp/pngcheck" make "$tmp/big.png" 128 128
    env GIMP2_DIRECTORY="$profile" HOME="$tmp/home" SDSWIFT_MODEL="$model" \
        timeout 600 xvfb-run -a -s "-screen 0 1024x768x24" bash Tests/GIMP/gui_cancel.sh "$tmp" > "$tmp/gui.txt" 2>&1
    cat "$tmp/gui.txt"
    out=$tmp/gui-gimp.txt
    check "gui: the dialog opened" grep -q "gui: dialog open" "$tmp/gui.txt"
    check "gui: Generate opened the progress window" grep -q "gui: progress window open" "$tmp/gui.txt"
    check "gui: Cancel closed it" grep -q "gui: progress window closed" "$tmp/gui.txt"
    check "gui: GIMP went on to the end of the script" grep -q "SDSWIFT-GIMP-TEST-DONE" "$out"
    expect gui values 1
    expect gui layers 1
    check "gui: no error, no crash" bash -c "! grep -Eqi 'error for procedure|Plug-in crashed' '$out'"

    # one undo step: a single Ctrl+Z removes the outpaint's new layer AND its canvas resize
    sed -e "s|@TMP@|$tmp|g" -e "s|@MODEL@|$model|g" Tests/GIMP/gui_undo.scm > "$tmp/gui_undo.scm"
    "$tmp/pngcheck" make "$tmp/small.png" 32 32
    env GIMP2_DIRECTORY="$profile" HOME="$tmp/home" \
        timeout 600 xvfb-run -a -s "-screen 0 1024x768x24" bash Tests/GIMP/gui_undo.sh "$tmp" > "$tmp/gui_undo.txt" 2>&1
    cat "$tmp/gui_undo.txt"
    out=$tmp/gui-undo-gimp.txt
    check "undo: outpaint made 2 layers on a 48 px canvas" grep -q "READY-FOR-UNDO layers=2 w=48" "$out"
    expect undo layers 1
    expect undo w 32
    expect undo h 32

    # the dialog's clip skip, random source and VAE (set through their mnemonics) reach the engine
    # and are remembered for Filters > Repeat; the environment sets the same clip skip and source
    # for the comparison image made without the VAE by a script
    sed -e "s|@TMP@|$tmp|g" Tests/GIMP/gui_options.scm > "$tmp/gui_options.scm"
    env GIMP2_DIRECTORY="$profile" HOME="$tmp/home" SDSWIFT_MODEL="$model" SDSWIFT_CLIP_SKIP=2 SDSWIFT_RNG=gpu \
        timeout 600 xvfb-run -a -s "-screen 0 1024x768x24" bash Tests/GIMP/gui_options.sh "$tmp" \
        "$root/Tests/Fixtures/vae/vae-tiny-ldm.safetensors" > "$tmp/gui_options.txt" 2>&1
    cat "$tmp/gui_options.txt"
    out=$tmp/gui-options-gimp.txt
    check "dialog: Clip skip 2 and Random source GPU reach the engine" params_have "$out" gui_dialog "Clip skip: 2, RNG: NV"
    check "dialog: Repeat uses them again (last values)" params_have "$out" gui_repeat "Clip skip: 2, RNG: NV"
    check "dialog: two images to compare" test -s "$tmp/gui_vae.png" -a -s "$tmp/gui_novae.png"
    seed=$(grep -A2 "PARAMETERS gui_dialog: " "$out" | grep -o "Seed: [0-9]*")
    same_settings() { [ -n "$seed" ] && params_have "$out" gui_novae "$seed," && params_have "$out" gui_novae "Clip skip: 2, RNG: NV"; }
    check "dialog: the script's image has the dialog's seed ($seed), clip skip and source" same_settings
    if [ ! -s "$tmp/gui_vae.png" ] || same_pixels gui_vae.png gui_novae.png; then fail "dialog: the chosen VAE did not change the image"
    else pass "dialog: the VAE chosen in the dialog decodes the image (the same image without it differs)"; fi
else
    echo "SKIP the interactive test: it needs xvfb-run and xdotool"
fi

if [ "$failed" -gt 0 ]; then
    echo "== GIMP output (cases):"; grep -v '^$' "$tmp/cases.txt" | grep -v PARAMETERS | head -60
    echo "== GIMP output (cancel):"; grep -v '^$' "$tmp/cancel.txt" | head -20
fi
finish
