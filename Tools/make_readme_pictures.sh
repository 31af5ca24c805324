#!/usr/bin/env bash
# Makes docs/examples-*.png for the README from the embedded default model, with the sdswift CLI
# (what a user would type) and ImageMagick (montage/convert) for the contact sheets.
#   Tools/make_readme_pictures.sh [path/to/sdswift]   (default: builds sdswift-cli in release)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ $# -ge 1 ]; then bin=$(readlink -f "$1"); else
    swift build -c release --product sdswift-cli >&2
    bin="$(swift build -c release --show-bin-path)/sdswift-cli"
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
big() { convert "$1" -filter point -resize 300% "$2"; }

# txt2img: four prompts of the model's template
i=0
for p in "a red circle on the left, white background" "a blue star on the right, black background" \
         "a yellow triangle in the center, gray background" "a purple square on the left, white background"; do
    "$bin" txt2img -q -p "$p" --cfg 6 --seed $((10 + i)) -o "t$i.png"; big "t$i.png" "T$i.png"; i=$((i + 1))
done
montage T0.png T1.png T2.png T3.png -tile 4x1 -geometry +4+4 -background white "$root/docs/examples-txt2img.png"

# inpaint: select the red circle (the left third) and replace it with a green square
"$bin" txt2img -q -p "a red circle on the left, white background" --cfg 6 --seed 21 -o base.png
convert -size 64x64 xc:black -fill white -draw "rectangle 1,12 31,51" mask.png
"$bin" inpaint -q --image base.png --mask mask.png --strength 1 --only-masked --padding 8 -p "a green square" --cfg 6 --seed 5 \
    -o inpainted.png
for f in base mask inpainted; do big "$f.png" "B-$f.png"; done
montage B-base.png B-mask.png B-inpainted.png -tile 3x1 -geometry +4+4 -background white "$root/docs/examples-inpaint.png"

# outpaint: extend a drawing by 32 px left and right
"$bin" outpaint -q --image base.png --left 32 --right 32 -p "a red circle in the center, white background" \
    --cfg 6 --seed 7 -o wide.png
big base.png O-base.png; big wide.png O-wide.png
montage O-base.png O-wide.png -tile 2x1 -geometry +4+4 -background white "$root/docs/examples-outpaint.png"

# animate: red circle -> blue square, 8 frames
"$bin" animate -q --from "a red circle in the center, white background" --to "a blue square in the center, white background" \
    --frames 8 --cfg 6 --seed-from 3 -o 'f-{frame}.png' --animation "$root/docs/examples-animation.gif"
montage f-*.png -tile 8x1 -geometry +2+2 -background white "$root/docs/examples-animate.png"
echo "wrote docs/examples-{txt2img,inpaint,outpaint,animate}.png and docs/examples-animation.gif"
