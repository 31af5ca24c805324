; Run by Tests/GIMP/run.sh with SDSWIFT_GIMP_CANCEL_AT_STEP=2 (the plug-in cancels itself at step 2,
; exactly as its Cancel button does) and without SDSWIFT_MODEL, so the model "" resolves to the
; default model installed next to the plug-in. A cancelled run returns GIMP_PDB_CANCEL (Script-Fu:
; one value, no error) and leaves the image as it was.
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "@TMP@/in.png" "in.png")))
       (src (car (gimp-image-get-active-layer img))))
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 16 16 32 32)
  (let ((r (catch 'error
             (plug-in-sdswift-inpaint RUN-NONINTERACTIVE img src "" "a red fox" "" 8 7.5 42 "euler" 0.75 0 0 32))))
    (gimp-message (string-append "FACT cancel values=" (if (list? r) (number->string (length r)) "error")
                                 " layers=" (number->string (car (gimp-image-get-layers img))))))
  (file-png-save2 RUN-NONINTERACTIVE img src "@TMP@/cancel_src.png" "cancel_src.png" 0 9 0 0 0 0 0 0 1))
(gimp-message "SDSWIFT-GIMP-TEST-DONE")
