#!/bin/bash
# The dialog's engine options, run by run.sh inside xvfb-run when xdotool is installed: in the Text
# to Image dialog, Alt+I (Clip skip) and typing 2, Alt+U (Random source) and Down (GPU), Alt+V and
# the VAE file typed into the file dialog, then Generate. gui_options.scm reports the rest.
# Usage: gui_options.sh TMPDIR VAE-FILE (with $GIMP2_DIRECTORY, $HOME set; TMPDIR/gui_options.scm
# written by run.sh)
tmp=$1
vae=$2
out=$tmp/gui-options-gimp.txt
log() { echo "options: $*"; }
gimp -n --no-splash -b "(load \"$tmp/gui_options.scm\")" > "$out" 2>&1 &
gimp_pid=$!
dialog=
for i in $(seq 240); do
    sleep 1
    for w in $(xdotool search --onlyvisible --name "sdswift: Text to Image" 2>/dev/null); do
        eval "$(xdotool getwindowgeometry --shell "$w")"
        [ "$HEIGHT" -gt 300 ] && dialog=$w && break
    done
    [ -n "$dialog" ] && break
done
[ -n "$dialog" ] || { log "no dialog"; kill $gimp_pid; exit 1; }
log "dialog open after ${i}s"
sleep 2
xdotool windowfocus "$dialog"
sleep 0.3
xdotool key alt+i; sleep 0.3
xdotool key ctrl+a; xdotool type 2; sleep 0.3
xdotool key alt+u; sleep 0.3     # leaving the spin button commits its 2
xdotool key Down; sleep 0.5
# the VAE: its chooser button (Alt+V), Space opens the file dialog, a typed / its location field
xdotool key alt+v; sleep 0.3
xdotool key space
chooser=
for i in $(seq 40); do sleep 0.5; chooser=$(xdotool search --onlyvisible --name "Choose a VAE" 2>/dev/null | head -1); [ -n "$chooser" ] && break; done
if [ -n "$chooser" ]; then
    sleep 1
    xdotool windowfocus "$chooser"; sleep 0.3
    xdotool key slash; sleep 1               # opens the location field, holding "/"
    xdotool key ctrl+a; sleep 0.3; xdotool type --delay 150 "$vae"; sleep 1
    xdotool key Return
    for i in $(seq 20); do sleep 0.5; xdotool search --onlyvisible --name "Choose a VAE" >/dev/null 2>&1 || break; done
    log "chose the VAE"
else
    log "no VAE file dialog"
fi
xdotool windowfocus "$dialog"; sleep 0.5
eval "$(xdotool getwindowgeometry --shell "$dialog")"
xdotool mousemove $((X + WIDTH - 40)) $((Y + HEIGHT - 25)) click 1   # Generate
log "pressed Generate"
for i in $(seq 480); do sleep 0.5; kill -0 $gimp_pid 2>/dev/null || break; done
kill $gimp_pid 2>/dev/null && log "GIMP did not quit by itself"
exit 0
