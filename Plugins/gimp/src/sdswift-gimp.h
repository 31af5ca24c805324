/* Shared declarations of the sdswift GIMP 2.10 plug-in. Each .c file has one job:
 *   main.c            PDB registration and the run() entry point
 *   values.c          the parameter set: defaults, PDB arguments, last values
 *   model_path.c      which model file to load when none is given
 *   job.c             the engine on a worker thread: progress, cancel, errors
 *   progress_window.c the interactive progress window with its Cancel button
 *   pixels.c          layer / selection pixels in and out of GEGL buffers, feathering
 *   modes.c           the four procedures: inputs from the image, result as a new layer
 *   dialog.c          the parameter dialog (GTK2 + libgimpui)
 *   lora.c            the LoRA file and LoRA folder of a run
 */
#ifndef SDSWIFT_GIMP_H
#define SDSWIFT_GIMP_H

#include <libgimp/gimp.h>
#include <sdswift.h>

typedef enum {
    SD_TXT2IMG,
    SD_IMG2IMG,
    SD_INPAINT,
    SD_OUTPAINT,
    SD_MODE_COUNT
} SdMode;

#define SD_TEXT_MAX 4096
#define SD_PATH_MAX 4096
#define SD_VALUES_VERSION 3

/* Everything a run needs; stored as is with gimp_set_data, so fixed-size and pointer-free. */
typedef struct {
    guint32 version;
    gchar model[SD_PATH_MAX];    /* "" = $SDSWIFT_MODEL, else the bundled default model */
    gchar prompt[SD_TEXT_MAX];
    gchar negative[SD_TEXT_MAX];
    gint32 steps;
    gdouble guidance;
    gdouble strength;            /* img2img, inpaint */
    gint32 seed;                 /* 0..G_MAXINT32 */
    gboolean random_seed;        /* pick a new seed each run (PDB: seed -1) */
    gchar sampler[64];           /* sdswift sampler name, "_karras" suffix for Karras sigmas */
    gint32 feather;              /* inpaint, outpaint: mask blur radius in pixels */
    gboolean only_masked;        /* inpaint: work on the mask's bounding box only */
    gint32 padding;              /* inpaint: context around that box */
    gint32 extend[4];            /* outpaint: left, top, right, bottom */
    gchar lora[SD_PATH_MAX];     /* "" = none; dialog and last values only (not a PDB argument) */
    gdouble lora_weight;
    gint32 clip_skip;            /* 1 = the text encoder's last layer, 2 = the penultimate, ... (1..12) */
    gint32 rng;                  /* sdswift_rng: SDSWIFT_RNG_CPU or SDSWIFT_RNG_PHILOX (A1111's "GPU"/NV) */
    gchar vae[SD_PATH_MAX];      /* "" = $SDSWIFT_VAE, else the model's own VAE */
    gchar taesd[SD_PATH_MAX];    /* "" = $SDSWIFT_TAESD, else none */
    gboolean fast_decode;        /* decode the result with the TAESD (when there is one) */
} SdValues;

#define SD_CLIP_SKIP_MAX 12      /* the dialog's range (AUTOMATIC1111's); the model may allow fewer */

/* ---- main.c / values.c */
const gchar *sd_mode_procedure(SdMode mode);
const gchar *sd_mode_title(SdMode mode);
gboolean sd_mode_from_procedure(const gchar *name, SdMode *mode);
void sd_values_defaults(SdValues *v);
void sd_values_load(SdValues *v);          /* last values, or defaults */
void sd_values_save(const SdValues *v);
/* The procedure's arguments after run-mode, image and drawable, and its return values. */
GimpParamDef *sd_values_param_defs(SdMode mode, gint *count);
gboolean sd_values_from_params(SdMode mode, gint nparams, const GimpParam *params, SdValues *v, gchar **error);
/* Non-interactive runs: $SDSWIFT_CLIP_SKIP, $SDSWIFT_RNG (cpu|gpu) and $SDSWIFT_FAST_DECODE into v;
 * FALSE with *error for a value that makes no sense. */
gboolean sd_values_from_environment(SdValues *v, gchar **error);
/* What the loaded library cannot do of v (the GPU random source of an older library); FALSE with *error. */
gboolean sd_values_supported(const SdValues *v, gchar **error);
/* Splits "dpmpp_2m_karras" into "dpmpp_2m" + karras; returns a new string. */
gchar *sd_sampler_base(const gchar *sampler, gboolean *karras);

/* ---- model_path.c */
/* The model to load for `requested` ("" = default); NULL with *error set when there is none. */
gchar *sd_resolve_model(const gchar *requested, gchar **error);
/* Where the bundled default model is looked for (next to the plug-in binary). */
gchar *sd_default_model_path(void);
/* v's VAE and TAESD files (else $SDSWIFT_VAE, $SDSWIFT_TAESD) and fast decode as load extras; the
 * strings belong to v and the environment. */
void sd_model_extras(const SdValues *v, sdswift_model_extras *e);

/* ---- job.c */
typedef struct SdJob SdJob;

typedef struct {
    gboolean loading;      /* still loading the model */
    gint stage;            /* sdswift_stage, or -1 before the first event */
    gint step, total;
    gboolean cancelled;
    gboolean done;
} SdJobState;

/* Copies the RGBA8 image and GRAY8 mask (either may be NULL). Nothing runs before one of the
 * sd_job_run_* functions below. */
SdJob *sd_job_new(SdMode mode, const gchar *model_path, const SdValues *v, guint64 seed,
                  const guint8 *rgba, gint width, gint height, const guint8 *mask);
void sd_job_start(SdJob *job);                       /* used by the sd_job_run_* functions */
void sd_job_cancel(SdJob *job);                      /* any thread, any time */
void sd_job_state(SdJob *job, SdJobState *state);
/* Waits up to timeout_ms for a change; TRUE when the job has finished. */
gboolean sd_job_wait(SdJob *job, gint timeout_ms);
/* The latest preview of the denoising (RGB8, g_free it) if there is one newer than *serial, which
 * is updated; NULL otherwise (also when the library gives no previews). */
guint8 *sd_job_preview(SdJob *job, guint *serial, gint *width, gint *height);
/* After the job finished: the result (the job keeps ownership) or NULL with status and message. */
const sdswift_result *sd_job_result(SdJob *job, sdswift_status *status, const gchar **message);
void sd_job_free(SdJob *job);                        /* joins the worker */
/* "Step 3 of 20" and a fraction for gimp_progress_update. */
gchar *sd_job_state_text(const SdJobState *s);
gdouble sd_job_state_fraction(const SdJobState *s);
/* Runs the job to its end from the main thread, feeding gimp_progress (no UI). */
void sd_job_run_with_gimp_progress(SdJob *job);

/* ---- progress_window.c */
/* Runs the job to its end with a progress window whose Cancel button stops the engine. */
void sd_job_run_with_window(SdJob *job, const gchar *title);

/* ---- pixels.c */
guint8 *sd_read_rgba(gint32 drawable, gint x, gint y, gint w, gint h);
guint8 *sd_read_selection(gint32 image, gint x, gint y, gint w, gint h);
void sd_write_pixels(gint32 layer, const guint8 *rgba, gint w, gint h);
gint32 sd_add_layer_mask(gint32 layer, const guint8 *mask, gint w, gint h);
/* The engine's feathering (Gaussian, sigma = radius / 2, edges clamped), in place. */
void sd_feather(guint8 *mask, gint w, gint h, gint radius);
gboolean sd_mask_is_empty(const guint8 *mask, gsize n);

/* ---- modes.c */
/* Runs one procedure on image/drawable; the new layer and seed on success, else FALSE with
 * *error (NULL error and FALSE: cancelled). */
gboolean sd_run_mode(SdMode mode, GimpRunMode run_mode, gint32 image, gint32 drawable, const SdValues *v,
                     gint32 *new_layer, gint32 *seed_used, gchar **error);

/* ---- lora.c */
/* Merges v's LoRA into the model and sets $SDSWIFT_LORA_DIR as its folder for <lora:NAME:W> tags;
 * on failure *message says why. */
sdswift_status sd_apply_loras(sdswift_model *model, const SdValues *v, gchar **message);

/* ---- dialog.c */
gboolean sd_dialog_run(SdMode mode, gint32 image, SdValues *v);

#endif
