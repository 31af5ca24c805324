; Run by Tests/GIMP/gui_cancel.sh in a GIMP with a display: the dialog and the progress window are
; driven with xdotool. run.sh replaces @TMP@.
(gimp-message-set-handler CONSOLE)
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "@TMP@/big.png" "big.png")))
       (src (car (gimp-image-get-active-layer img))))
  (gimp-display-new img)
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 32 32 64 64)
  (let ((r (catch 'error
             (plug-in-sdswift-inpaint RUN-INTERACTIVE img src "" "" "" 20 7.5 1 "euler" 0.75 4 0 32))))
    (gimp-message (string-append "FACT gui values=" (if (list? r) (number->string (length r)) "error")
                                 " layers=" (number->string (car (gimp-image-get-layers img))))))
  (gimp-image-clean-all img))
(gimp-message "SDSWIFT-GIMP-TEST-DONE")
(gimp-quit 1)
