; Run by Tests/GIMP/run.sh once per setting of the environment the plug-in reads besides its
; arguments ($SDSWIFT_VAE, $SDSWIFT_TAESD, $SDSWIFT_FAST_DECODE when it loads the model;
; $SDSWIFT_CLIP_SKIP, $SDSWIFT_RNG for the generation): txt2img 16x16, seed 5, saved as
; @TMP@/@FILE@, its parameters text printed. An error is caught (GIMP goes on) and reported as a FACT.
(define (parasite-text layer)
  (catch "" (caddr (car (gimp-item-get-parasite layer "sdswift-parameters")))))
(let* ((img (car (gimp-image-new 16 16 RGB)))
       (src (car (gimp-layer-new img 16 16 RGB-IMAGE "bg" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img src 0 0)
  (let ((r (catch 'error
             (plug-in-sdswift-txt2img RUN-NONINTERACTIVE img src "@MODEL@" "a lighthouse" "" 3 7.5 5 "euler"))))
    (if (list? r)
        (begin
          (file-png-save2 RUN-NONINTERACTIVE img (car r) "@TMP@/@FILE@" "@FILE@" 0 9 0 0 0 0 0 0 1)
          (gimp-message (string-append "PARAMETERS @FILE@: " (parasite-text (car r)))))
        (gimp-message (string-append "FACT extras_error file=@FILE@ layers="
                                     (number->string (car (gimp-image-get-layers img))))))))
(gimp-message "SDSWIFT-GIMP-TEST-DONE")
