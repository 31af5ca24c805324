/* The four procedures. Each reads its inputs from the image, runs the engine (nothing in the image
 * changes while it works, so a cancel or an error leaves the image as it was), then adds the
 * result as a NEW layer above the source layer in one undo step:
 *   txt2img   the image's size, or the selection's bounds; layer mask = the selection
 *   img2img   the selection's bounds within the layer (whole layer without a selection);
 *             layer mask = the selection
 *   inpaint   the whole layer; layer mask = the feathered selection the engine blended with
 *   outpaint  the layer grown by left/top/right/bottom; the canvas grows by the same amounts
 * The source layer and its own layer mask are only read. */
#include "sdswift-gimp.h"

#include <math.h>
#include <string.h>

typedef struct {
    gint32 source;   /* source layer, or -1 (txt2img in an image without layers) */
    gint ox, oy;     /* the source layer's offsets */
    gint x, y, w, h; /* region read from the source, in layer coordinates (txt2img: image coordinates) */
    guint8 *rgba;    /* the region's pixels (NULL for txt2img) */
    guint8 *mask;    /* the selection over the region, GRAY8 (NULL: no selection) */
} Inputs;

static gboolean fail(gchar **error, const gchar *message) {
    *error = g_strdup(message);
    return FALSE;
}

/* The layer to work on: the drawable, or the layer of a layer mask. */
static gboolean find_source(SdMode mode, gint32 image, gint32 drawable, gint32 *source, gchar **error) {
    *source = -1;
    if (!gimp_image_is_valid(image)) return fail(error, "The image does not exist (any more).");
    if (gimp_image_base_type(image) == GIMP_INDEXED)
        return fail(error, "sdswift works on RGB and grayscale images. Convert this indexed image first "
                           "(Image > Mode > RGB).");
    if (drawable <= 0 || !gimp_item_is_valid(drawable)) {
        if (mode == SD_TXT2IMG) return TRUE;
        return fail(error, "No layer to work on: select a layer.");
    }
    if (gimp_item_get_image(drawable) != image) return fail(error, "The drawable does not belong to the image.");
    if (gimp_item_is_layer_mask(drawable)) drawable = gimp_layer_from_mask(drawable);
    if (!gimp_item_is_layer(drawable)) return fail(error, "sdswift works on layers: select a layer, not a channel.");
    if (mode != SD_TXT2IMG && gimp_item_is_group(drawable))
        return fail(error, "Select a normal layer, not a layer group.");
    *source = drawable;
    return TRUE;
}

static gboolean read_inputs(SdMode mode, gint32 image, const SdValues *v, Inputs *in, gchar **error) {
    gboolean has_selection = !gimp_selection_is_empty(image);
    if (in->source >= 0) gimp_drawable_offsets(in->source, &in->ox, &in->oy);
    switch (mode) {
    case SD_TXT2IMG: {
        gboolean non_empty = FALSE;
        gint x1 = 0, y1 = 0, x2 = gimp_image_width(image), y2 = gimp_image_height(image);
        if (has_selection) gimp_selection_bounds(image, &non_empty, &x1, &y1, &x2, &y2);
        in->x = x1, in->y = y1, in->w = x2 - x1, in->h = y2 - y1;
        if (non_empty) in->mask = sd_read_selection(image, in->x, in->y, in->w, in->h);
        return TRUE;
    }
    case SD_IMG2IMG:
        if (has_selection) {
            if (!gimp_drawable_mask_intersect(in->source, &in->x, &in->y, &in->w, &in->h))
                return fail(error, "The selection does not overlap the layer.");
            in->mask = sd_read_selection(image, in->ox + in->x, in->oy + in->y, in->w, in->h);
            if (sd_mask_is_empty(in->mask, (gsize)in->w * in->h))
                return fail(error, "The selection does not overlap the layer.");
        } else {
            in->w = gimp_drawable_width(in->source), in->h = gimp_drawable_height(in->source);
        }
        break;
    case SD_INPAINT:
        if (!has_selection) return fail(error, "Inpaint repaints the selection: select the area to repaint first.");
        in->w = gimp_drawable_width(in->source), in->h = gimp_drawable_height(in->source);
        /* the selection as it is, soft edges included, plus the feather the user asked for; the
         * engine gets exactly this mask (feather 0 there) and the new layer gets it as its mask */
        in->mask = sd_read_selection(image, in->ox, in->oy, in->w, in->h);
        sd_feather(in->mask, in->w, in->h, v->feather);
        if (sd_mask_is_empty(in->mask, (gsize)in->w * in->h))
            return fail(error, "The selection does not overlap the layer.");
        break;
    case SD_OUTPAINT:
        in->w = gimp_drawable_width(in->source), in->h = gimp_drawable_height(in->source);
        break;
    default: return fail(error, "unknown mode");
    }
    in->rgba = sd_read_rgba(in->source, in->x, in->y, in->w, in->h);
    return TRUE;
}

/* "<prompt, shortened> (seed N)" */
static gchar *layer_name(const gchar *prompt, guint64 seed) {
    gchar *p = g_strdup(prompt);
    g_strdelimit(p, "\r\n\t", ' ');
    g_strstrip(p);
    if (!*p) {
        g_free(p);
        p = g_strdup("sdswift");
    }
    if (g_utf8_strlen(p, -1) > 48) {
        gchar *cut = g_utf8_offset_to_pointer(p, 47);
        *cut = 0;
        gchar *longer = g_strconcat(p, "\xE2\x80\xA6", NULL); /* ellipsis */
        g_free(p);
        p = longer;
    }
    gchar *name = g_strdup_printf("%s (seed %" G_GUINT64_FORMAT ")", p, seed);
    g_free(p);
    return name;
}

/* Inpaint: the engine returns original * (1 - m) + generated * m. The new layer stores
 * `generated` (recovered where m > 0) and m as its layer mask, so GIMP's composite equals the
 * engine's result (to rounding) instead of applying the soft edge twice; where m = 0 the layer
 * holds the source pixels. */
static void unblend(guint8 *dst, const guint8 *src, const sdswift_image *out, const guint8 *mask, gint w, gint h) {
    for (gint y = 0; y < h; y++)
        for (gint x = 0; x < w; x++) {
            gsize i = (gsize)y * w + x;
            const guint8 *o = out->pixels + (gsize)y * out->stride + (gsize)x * 3;
            gint m = mask[i];
            for (gint c = 0; c < 3; c++) {
                gint s = src[i * 4 + c];
                dst[i * 4 + c] = m == 0 ? (guint8)s : (guint8)CLAMP(lrint(s + (o[c] - s) * 255.0 / m), 0, 255);
            }
            dst[i * 4 + 3] = src[i * 4 + 3];
        }
}

/* The new layer's RGBA pixels from the engine's RGB8 output. */
static guint8 *compose(SdMode mode, const SdValues *v, const Inputs *in, const sdswift_image *out, gint nw, gint nh) {
    guint8 *dst = g_malloc((gsize)nw * nh * 4);
    if (mode == SD_INPAINT) {
        unblend(dst, in->rgba, out, in->mask, nw, nh);
        return dst;
    }
    gint l = mode == SD_OUTPAINT ? v->extend[0] : 0, t = mode == SD_OUTPAINT ? v->extend[1] : 0;
    for (gint y = 0; y < nh; y++)
        for (gint x = 0; x < nw; x++) {
            guint8 *d = dst + ((gsize)y * nw + x) * 4;
            memcpy(d, out->pixels + (gsize)y * out->stride + (gsize)x * 3, 3);
            /* keep the source's transparency where the source was */
            gint sx = x - l, sy = y - t;
            d[3] = in->rgba && sx >= 0 && sy >= 0 && sx < in->w && sy < in->h ? in->rgba[((gsize)sy * in->w + sx) * 4 + 3] : 255;
        }
    return dst;
}

static gint32 add_result_layer(SdMode mode, gint32 image, const SdValues *v, const Inputs *in, const sdswift_result *r,
                               gchar **error) {
    if (r->count < 1 || !r->images || !r->images[0].pixels || !r->seeds) {
        *error = g_strdup("The engine returned no image.");
        return -1;
    }
    const sdswift_image *out = &r->images[0];
    gint nw = in->w, nh = in->h, lx = in->ox + in->x, ly = in->oy + in->y;
    if (mode == SD_TXT2IMG) lx = in->x, ly = in->y;
    if (mode == SD_OUTPAINT) nw += v->extend[0] + v->extend[2], nh += v->extend[1] + v->extend[3];
    /* txt2img may come back larger (rounded up to the model's factor): the top-left part is used */
    gboolean size_ok = mode == SD_TXT2IMG ? out->width >= nw && out->height >= nh : out->width == nw && out->height == nh;
    if (!size_ok || out->format != SDSWIFT_FORMAT_RGB8 || out->stride < (size_t)out->width * 3) {
        *error = g_strdup_printf("The engine returned a %dx%d image, expected %dx%d.", out->width, out->height, nw, nh);
        return -1;
    }
    guint8 *rgba = compose(mode, v, in, out, nw, nh);
    GimpImageType type = in->source >= 0 ? gimp_drawable_type(in->source)
                                         : gimp_image_base_type(image) == GIMP_GRAY ? GIMP_GRAY_IMAGE : GIMP_RGB_IMAGE;
    gchar *name = layer_name(v->prompt, r->seeds[0]);
    gint32 parent = in->source >= 0 ? gimp_item_get_parent(in->source) : -1;
    gint position = in->source >= 0 ? gimp_image_get_item_position(image, in->source) : 0;

    gimp_image_undo_group_start(image);
    gint32 layer = -1;
    if (mode == SD_OUTPAINT &&
        !gimp_image_resize(image, gimp_image_width(image) + v->extend[0] + v->extend[2],
                           gimp_image_height(image) + v->extend[1] + v->extend[3], v->extend[0], v->extend[1])) {
        *error = g_strdup("Could not resize the canvas.");
        goto done;
    }
    layer = gimp_layer_new(image, name, nw, nh, type, 100.0, GIMP_LAYER_MODE_NORMAL);
    /* inserting at the source's position puts the new layer directly above it */
    if (layer < 0 || !gimp_image_insert_layer(image, layer, parent > 0 ? parent : 0, position)) {
        *error = g_strdup("Could not add the new layer.");
        if (layer >= 0) gimp_item_delete(layer);
        layer = -1;
        goto done;
    }
    /* outpaint: gimp_image_resize moved every layer by (left, top), so the grown layer starts
     * where the source started before */
    gimp_layer_set_offsets(layer, lx, ly);
    sd_write_pixels(layer, rgba, nw, nh);
    if (in->mask) {
        sd_add_layer_mask(layer, in->mask, nw, nh);
        /* blend layer and mask in gamma-encoded values, as the engine blends its inpainting result
         * (GIMP 2.10's default for new layers is linear light) */
        gimp_layer_set_composite_space(layer, GIMP_LAYER_COLOR_SPACE_RGB_PERCEPTUAL);
    }
    const gchar *text = r->parameters && r->parameters[0] ? r->parameters[0] : "";
    GimpParasite *parasite = gimp_parasite_new("sdswift-parameters", GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
                                               (guint32)strlen(text) + 1, text);
    gimp_item_attach_parasite(layer, parasite);
    gimp_parasite_free(parasite);
    gimp_image_set_active_layer(image, layer);
done:
    gimp_image_undo_group_end(image);
    g_free(name);
    g_free(rgba);
    return layer;
}

/* SDSWIFT_GIMP_DUMP=<folder>: writes what went into and came out of the engine as PNGs
 * (<procedure>-seed<N>-input.png / -mask.png / -output.png), so tests and bug reports can compare
 * GIMP's result with the engine's. */
static void dump_for_tests(SdMode mode, const Inputs *in, const sdswift_result *r) {
    const gchar *dir = g_getenv("SDSWIFT_GIMP_DUMP");
    if (!dir || !*dir || r->count < 1 || !r->images || !r->seeds) return;
    gchar *stem = g_strdup_printf("%s/%s-seed%" G_GUINT64_FORMAT, dir, sd_mode_procedure(mode), r->seeds[0]);
    gchar *path = g_strconcat(stem, "-output.png", NULL);
    sdswift_png_write(path, &r->images[0], r->parameters ? r->parameters[0] : NULL);
    g_free(path);
    if (in->rgba) {
        sdswift_image image = {in->w, in->h, (size_t)in->w * 4, SDSWIFT_FORMAT_RGBA8, in->rgba};
        path = g_strconcat(stem, "-input.png", NULL);
        sdswift_png_write(path, &image, NULL);
        g_free(path);
    }
    if (in->mask && mode == SD_INPAINT) {
        sdswift_image mask = {in->w, in->h, (size_t)in->w, SDSWIFT_FORMAT_GRAY8, in->mask};
        path = g_strconcat(stem, "-mask.png", NULL);
        sdswift_png_write(path, &mask, NULL);
        g_free(path);
    }
    g_free(stem);
}

gboolean sd_run_mode(SdMode mode, GimpRunMode run_mode, gint32 image, gint32 drawable, const SdValues *v,
                     gint32 *new_layer, gint32 *seed_used, gchar **error) {
    Inputs in = {0};
    gboolean ok = FALSE;
    SdJob *job = NULL;
    *error = NULL;
    if (!find_source(mode, image, drawable, &in.source, error)) return FALSE;
    gchar *model = sd_resolve_model(v->model, error);
    if (!model) return FALSE;
    if (!read_inputs(mode, image, v, &in, error)) goto out;

    guint64 seed = v->random_seed ? (guint64)g_random_int_range(0, G_MAXINT32) : (guint64)v->seed;
    job = sd_job_new(mode, model, v, seed, in.rgba, in.w, in.h, mode == SD_INPAINT ? in.mask : NULL);
    if (run_mode == GIMP_RUN_NONINTERACTIVE) sd_job_run_with_gimp_progress(job);
    else sd_job_run_with_window(job, sd_mode_title(mode));

    sdswift_status status;
    const gchar *message;
    const sdswift_result *r = sd_job_result(job, &status, &message);
    if (!r) {
        if (status != SDSWIFT_CANCELLED) *error = g_strdup(*message ? message : sdswift_status_string(status));
        goto out;
    }
    dump_for_tests(mode, &in, r);
    *new_layer = add_result_layer(mode, image, v, &in, r, error);
    *seed_used = (gint32)r->seeds[0];
    ok = *new_layer >= 0;
    if (ok && run_mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();
out:
    sd_job_free(job);
    g_free(model);
    g_free(in.rgba);
    g_free(in.mask);
    return ok;
}
