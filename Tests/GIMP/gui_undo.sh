#!/bin/bash
# One undo step, run by run.sh inside xvfb-run when xdotool is installed: gui_undo.scm outpaints a
# 32x32 image by 8 px a side (a canvas resize and a new layer), then xdotool presses Ctrl+Z ONCE in
# the image window; the script then reports the layer count and the canvas size.
# Usage: gui_undo.sh TMPDIR (with $GIMP2_DIRECTORY, $HOME set; TMPDIR/gui_undo.scm written by run.sh)
tmp=$1
out=$tmp/gui-undo-gimp.txt
gimp -n --no-splash -b "(load \"$tmp/gui_undo.scm\")" > "$out" 2>&1 &
gimp_pid=$!
for i in $(seq 480); do sleep 0.5; grep -q READY-FOR-UNDO "$out" && break; done
grep -q READY-FOR-UNDO "$out" || { echo "undo: the outpaint did not finish"; kill $gimp_pid; exit 1; }
sleep 1
win=$(xdotool search --onlyvisible --name "small.png" | head -1)
[ -n "$win" ] || { echo "undo: no image window"; kill $gimp_pid; exit 1; }
xdotool windowfocus "$win"
sleep 0.3
eval "$(xdotool getwindowgeometry --shell "$win")"
xdotool mousemove $((X + WIDTH / 2)) $((Y + HEIGHT / 2))
xdotool key ctrl+z
echo "undo: pressed Ctrl+Z once"
for i in $(seq 240); do sleep 0.5; kill -0 $gimp_pid 2>/dev/null || break; done
kill $gimp_pid 2>/dev/null && echo "undo: GIMP did not quit by itself"
exit 0
