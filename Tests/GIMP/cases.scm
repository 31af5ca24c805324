; The GIMP plug-in test cases, run by Tests/GIMP/run.sh in one headless GIMP (gimp-console-2.10).
; run.sh replaces @TMP@, @MODEL@ and @INPAINT_MODEL@. Each case saves PNGs into @TMP@ and prints one
; "FACT <case> key=value ... name=<layer name>" line; a case that raises an error prints
; "FACT <case> failed" and the next case runs. run.sh checks the facts and the pixels.

(define (n x) (number->string x))
(define (save drawable file)
  (file-png-save2 RUN-NONINTERACTIVE (car (gimp-item-get-image drawable)) drawable
                  (string-append "@TMP@/" file) file 0 9 0 0 0 0 0 0 1))
(define (load-input) (car (gimp-file-load RUN-NONINTERACTIVE "@TMP@/in.png" "in.png")))
(define (has-mask layer) (if (= -1 (car (gimp-layer-get-mask layer))) "0" "1"))
(define (parasite-text layer)
  (catch "" (caddr (car (gimp-item-get-parasite layer "sdswift-parameters")))))

; one line of facts about the new layer, its source layer and the image
(define (facts case img new src seed)
  (let ((off (gimp-drawable-offsets new))
        (soff (gimp-drawable-offsets src)))
    (gimp-message
     (string-append
      "FACT " case
      " w=" (n (car (gimp-drawable-width new))) " h=" (n (car (gimp-drawable-height new)))
      " x=" (n (car off)) " y=" (n (cadr off))
      " srcx=" (n (car soff)) " srcy=" (n (cadr soff))
      " imgw=" (n (car (gimp-image-width img))) " imgh=" (n (car (gimp-image-height img)))
      " mask=" (has-mask new) " gray=" (n (car (gimp-drawable-is-gray new)))
      " alpha=" (n (car (gimp-drawable-has-alpha new)))
      " pos=" (n (car (gimp-image-get-item-position img new)))
      " srcpos=" (n (car (gimp-image-get-item-position img src)))
      " sameparent=" (if (= (car (gimp-item-get-parent new)) (car (gimp-item-get-parent src))) "1" "0")
      " active=" (if (= (car (gimp-image-get-active-layer img)) new) "1" "0")
      " seed=" (n seed)
      " parasite=" (if (> (string-length (parasite-text new)) 0) "1" "0")
      " name=" (car (gimp-item-get-name new))))
    (gimp-message (string-append "PARAMETERS " case ": " (parasite-text new)))))

(define (run-case case thunk)
  (catch (gimp-message (string-append "FACT " case " failed")) (thunk)))

; A: inpaint (9-channel inpainting model) a rectangle of an RGBA layer with a transparent corner
(run-case "inpaint"
  (lambda ()
    (let* ((img (load-input)) (src (car (gimp-image-get-active-layer img))))
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 16 16 32 32)
      (let* ((r (plug-in-sdswift-inpaint RUN-NONINTERACTIVE img src "@INPAINT_MODEL@" "a red fox" "blurry"
                                         4 7.5 42 "euler" 0.75 0 0 32))
             (new (car r)))
        (save new "inpaint_new.png")
        (save src "inpaint_src.png")
        (facts "inpaint" img new src (cadr r))))))

; B: inpaint an antialiased ellipse, feathered, only-masked, on an offset layer inside a layer
;    group, called on the layer's own layer mask (which must stay as it is)
(run-case "inpaint_offset"
  (lambda ()
    (let* ((img (car (gimp-image-new 96 80 RGB)))
           (group (car (gimp-layer-group-new img)))
           (src (car (gimp-file-load-layer RUN-NONINTERACTIVE img "@TMP@/in.png")))
           (usermask 0))
      (gimp-image-insert-layer img group 0 0)
      (gimp-image-insert-layer img src group 0)
      (gimp-layer-set-offsets src 20 12)
      (set! usermask (car (gimp-layer-create-mask src ADD-MASK-ALPHA)))
      (gimp-layer-add-mask src usermask)
      (save usermask "offset_usermask_before.png")
      (gimp-context-set-antialias TRUE)
      (gimp-image-select-ellipse img CHANNEL-OP-REPLACE 36 28 32 24)
      (let* ((r (plug-in-sdswift-inpaint RUN-NONINTERACTIVE img usermask "@MODEL@" "a blue bird" ""
                                         4 7.5 7 "dpmpp_2m_karras" 1.0 4 1 8))
             (new (car r)))
        (save new "offset_new.png")
        (save src "offset_src.png")
        (save (car (gimp-layer-get-mask new)) "offset_newmask.png")
        (save (car (gimp-layer-get-mask src)) "offset_usermask_after.png")
        (facts "inpaint_offset" img new src (cadr r))
        ; what GIMP shows: the new layer through its soft mask over the source
        (let ((visible (car (gimp-layer-new-from-visible img img "visible"))))
          (gimp-image-insert-layer img visible 0 0)
          (save visible "offset_visible.png"))))))

; C: image to image on a rectangular selection
(run-case "img2img"
  (lambda ()
    (let* ((img (load-input)) (src (car (gimp-image-get-active-layer img))))
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 8 8 40 24)
      (let* ((r (plug-in-sdswift-img2img RUN-NONINTERACTIVE img src "@MODEL@" "a green lake" "" 4 7.5 3 "euler_a" 0.8))
             (new (car r)))
        (save new "img2img_new.png")
        (save src "img2img_src.png")
        (facts "img2img" img new src (cadr r))))))

; D: image to image on a whole grayscale layer (no selection), random seed
(run-case "img2img_gray"
  (lambda ()
    (let* ((img (load-input)) (src (car (gimp-image-get-active-layer img))))
      (gimp-image-convert-grayscale img)
      (gimp-selection-none img)
      (save src "gray_before.png")
      (let* ((r (plug-in-sdswift-img2img RUN-NONINTERACTIVE img src "@MODEL@" "snow" "" 4 5.0 -1 "ddim" 0.9))
             (new (car r)))
        (save new "gray_new.png")
        (save src "gray_src.png")
        (facts "img2img_gray" img new src (cadr r))))))

; D2: image to image on a 16-bit linear-light image (pixels go through babl to 8-bit and back)
(run-case "img2img_16bit"
  (lambda ()
    (let* ((img (load-input)) (src (car (gimp-image-get-active-layer img))))
      (gimp-image-convert-precision img PRECISION-U16-LINEAR)
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 8 8 32 32)
      (let* ((r (plug-in-sdswift-img2img RUN-NONINTERACTIVE img src "@MODEL@" "snow" "" 4 7.5 11 "euler" 0.7))
             (new (car r)))
        (gimp-message (string-append "INFO img2img_16bit precision="
                                     (number->string (car (gimp-image-get-precision img)))))
        (facts "img2img_16bit" img new src (cadr r))))))

; E: text to image on a selection whose size is not a multiple of the model's factor
(run-case "txt2img_sel"
  (lambda ()
    (let* ((img (load-input)) (src (car (gimp-image-get-active-layer img))))
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 8 8 37 21)
      (let* ((r (plug-in-sdswift-txt2img RUN-NONINTERACTIVE img src "@MODEL@" "a lighthouse" "" 4 7.5 5 "euler"))
             (new (car r)))
        (save new "txt_sel_new.png")
        (save src "txt_sel_src.png")
        (facts "txt2img_sel" img new src (cadr r))))))

; F: text to image over the whole image, model "" = $SDSWIFT_MODEL
(run-case "txt2img"
  (lambda ()
    (let* ((img (load-input)) (src (car (gimp-image-get-active-layer img))))
      (gimp-selection-none img)
      (let* ((r (plug-in-sdswift-txt2img RUN-NONINTERACTIVE img src "" "a lighthouse" "" 3 7.5 5 "lcm"))
             (new (car r)))
        (save new "txt_new.png")
        (facts "txt2img" img new src (cadr r))))))

; G: outpaint 16 left, 8 top, 32 right, 0 bottom
(run-case "outpaint"
  (lambda ()
    (let* ((img (load-input)) (src (car (gimp-image-get-active-layer img))))
      (let* ((r (plug-in-sdswift-outpaint RUN-NONINTERACTIVE img src "@MODEL@" "a meadow" "" 4 7.5 9 "euler"
                                          16 8 32 0 2))
             (new (car r)))
        (save new "outpaint_new.png")
        (save src "outpaint_src.png")
        (facts "outpaint" img new src (cadr r))))))

; H: a model file that does not exist: an error GIMP reports, the image unchanged, GIMP goes on
(run-case "missing_model"
  (lambda ()
    (let* ((img (load-input)) (src (car (gimp-image-get-active-layer img))))
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 16 16 32 32)
      (let ((r (catch 'error
                 (plug-in-sdswift-inpaint RUN-NONINTERACTIVE img src "@TMP@/no-such-model.safetensors" "x" ""
                                          4 7.5 1 "euler" 0.75 0 0 32))))
        (gimp-message (string-append "FACT missing_model raised=" (if (eq? r 'error) "1" "0")
                                     " layers=" (n (car (gimp-image-get-layers img)))))))))

; I: an indexed image: a clear error
(run-case "indexed"
  (lambda ()
    (let* ((img (load-input)) (src (car (gimp-image-get-active-layer img))))
      (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE "")
      (let ((r (catch 'error
                 (plug-in-sdswift-img2img RUN-NONINTERACTIVE img src "@MODEL@" "x" "" 4 7.5 1 "euler" 0.5))))
        (gimp-message (string-append "FACT indexed raised=" (if (eq? r 'error) "1" "0")
                                     " layers=" (n (car (gimp-image-get-layers img)))))))))

(gimp-message "SDSWIFT-GIMP-TEST-DONE")
