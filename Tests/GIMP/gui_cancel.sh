#!/bin/bash
# The interactive path, run by run.sh inside xvfb-run when xdotool is installed: the dialog opens
# (Filters > sdswift > Inpaint Selection via RUN-INTERACTIVE), Generate starts the engine and its
# progress window, the window's Cancel button stops it; the procedure returns GIMP_PDB_CANCEL, no
# layer is added and GIMP goes on (the script prints its facts and quits GIMP).
# Usage: gui_cancel.sh TMPDIR (with $GIMP2_DIRECTORY, $HOME set; TMPDIR/gui.scm written by run.sh)
tmp=$1
log() { echo "gui: $*"; }
# the visible windows titled like the dialog, as "id height" lines
windows() {
    for w in $(xdotool search --onlyvisible --name "sdswift: Inpaint Selection" 2>/dev/null); do
        eval "$(xdotool getwindowgeometry --shell "$w")"
        echo "$w $HEIGHT $X $Y $WIDTH"
    done
}
click_bottom_right() {  # the last button of a GTK dialog's action area
    xdotool mousemove $(($3 + $5 - 40)) $(($4 + $2 - 25)) click 1
}
gimp -n --no-splash -b "(load \"$tmp/gui.scm\")" > "$tmp/gui-gimp.txt" 2>&1 &
gimp_pid=$!
dialog=
for i in $(seq 240); do sleep 1; dialog=$(windows | awk '$2 > 300' | head -1); [ -n "$dialog" ] && break; done
[ -n "$dialog" ] || { log "no dialog"; kill $gimp_pid; exit 1; }
log "dialog open after ${i}s"
sleep 2
click_bottom_right $dialog      # Generate
# the progress window: the same title, another window (the dialog is gone)
progress=
for i in $(seq 120); do
    sleep 0.5
    progress=$(windows | awk -v d="${dialog%% *}" '$1 != d' | head -1)
    [ -n "$progress" ] && break
done
[ -n "$progress" ] || { log "no progress window"; kill $gimp_pid; exit 1; }
log "progress window open"
sleep 1
progress=$(windows | awk -v d="${dialog%% *}" '$1 != d' | head -1)   # again: a preview may have grown it
click_bottom_right $progress    # Cancel
start=$(date +%s)
# the engine notices between steps; on a loaded 2-core machine one step of this size took 25 s
for i in $(seq 600); do sleep 0.5; [ -z "$(windows)" ] && break; done
[ -z "$(windows)" ] && log "progress window closed $(( $(date +%s) - start ))s after Cancel"
for i in $(seq 120); do sleep 0.5; kill -0 $gimp_pid 2>/dev/null || break; done
kill $gimp_pid 2>/dev/null && log "GIMP did not quit by itself"
exit 0
