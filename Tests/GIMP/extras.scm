; Run by Tests/GIMP/run.sh once per setting of $SDSWIFT_VAE / $SDSWIFT_TAESD / $SDSWIFT_FAST_DECODE
; (read by the plug-in when it loads the model): txt2img 16x16, seed 5, saved as @TMP@/@FILE@.
(let* ((img (car (gimp-image-new 16 16 RGB)))
       (src (car (gimp-layer-new img 16 16 RGB-IMAGE "bg" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img src 0 0)
  (let ((r (plug-in-sdswift-txt2img RUN-NONINTERACTIVE img src "@MODEL@" "a lighthouse" "" 3 7.5 5 "euler")))
    (file-png-save2 RUN-NONINTERACTIVE img (car r) "@TMP@/@FILE@" "@FILE@" 0 9 0 0 0 0 0 0 1)))
(gimp-message "SDSWIFT-GIMP-TEST-DONE")
