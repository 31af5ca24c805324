#!/bin/bash
# Makes docs/gimp-dialog.png: GIMP under Xvfb with a picture, a feathered elliptical selection and
# Filters > sdswift > Inpaint Selection open, a prompt typed in. Uses a throw-away GIMP profile.
# Needs gimp, libgimp2.0-dev, xvfb, xdotool and imagemagick.
# Usage: Plugins/gimp/screenshot.sh [OUT.png]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/docs/gimp-dialog.png}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIMP2_DIRECTORY=$tmp/profile HOME=$tmp/home
mkdir -p "$HOME"
timeout 120 gimp-console-2.10 -i -b '(gimp-quit 0)' > /dev/null 2>&1
make -s -C "$root/Plugins/gimp" install PROFILE="$GIMP2_DIRECTORY" BUILD="$tmp/build"
default=$GIMP2_DIRECTORY/plug-ins/sdswift/sdswift-default.safetensors
[ -f "$default" ] || cp "$root/Tests/Fixtures/models/sd1-tiny.safetensors" "$default"
convert -size 128x128 gradient:'#2f5fb0'-'#9fd67a' -fill '#f2cf1d' -draw 'circle 64,64 64,42' "$tmp/picture.png"

cat > "$tmp/open.scm" <<SCM
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "$tmp/picture.png" "picture.png")))
       (layer (car (gimp-image-get-active-layer img))))
  (gimp-display-new img)
  (gimp-context-set-feather TRUE)
  (gimp-context-set-feather-radius 8 8)
  (gimp-image-select-ellipse img CHANNEL-OP-REPLACE 36 36 56 56)
  (plug-in-sdswift-inpaint RUN-INTERACTIVE img layer "" "" "" 20 7.5 -1 "euler" 0.75 4 0 32))
SCM
cat > "$tmp/inside-xvfb.sh" <<'SH'
gimp -n --no-splash -b "(load \"$1/open.scm\")" > "$1/gimp.log" 2>&1 &
gimp_pid=$!
wid=
for i in $(seq 300); do
    sleep 1
    wid=$(xdotool search --onlyvisible --name "sdswift: Inpaint" 2>/dev/null | head -1)
    [ -n "$wid" ] && break
done
[ -n "$wid" ] || { echo "the dialog did not open"; kill $gimp_pid; exit 1; }
sleep 2
xdotool mousemove 5 700                 # no tooltips in the picture
xdotool windowmove "$wid" 564 36        # beside the image (there is no window manager)
sleep 1
xdotool windowfocus "$wid"
xdotool type --delay 15 "a red fox sleeping in the grass, soft morning light"
xdotool key Tab
xdotool type --delay 15 "blurry, low quality"
sleep 1
import -window root "$1/shot.png"
kill $gimp_pid; sleep 1; kill -9 $gimp_pid 2>/dev/null || true
SH
timeout 600 xvfb-run -a -s "-screen 0 1024x768x24" bash "$tmp/inside-xvfb.sh" "$tmp"
convert "$tmp/shot.png" -colors 256 "PNG8:$out"
echo "wrote $out"
