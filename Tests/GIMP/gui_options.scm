; Run by Tests/GIMP/gui_options.sh in a GIMP with a display: the Text to Image dialog opens, xdotool
; sets Clip skip 2, Random source GPU and the VAE file, and presses Generate. The script prints that
; result's parameters and saves it, makes the same image (its seed, clip skip and random source
; from $SDSWIFT_CLIP_SKIP / $SDSWIFT_RNG) non-interactively without the VAE, and runs the procedure
; again with the last values (Filters > Repeat). run.sh replaces @TMP@.
(gimp-message-set-handler CONSOLE)
(define (parasite-text layer)
  (catch "" (caddr (car (gimp-item-get-parasite layer "sdswift-parameters")))))
(define (report name r)
  (gimp-message (string-append "PARAMETERS " name ": "
                               (if (list? r) (parasite-text (car r)) "error or cancelled"))))
(define (save r file)
  (if (list? r)
      (file-png-save2 RUN-NONINTERACTIVE (car (gimp-item-get-image (car r))) (car r)
                      (string-append "@TMP@/" file) file 0 9 0 0 0 0 0 0 1)))
(let* ((img (car (gimp-image-new 16 16 RGB)))
       (src (car (gimp-layer-new img 16 16 RGB-IMAGE "bg" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img src 0 0)
  (gimp-display-new img)
  (let ((r (catch 'error (plug-in-sdswift-txt2img RUN-INTERACTIVE img src "" "" "" 3 7.5 5 "euler"))))
    (report "gui_dialog" r)
    (save r "gui_vae.png")
    (if (list? r)
        (let ((same (catch 'error (plug-in-sdswift-txt2img RUN-NONINTERACTIVE img src "" "" "" 20 7.5
                                                           (cadr r) "euler"))))
          (report "gui_novae" same)
          (save same "gui_novae.png"))))
  (report "gui_repeat"
          (catch 'error (plug-in-sdswift-txt2img RUN-WITH-LAST-VALS img src "" "" "" 3 7.5 5 "euler")))
  (gimp-image-clean-all img))
(gimp-message "SDSWIFT-GIMP-TEST-DONE")
(gimp-quit 1)
