; Run by Tests/GIMP/run.sh with SDSWIFT_LORA_DIR=Tests/Fixtures/lora: <lora:NAME:WEIGHT> in a prompt
; applies NAME.safetensors from that folder to the run (txt2img, 16x16, seed 5). The fixture LoRA in
; its kohya and diffusers files gives one image, which differs from the image without a tag; an
; unknown NAME is an error that adds no layer.
(define (lora-run prompt file)
  (let* ((img (car (gimp-image-new 16 16 RGB)))
         (src (car (gimp-layer-new img 16 16 RGB-IMAGE "bg" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img src 0 0)
    (let ((r (catch 'error
               (plug-in-sdswift-txt2img RUN-NONINTERACTIVE img src "@MODEL@" prompt "" 3 7.5 5 "euler"))))
      (if (list? r)
          (file-png-save2 RUN-NONINTERACTIVE img (car r) (string-append "@TMP@/" file) file 0 9 0 0 0 0 0 0 1)
          (gimp-message (string-append "FACT lora_error file=" file
                                       " layers=" (number->string (car (gimp-image-get-layers img)))))))))
(lora-run "a lighthouse" "lora_plain.png")
(lora-run "a lighthouse <lora:tiny-kohya:0.7>" "lora_kohya.png")
(lora-run "a lighthouse <lora:tiny-peft:0.7>" "lora_peft.png")
(lora-run "a lighthouse <lora:no-such-lora:1>" "lora_missing.png")
(gimp-message "SDSWIFT-GIMP-TEST-DONE")
