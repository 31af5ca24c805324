/*
 * sdswift.h - the C interface of libsdswift, a Stable Diffusion engine written in Swift.
 *
 * Plain C99; valid C++ (the declarations are wrapped in extern "C").
 *
 * ------------------------------------------------------------------------------------------------
 * A SHORT EXAMPLE
 *
 *     sdswift_model *model = NULL;
 *     if (sdswift_model_load("v1-5.safetensors", NULL, &model) != SDSWIFT_OK) {
 *         fprintf(stderr, "%s\n", sdswift_last_error_message());
 *         return 1;
 *     }
 *     sdswift_generate_params p;
 *     sdswift_generate_params_init(&p);
 *     p.prompt = "a lighthouse at dusk, oil painting";
 *     p.seed = 42;
 *     sdswift_result *result = NULL;
 *     if (sdswift_txt2img(model, NULL, &p, &result) == SDSWIFT_OK) {
 *         sdswift_png_write("out.png", &result->images[0], result->parameters[0]);
 *         sdswift_result_free(result);
 *     }
 *     sdswift_model_free(model);
 *
 * ------------------------------------------------------------------------------------------------
 * ABI POLICY
 *
 * The ABI version (SDSWIFT_ABI_VERSION, sdswift_abi_version()) changes only when a program built
 * against an older header could break with a newer library. Within one ABI version:
 *
 *   NEVER changes:
 *     - the name, parameters, return type and meaning of an exported function;
 *     - the value of an enum constant or macro that is already published;
 *     - the layout of sdswift_image (it has no struct_size and is frozen);
 *     - the order, type and meaning of the fields that a struct already has;
 *     - ownership rules: memory the library returns is freed with the library's matching
 *       *_free function; memory the caller passes in stays the caller's and is never modified.
 *   MAY change (in minor versions):
 *     - new functions, new enum constants, new feature bits, new status codes (treat an unknown
 *       negative status as a failure and print sdswift_status_string() / the error message);
 *     - structs that begin with `size_t struct_size` gain fields AT THEIR END. A caller sets
 *       struct_size = sizeof(the struct it was compiled with) (the *_init functions do this), so
 *       the library knows which fields the caller has: fields beyond struct_size take their
 *       documented defaults. A struct_size larger than the library knows (a newer caller) is
 *       accepted, and the unknown tail is ignored; one smaller than the first published version of
 *       the struct is rejected with SDSWIFT_BAD_STRUCT_SIZE. Structs the library fills for the
 *       caller (sdswift_model_info) are filled only up to the caller's struct_size; structs the
 *       library allocates and hands out (sdswift_result) or passes to callbacks
 *       (sdswift_progress) may grow at their end as well, so read their struct_size before
 *       reading a field added in a later version;
 *     - default values, output pixels (numerics may improve), text of messages.
 *   Public enums have no *_COUNT sentinel: ask sdswift_features() / sdswift_sampler_name().
 *   All exported symbols start with sdswift_ and carry the ELF symbol version SDSWIFT_1.
 *
 * ------------------------------------------------------------------------------------------------
 * THREAD SAFETY
 *
 *   - Every function may be called from any thread.
 *   - A loaded sdswift_model is immutable and may be used by any number of generations on any
 *     number of threads at once. sdswift_model_free may be called while generations on other
 *     threads still use the model: its memory is released when the last of them returns.
 *   - An sdswift_request belongs to one generation at a time (a second concurrent generation with
 *     the same request fails with SDSWIFT_INVALID_ARGUMENT). sdswift_request_cancel may be called
 *     from any thread at any time, including from the progress callback.
 *   - Progress callbacks run on the thread that called the generation function, between steps.
 *   - sdswift_last_error_message() is per thread (thread-local).
 *   - sdswift_set_threads changes a process-wide setting (the compute threads of every
 *     generation); it is safe to call at any time.
 *   - Handles are checked against the set of live handles: a freed, foreign or garbage handle is
 *     reported as SDSWIFT_INVALID_ARGUMENT instead of being dereferenced (a freed handle whose
 *     address a newer handle of the same kind reuses refers to that newer one, as in any C API).
 *
 * ------------------------------------------------------------------------------------------------
 * ERRORS
 *
 * Functions that can fail return an sdswift_status: SDSWIFT_OK (0) or a negative code. Inputs are
 * validated before any work begins; the library never aborts the process on bad input. After any
 * call that returns a status, sdswift_last_error_message() describes the failure (it is "" after
 * success). On failure every output pointer the function would have set is set to NULL, if the
 * output pointer itself is non-NULL (sdswift_png_read zeroes its output image).
 */
#ifndef SDSWIFT_H
#define SDSWIFT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define SDSWIFT_API __attribute__((visibility("default")))
#else
#define SDSWIFT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================================================
 * Versions and features
 * ============================================================================================= */

#define SDSWIFT_VERSION_MAJOR 0
#define SDSWIFT_VERSION_MINOR 2
#define SDSWIFT_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, as returned by sdswift_version(). */
#define SDSWIFT_VERSION_NUMBER \
    (SDSWIFT_VERSION_MAJOR * 10000 + SDSWIFT_VERSION_MINOR * 100 + SDSWIFT_VERSION_PATCH)
#define SDSWIFT_VERSION_STRING "0.2.0"
/* See "ABI POLICY" above. Compare with sdswift_abi_version() at run time. */
#define SDSWIFT_ABI_VERSION 1

/* The library's version as MAJOR * 10000 + MINOR * 100 + PATCH (the header's is
 * SDSWIFT_VERSION_NUMBER). */
SDSWIFT_API unsigned sdswift_version(void);
/* The library's version as "MAJOR.MINOR.PATCH"; a static string. */
SDSWIFT_API const char *sdswift_version_string(void);
/* The library's ABI version; a program built with SDSWIFT_ABI_VERSION n works with a library whose
 * ABI version is n. */
SDSWIFT_API unsigned sdswift_abi_version(void);

/* Bits of sdswift_features(): what this build of the library can do. */
#define SDSWIFT_FEATURE_SD1 (1u << 0)               /* Stable Diffusion 1.x models */
#define SDSWIFT_FEATURE_SD2 (1u << 1)               /* Stable Diffusion 2.x (incl. v-prediction) */
#define SDSWIFT_FEATURE_INPAINT_MODELS (1u << 2)    /* 9-channel inpainting checkpoints */
#define SDSWIFT_FEATURE_SAFETENSORS_FILE (1u << 8)  /* single-file .safetensors checkpoints */
#define SDSWIFT_FEATURE_DIFFUSERS_FOLDER (1u << 9)  /* diffusers folders (model_index.json) */
#define SDSWIFT_FEATURE_TXT2IMG (1u << 16)
#define SDSWIFT_FEATURE_IMG2IMG (1u << 17)
#define SDSWIFT_FEATURE_INPAINT (1u << 18)
#define SDSWIFT_FEATURE_OUTPAINT (1u << 19)
#define SDSWIFT_FEATURE_KARRAS (1u << 20)           /* Karras sigma schedules */
#define SDSWIFT_FEATURE_INITIAL_NOISE (1u << 21)    /* caller-given initial noise */
#define SDSWIFT_FEATURE_PREVIEW (1u << 22)          /* progress events carry preview images */
#define SDSWIFT_FEATURE_PNG (1u << 24)              /* sdswift_png_read / sdswift_png_write */
#define SDSWIFT_FEATURE_PROMPT_MIX (1u << 25)       /* prompt_parts, AND syntax, variation seeds,
                                                       sdswift_seed_noise / sdswift_noise_slerp */

/* The SDSWIFT_FEATURE_* bits this library supports. */
SDSWIFT_API uint64_t sdswift_features(void);

/* Mixed prompts (sdswift_generate_params.prompt_parts, and the AND syntax in prompt):
 *   COMPOSABLE  AUTOMATIC1111's "A AND B :0.6": each part guides the image,
 *               guided = uncond + sum_k (cond_k - uncond) * weight_k * guidance. K parts cost ONE
 *               batched UNet call of K + 1 rows per step (a single part: 2 rows, 1 without guidance).
 *   BLEND       one prompt whose text embedding is sum_k weight_k * E_k / sum_k weight_k (the weights
 *               must add up to a positive number): 2 rows per step with guidance, 1 without, for any K.
 *               This is prompt interpolation: weights 1 - t and t. */
typedef enum sdswift_prompt_mix {
    SDSWIFT_PROMPT_MIX_COMPOSABLE = 0,
    SDSWIFT_PROMPT_MIX_BLEND = 1
} sdswift_prompt_mix;

/* Random sources: which generator turns a seed into noise (sdswift_generate_params.rng,
 * sdswift_seed_noise_rng; since 0.2, SDSWIFT_FEATURE_PHILOX):
 *   CPU     PyTorch's CPU generator (mt19937), torch.randn(..., generator=torch.Generator().manual_seed(seed)):
 *           what diffusers scripts with a CPU generator and AUTOMATIC1111's "CPU" source draw.
 *   PHILOX  PyTorch's CUDA generator (Philox4x32-10 + Box-Muller, as torch.randn on a CUDA device):
 *           AUTOMATIC1111's "NV" source exactly and its default "GPU" source to within about 3e-7 per
 *           value. Every draw of an image continues its generator (offset + 1 per draw), as A1111's
 *           NV source does. The parameters text then says "RNG: NV". */
#define SDSWIFT_FEATURE_PHILOX (1u << 27)  /* SDSWIFT_RNG_PHILOX, sdswift_seed_noise_rng */
typedef enum sdswift_rng {
    SDSWIFT_RNG_CPU = 0,
    SDSWIFT_RNG_PHILOX = 1
} sdswift_rng;

/* Tiled VAE decoding (sdswift_generate_params.vae_tiling). */
typedef enum sdswift_vae_tiling {
    SDSWIFT_VAE_TILING_AUTO = 0,     /* tiles when a side is over 1.5 tiles (768 px for SD) */
    SDSWIFT_VAE_TILING_ON = 1,       /* tiles whenever the image is larger than one tile */
    SDSWIFT_VAE_TILING_OFF = 2       /* one decode of the whole image */
} sdswift_vae_tiling;

/* One part of a mixed prompt. */
typedef struct sdswift_prompt_part {
    const char *text;                /* UTF-8; NULL means "" (A1111 attention syntax allowed) */
    float weight;                    /* finite */
} sdswift_prompt_part;

/* Samplers. sdswift_generate_params.sampler takes one of these; sampler_name (a string, see
 * sdswift_sampler_name) selects any sampler, including ones newer than this header. */
typedef enum sdswift_sampler {
    SDSWIFT_SAMPLER_EULER = 0,     /* "euler": Euler (diffusers EulerDiscreteScheduler) */
    SDSWIFT_SAMPLER_EULER_A = 1,   /* "euler_a": Euler ancestral */
    SDSWIFT_SAMPLER_DDIM = 2,      /* "ddim" */
    SDSWIFT_SAMPLER_DPMPP_2M = 3,  /* "dpmpp_2m": DPM++ 2M */
    SDSWIFT_SAMPLER_LCM = 4        /* "lcm": for LCM-distilled models */
} sdswift_sampler;

/* The name of the index-th sampler this library supports (0, 1, 2, ... in sdswift_sampler order
 * for the ones listed above), or NULL past the last one. A static string. */
SDSWIFT_API const char *sdswift_sampler_name(int index);

/* Process-wide number of compute threads (BLAS and the engine's own loops); n is clamped to
 * 1..1024 (OpenBLAS may cap it lower).
 * sdswift_get_threads returns the current number. */
SDSWIFT_API void sdswift_set_threads(int n);
SDSWIFT_API int sdswift_get_threads(void);

/* Working-memory limit, in bytes, process-wide (added in 0.1; see docs/RELIABILITY.md). Before any
 * work a generation estimates its peak working memory (activations and buffers for its size and
 * guidance, beyond the loaded weights) and fails with SDSWIFT_OUT_OF_MEMORY when the estimate
 * exceeds the limit. 0 (the default) means the memory available when the generation starts
 * (MemAvailable in /proc/meminfo). Safe to call at any time; sdswift_get_memory_limit returns the
 * value set (0 = automatic). */
SDSWIFT_API void sdswift_set_memory_limit(uint64_t bytes);
SDSWIFT_API uint64_t sdswift_get_memory_limit(void);

/* ================================================================================================
 * Status codes and error messages
 * ============================================================================================= */

typedef enum sdswift_status {
    SDSWIFT_OK = 0,
    SDSWIFT_INVALID_ARGUMENT = -1,    /* a value out of range, a bad enum, a dead handle, bad UTF-8 */
    SDSWIFT_NULL_POINTER = -2,        /* a required pointer was NULL */
    SDSWIFT_BAD_STRUCT_SIZE = -3,     /* struct_size smaller than the struct's first version */
    SDSWIFT_BAD_IMAGE_SIZE = -4,      /* width/height zero, negative or over 4096 (txt2img: not a
                                         multiple of the model's downscale factor); a too small
                                         or overflowing stride */
    SDSWIFT_MASK_SIZE_MISMATCH = -5,  /* the inpainting mask is not the image's size */
    SDSWIFT_FILE_NOT_FOUND = -6,      /* a model or PNG path that does not exist */
    SDSWIFT_CORRUPT_MODEL = -7,       /* a model file that breaks its format or lacks weights */
    SDSWIFT_UNSUPPORTED_MODEL = -8,   /* a well-formed model this build cannot use (e.g. a pickle
                                         .ckpt, an unknown architecture or dtype) */
    SDSWIFT_OUT_OF_MEMORY = -9,
    SDSWIFT_CANCELLED = -10,          /* sdswift_request_cancel or a progress callback stopped it */
    SDSWIFT_INTERNAL = -11,           /* a bug: please report it with the message */
    SDSWIFT_IO_ERROR = -12,           /* a file could not be read or written, or is not a PNG */
    SDSWIFT_UNSUPPORTED = -13         /* the model cannot do what was asked (e.g. a mode) */
} sdswift_status;

/* A static English description of a status code ("unknown status" for other values). */
SDSWIFT_API const char *sdswift_status_string(sdswift_status status);

/* The message of the most recent call ON THIS THREAD that returned an sdswift_status: "" if it
 * succeeded. Never NULL. The message is thread-local: it is valid until the next sdswift_* call on
 * the same thread, and other threads' calls never change it. UTF-8. */
SDSWIFT_API const char *sdswift_last_error_message(void);

/* ================================================================================================
 * Images
 * ============================================================================================= */

typedef enum sdswift_pixel_format {
    SDSWIFT_FORMAT_GRAY8 = 1,  /* 1 byte per pixel */
    SDSWIFT_FORMAT_RGB8 = 3,   /* 3 bytes per pixel: R, G, B */
    SDSWIFT_FORMAT_RGBA8 = 4   /* 4 bytes per pixel: R, G, B, A (alpha is ignored on input) */
} sdswift_pixel_format;

/* An 8-bit image. Row y starts at pixels + y * stride; stride >= width * bytes per pixel.
 * This struct is frozen: it never gains fields.
 *
 * Input images (const sdswift_image *) stay the caller's: the library copies what it needs during
 * the call and never writes to them. Output images are allocated by the library and freed with
 * sdswift_result_free (generation results) or sdswift_image_free (sdswift_png_read). */
typedef struct sdswift_image {
    int width;
    int height;
    size_t stride;                /* bytes from one row to the next */
    sdswift_pixel_format format;
    uint8_t *pixels;
} sdswift_image;

/* Frees the pixels of an image that sdswift_png_read filled and zeroes the struct. NULL, an
 * already freed image and an image whose pixels the library did not allocate are left alone. */
SDSWIFT_API void sdswift_image_free(sdswift_image *image);

/* Frees a string the library returned (sdswift_png_read's parameters). NULL is fine. */
SDSWIFT_API void sdswift_string_free(char *string);

/* ================================================================================================
 * Models
 * ============================================================================================= */

typedef struct sdswift_model sdswift_model;

typedef enum sdswift_prediction {
    SDSWIFT_PREDICTION_AUTO = 0,     /* from the model's config, or detected */
    SDSWIFT_PREDICTION_EPSILON = 1,
    SDSWIFT_PREDICTION_V = 2         /* v-prediction (SD 2.x 768 models) */
} sdswift_prediction;

typedef struct sdswift_load_params {
    size_t struct_size;              /* sizeof(sdswift_load_params) */
    sdswift_prediction prediction;   /* default SDSWIFT_PREDICTION_AUTO */
} sdswift_load_params;

/* Fills *params with defaults and sets struct_size. NULL is ignored. */
SDSWIFT_API void sdswift_load_params_init(sdswift_load_params *params);

/* Loads a model: a single-file .safetensors checkpoint or a diffusers folder. params may be NULL
 * (defaults). On success *out is a new handle to free with sdswift_model_free.
 * The file is memory-mapped: fp16 weights are read from it in place while the model is loaded (its
 * pages count in resident memory only while a generation uses them), so do not rewrite or truncate
 * the file before sdswift_model_free (the process would get SIGBUS reading a vanished page).
 * Errors: NULL_POINTER, BAD_STRUCT_SIZE, INVALID_ARGUMENT, FILE_NOT_FOUND, CORRUPT_MODEL,
 * UNSUPPORTED_MODEL, OUT_OF_MEMORY, INTERNAL. */
SDSWIFT_API sdswift_status sdswift_model_load(const char *path, const sdswift_load_params *params,
                                              sdswift_model **out);

/* Releases the caller's handle (see THREAD SAFETY). NULL and dead handles are ignored. */
SDSWIFT_API void sdswift_model_free(sdswift_model *model);

typedef enum sdswift_family {
    SDSWIFT_FAMILY_SD1 = 1,
    SDSWIFT_FAMILY_SD2 = 2
} sdswift_family;

typedef struct sdswift_model_info {
    size_t struct_size;              /* set by the caller: sizeof(sdswift_model_info) */
    sdswift_family family;
    int is_inpainting;               /* 1 for a 9-channel inpainting UNet */
    int native_width;                /* the size the model was trained at: 512 (SD1, SD2 epsilon), */
    int native_height;               /*   768 (SD2 v-prediction) */
    int latent_channels;             /* 4 */
    int downscale;                   /* image pixels per latent pixel per axis: 8 for real models */
    sdswift_prediction prediction;   /* EPSILON or V */
} sdswift_model_info;

/* Fills *info (up to info->struct_size bytes, which the caller sets).
 * Errors: NULL_POINTER, BAD_STRUCT_SIZE, INVALID_ARGUMENT (dead handle). */
SDSWIFT_API sdswift_status sdswift_model_get_info(const sdswift_model *model, sdswift_model_info *info);

/* The estimated peak working memory in bytes of a width x height generation with this model
 * (guided non-zero: classifier-free guidance, i.e. guidance > 1), as checked against
 * sdswift_set_memory_limit; 0 for a dead handle or a size outside 1..4096. */
SDSWIFT_API uint64_t sdswift_estimate_memory(const sdswift_model *model, int width, int height, int guided);

/* ================================================================================================
 * Requests: progress, cancellation, per-request error message
 * ============================================================================================= */

typedef struct sdswift_request sdswift_request;

typedef enum sdswift_stage {
    SDSWIFT_STAGE_TEXT_ENCODE = 0,   /* encoding the prompts */
    SDSWIFT_STAGE_DENOISE = 1,       /* one denoising step; step counts 1..total */
    SDSWIFT_STAGE_DECODE = 2,        /* VAE decoding of the latents */
    SDSWIFT_STAGE_ENCODE = 3         /* VAE encoding of an input image */
} sdswift_stage;

typedef struct sdswift_progress {
    size_t struct_size;              /* sizeof the library's struct; may grow at the end */
    sdswift_stage stage;
    int step;                        /* steps done in this stage */
    int total;                       /* steps in this stage */
    int image_index;                 /* 0-based image of the batch */
    int image_count;                 /* images in the batch */
    const sdswift_image *preview;    /* DENOISE events: an RGB8 preview of the current latents at
                                        latent resolution (image size / 8), made without the VAE;
                                        NULL for other stages and without SDSWIFT_FEATURE_PREVIEW.
                                        Valid during the call only: copy what you keep */
} sdswift_progress;

/* Called between steps on the generating thread. Return 0 to continue, non-zero to cancel (the
 * generation then returns SDSWIFT_CANCELLED). *progress is valid during the call only. */
typedef int (*sdswift_progress_fn)(const sdswift_progress *progress, void *user_data);

/* Creates a request: the per-generation context that carries callbacks, cancellation and the
 * message of its last failure. Reusable for any number of generations, one at a time.
 * Errors: NULL_POINTER, OUT_OF_MEMORY. */
SDSWIFT_API sdswift_status sdswift_request_create(sdswift_request **out);

/* Frees a request. Not while a generation uses it (that one keeps it alive until it returns, and
 * the handle is dead for everything else at once). NULL and dead handles are ignored. */
SDSWIFT_API void sdswift_request_free(sdswift_request *request);

/* Sets (or with fn NULL, clears) the progress callback. Errors: NULL_POINTER, INVALID_ARGUMENT. */
SDSWIFT_API sdswift_status sdswift_request_set_progress(sdswift_request *request, sdswift_progress_fn fn,
                                                        void *user_data);

/* Asks the generation using this request to stop; safe from any thread, also before the generation
 * starts. Cancellation is sticky: every generation with this request returns SDSWIFT_CANCELLED
 * until sdswift_request_reset. Errors: NULL_POINTER, INVALID_ARGUMENT (dead handle). */
SDSWIFT_API sdswift_status sdswift_request_cancel(sdswift_request *request);

/* Clears the cancellation flag and the stored message. Errors: NULL_POINTER, INVALID_ARGUMENT. */
SDSWIFT_API sdswift_status sdswift_request_reset(sdswift_request *request);

/* 1 if the request is cancelled, 0 if not or if the handle is NULL or dead. */
SDSWIFT_API int sdswift_request_is_cancelled(const sdswift_request *request);

/* The message of the last generation with this request ("" if it succeeded, if there was none, or
 * after sdswift_request_reset). Valid until the next generation with, or reset or free of, this
 * request. Never NULL ("" for NULL or dead handles). */
SDSWIFT_API const char *sdswift_request_error_message(const sdswift_request *request);

/* ================================================================================================
 * Generation
 * ============================================================================================= */

typedef struct sdswift_generate_params {
    size_t struct_size;              /* sizeof(sdswift_generate_params) */
    const char *prompt;              /* UTF-8; NULL means "". Default "" */
    const char *negative_prompt;     /* UTF-8; NULL means "". Default "" */
    int width;                       /* txt2img output size: multiples of the model's downscale */
    int height;                      /*   factor, at most 4096; default 512 x 512. Image modes
                                        ignore these and keep the input's size. */
    int steps;                       /* 1..1000; default 20 */
    float guidance;                  /* classifier-free guidance scale, finite, 0..100; default 7.5 */
    sdswift_sampler sampler;         /* default SDSWIFT_SAMPLER_EULER */
    const char *sampler_name;        /* if non-NULL, overrides `sampler` (see sdswift_sampler_name) */
    int karras;                      /* non-zero: Karras sigmas; default 0 */
    uint64_t seed;                   /* default 0; image i of a batch uses seed + i */
    int random_seed;                 /* non-zero: pick a random seed (result->seeds tells which) */
    int batch_count;                 /* images made one after another, 1..64; default 1 */
    int clip_skip;                   /* 1 = last CLIP layer, 2 = penultimate, ...; default 1 */
    float strength;                  /* img2img / inpaint denoising strength, 0..1; default 0.75.
                                        (0, or steps * strength < 1, returns the input unchanged) */
    /* Optional initial noise replacing the seed's (standard normal values, NCHW):
     * batch_count * latent_channels * ceil(H / downscale) * ceil(W / downscale) floats, H x W being
     * the generated size (outpaint: the extended size; image modes pad the canvas to multiples of
     * the downscale factor). With only_masked the canvas is the mask's padded bounding box.
     * Copied during the call. Default NULL / 0. */
    const float *initial_noise;
    size_t initial_noise_count;
    /* Mask handling. */
    int mask_feather;                /* blur radius of the mask in pixels, 0..256 (inpaint and
                                        outpaint); default 0 */
    int mask_grow;                   /* inpaint: grow (> 0) or shrink (< 0) the mask before
                                        feathering, -256..256; default 0 */
    int only_masked;                 /* inpaint: non-zero works on the mask's bounding box only
                                        (plus padding) and pastes it back; default 0 */
    int only_masked_padding;         /* pixels around that box, 0..4096; default 32 */
    int outpaint_overlap;            /* how far outpainting reaches into the image, 0..4096; 32 */
    /* Outpainting: pixels added on each side, 0..4096 each, not all 0; the result is at most 4096
     * per side. Default 0. */
    int extend_left;
    int extend_top;
    int extend_right;
    int extend_bottom;
    /* ---- since 0.2 ---- */
    /* Several prompts with weights (1..16), replacing `prompt` when prompt_part_count > 0. Copied
     * during the call. Default NULL / 0: `prompt` is used, read with the AND syntax. */
    const sdswift_prompt_part *prompt_parts;
    size_t prompt_part_count;
    sdswift_prompt_mix prompt_mix;   /* how the parts combine; default SDSWIFT_PROMPT_MIX_COMPOSABLE */
    /* Seed travel (A1111's "variation seed"): with use_variation_seed non-zero, every random draw
     * is the slerp of the draws of seed and variation_seed at variation_strength (0..1; 0 = the
     * seed's image, 1 = the variation seed's). Image i of a batch uses variation_seed + i.
     * Default 0 / 0 / 0. */
    int use_variation_seed;
    uint64_t variation_seed;
    float variation_strength;
    sdswift_rng rng;                 /* the seed's noise source (see sdswift_rng); default
                                        SDSWIFT_RNG_CPU */
    sdswift_vae_tiling vae_tiling;   /* the final decode in overlapping 512 px tiles (bounded
                                        memory, seams blended as diffusers' tiled decode does);
                                        default SDSWIFT_VAE_TILING_AUTO: tiles above 768 px a side */
} sdswift_generate_params;

/* Fills *params with the defaults listed above and sets struct_size. NULL is ignored. */
SDSWIFT_API void sdswift_generate_params_init(sdswift_generate_params *params);

/* The images of one generation. Allocated by the library; free with sdswift_result_free. */
typedef struct sdswift_result {
    size_t struct_size;              /* sizeof the library's struct; may grow at the end */
    size_t count;                    /* number of images (batch_count) */
    sdswift_image *images;           /* count RGB8 images, stride = width * 3 */
    uint64_t *seeds;                 /* the seed of each image */
    char **parameters;               /* AUTOMATIC1111-style "parameters" text of each image (UTF-8,
                                        NUL-terminated), for sdswift_png_write */
} sdswift_result;

/* Frees a result and everything it points to. NULL and foreign pointers are ignored. */
SDSWIFT_API void sdswift_result_free(sdswift_result *result);

/* The generation functions. model is required; request may be NULL (no progress, no way to
 * cancel). On success *out is a new result; on failure *out is NULL, the status tells why and both
 * sdswift_last_error_message() and (with a request) sdswift_request_error_message() say more.
 * Common errors: NULL_POINTER, BAD_STRUCT_SIZE, INVALID_ARGUMENT, BAD_IMAGE_SIZE, UNSUPPORTED,
 * OUT_OF_MEMORY, CANCELLED, INTERNAL. */

/* Text to image, width x height. */
SDSWIFT_API sdswift_status sdswift_txt2img(const sdswift_model *model, sdswift_request *request,
                                           const sdswift_generate_params *params, sdswift_result **out);

/* Image to image: re-noises init_image by params->strength and denoises it. The output has the
 * input's size (any size 1..4096 per side: the canvas is padded to the downscale factor and
 * cropped back). Any format; alpha is ignored. */
SDSWIFT_API sdswift_status sdswift_img2img(const sdswift_model *model, sdswift_request *request,
                                           const sdswift_generate_params *params,
                                           const sdswift_image *init_image, sdswift_result **out);

/* Inpainting: repaints image where mask is set. mask has the image's width and height (else
 * SDSWIFT_MASK_SIZE_MISMATCH) and any format; its first channel is used: 0 = keep, 255 = repaint,
 * values between blend softly. Pixels where the (grown, feathered) mask is 0 come back unchanged. */
SDSWIFT_API sdswift_status sdswift_inpaint(const sdswift_model *model, sdswift_request *request,
                                           const sdswift_generate_params *params,
                                           const sdswift_image *image, const sdswift_image *mask,
                                           sdswift_result **out);

/* Outpainting: extends image by params->extend_left/top/right/bottom pixels and paints the new
 * area (at least one extent must be positive). */
SDSWIFT_API sdswift_status sdswift_outpaint(const sdswift_model *model, sdswift_request *request,
                                            const sdswift_generate_params *params,
                                            const sdswift_image *image, sdswift_result **out);

/* ================================================================================================
 * Noise (for seed travel with initial_noise)
 * ============================================================================================= */

/* The standard normal values the engine draws first for `seed` (PyTorch's CPU generator: what
 * torch.randn(count, generator=torch.Generator().manual_seed(seed)) gives): txt2img's starting
 * noise is the first batch x C x h x w of them. Errors: NULL_POINTER, INVALID_ARGUMENT (count 0 or
 * over 2^28). */
SDSWIFT_API sdswift_status sdswift_seed_noise(uint64_t seed, float *out, size_t count);

/* The same from a chosen random source (sdswift_seed_noise is SDSWIFT_RNG_CPU): with
 * SDSWIFT_RNG_PHILOX, torch.randn(count, device="cuda") after torch.manual_seed(seed) (A1111's NV
 * source). Errors: NULL_POINTER, INVALID_ARGUMENT (count 0 or over 2^28, rng not an sdswift_rng).
 * Since 0.2 (SDSWIFT_FEATURE_PHILOX). */
SDSWIFT_API sdswift_status sdswift_seed_noise_rng(uint64_t seed, sdswift_rng rng, float *out, size_t count);

/* Spherical interpolation of two noise vectors of `count` values: out = a at t = 0, b at t = 1
 * (exactly), along the great circle between their directions with a linearly interpolated norm,
 * so every point has the norm of real noise. out may alias a or b. Errors: NULL_POINTER,
 * INVALID_ARGUMENT (count 0 or over 2^28, t not finite). */
SDSWIFT_API sdswift_status sdswift_noise_slerp(const float *a, const float *b, size_t count, float t,
                                               float *out);

/* ================================================================================================
 * PNG files
 * ============================================================================================= */

/* Writes image as a PNG (gray, RGB or RGBA as its format). parameters, if not NULL, is stored as
 * the AUTOMATIC1111-style "parameters" text chunk. Errors: NULL_POINTER, INVALID_ARGUMENT,
 * BAD_IMAGE_SIZE, IO_ERROR. */
SDSWIFT_API sdswift_status sdswift_png_write(const char *path, const sdswift_image *image,
                                             const char *parameters);

/* Reads a PNG into *out (GRAY8, RGB8 or RGBA8, whichever fits the file; stride = width * bytes per
 * pixel); free it with sdswift_image_free. If parameters is not NULL, *parameters receives the
 * file's "parameters" text (free with sdswift_string_free) or NULL if it has none.
 * Errors: NULL_POINTER, FILE_NOT_FOUND, IO_ERROR, OUT_OF_MEMORY. */
SDSWIFT_API sdswift_status sdswift_png_read(const char *path, sdswift_image *out, char **parameters);

/* ================================================================================================
 * A separate VAE, TAESD previews and fast decodes, timestep spacing (since 0.2)
 * ============================================================================================= */

/* What sdswift_model_load_ex loads next to the model. All of it is fixed for the model handle's life
 * (the model stays immutable and shareable between threads). */
typedef struct sdswift_model_extras {
    size_t struct_size;              /* sizeof(sdswift_model_extras) */
    const char *vae_path;            /* a VAE replacing the model's: a .safetensors file with the
                                        original names (with or without "first_stage_model.", e.g.
                                        vae-ft-mse-840000-ema-pruned.safetensors) or diffusers'
                                        AutoencoderKL names, or a diffusers VAE folder. It must have
                                        the model's latent channels and downscale factor. NULL (the
                                        default): the model's own VAE */
    const char *taesd_path;          /* a TAESD tiny autoencoder (madebyollin's taesd_decoder.safetensors,
                                        or diffusers' AutoencoderTiny file or folder). With it, the
                                        DENOISE progress previews are TAESD decodes at the full image
                                        size (instead of the linear latent-size pictures). Default NULL */
    int fast_decode;                 /* non-zero: final images are decoded with the TAESD instead of
                                        the VAE (much faster, slightly softer); needs taesd_path.
                                        Default 0 */
    const char *timestep_spacing;    /* "leading", "trailing" or "linspace": replaces the model's
                                        timestep spacing (single files imply "leading"; SD-Turbo needs
                                        "trailing"). NULL (the default): the model's */
} sdswift_model_extras;

/* Fills *extras with the defaults listed above and sets struct_size. NULL is ignored. */
SDSWIFT_API void sdswift_model_extras_init(sdswift_model_extras *extras);

/* sdswift_model_load with extras (NULL extras: the same as sdswift_model_load). Paths are UTF-8.
 * Errors: those of sdswift_model_load; FILE_NOT_FOUND for a missing VAE or TAESD path;
 * UNSUPPORTED_MODEL for a VAE or TAESD that does not fit the model (latent channels, downscale) or
 * is not a VAE / TAESD; CORRUPT_MODEL for one that lacks tensors; INVALID_ARGUMENT for fast_decode
 * without taesd_path or an unknown timestep_spacing. */
SDSWIFT_API sdswift_status sdswift_model_load_ex(const char *path, const sdswift_load_params *params,
                                                 const sdswift_model_extras *extras, sdswift_model **out);

/* Forward passes of the model's UNet since it was loaded, and the batch items they evaluated (two
 * per step with guidance > 1, one without), over all generations with this handle; 0 for a dead
 * handle. For measuring what a generation costs. */
SDSWIFT_API uint64_t sdswift_model_unet_calls(const sdswift_model *model, uint64_t *batch_items);

/* ================================================================================================
 * LoRA (since 0.2): low-rank adapters merged into a loaded model
 * ============================================================================================= */

#define SDSWIFT_FEATURE_LORA (1u << 26)  /* sdswift_model_set_loras, sdswift_model_set_lora_dir and
                                            <lora:NAME:WEIGHT> prompt tags */

/* One LoRA file and its strengths (1 = the LoRA as trained). Layouts read: kohya / AUTOMATIC1111
 * (lora_unet_* / lora_te_* with lora_down, lora_up, alpha; conv LoRAs included), diffusers / PEFT
 * (unet.<module>.lora_A / lora_B, text_encoder.*; alpha from its lora_adapter_metadata) and older
 * diffusers attention-processor names. SD1/SD2 LoRAs only; LoHa, LoKr, DoRA are refused. */
typedef struct sdswift_lora {
    const char *path;                /* the .safetensors file, UTF-8 */
    float unet_weight;               /* strength in the UNet */
    float text_weight;               /* strength in the text encoder (AUTOMATIC1111's "te"; usually
                                        the same as unet_weight) */
} sdswift_lora;

/* Merges these LoRAs into the model for every later generation with this handle; count 0 unmerges
 * (the original weights, bit for bit). The stored weights are never written: generations run with
 * float32 merged copies of the layers the LoRAs change (4 bytes per weight of those layers). Safe
 * while other threads generate with the model: each generation keeps the weights it started with.
 * On error nothing changes. Errors: NULL_POINTER (model; loras with count > 0; a path),
 * INVALID_ARGUMENT (count over 64, an empty or non-UTF-8 path, a weight that is not finite),
 * FILE_NOT_FOUND, UNSUPPORTED_MODEL (not a plain LoRA, or made for another model: the message names
 * the first layer that does not fit), CORRUPT_MODEL. */
SDSWIFT_API sdswift_status sdswift_model_set_loras(sdswift_model *model, const sdswift_lora *loras,
                                                   size_t count);

/* How many LoRAs sdswift_model_set_loras merged into the model; 0 for a dead handle. */
SDSWIFT_API size_t sdswift_model_lora_count(const sdswift_model *model);

/* The folder where <lora:NAME:WEIGHT> tags in a prompt find NAME.safetensors (also in subfolders);
 * NULL: none, and a prompt with a tag fails with INVALID_ARGUMENT. A tag applies to that generation
 * only, on top of the model's LoRAs: <lora:NAME> (weight 1), <lora:NAME:W>, <lora:NAME:TE:UNET>,
 * named te= / unet=; tags are removed from the text the model reads (the parameters text keeps
 * them). Errors: NULL_POINTER (model), INVALID_ARGUMENT (dir not UTF-8), FILE_NOT_FOUND (no such
 * folder). */
SDSWIFT_API sdswift_status sdswift_model_set_lora_dir(sdswift_model *model, const char *dir);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SDSWIFT_H */
