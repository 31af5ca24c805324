/* Pixels in and out of GIMP through GEGL buffers, always as 8-bit R'G'B'A (the engine's input)
 * and linear Y for masks: GIMP's layer modes take a mask as linear "Y float" opacity, so reading
 * the selection and writing the layer mask as "Y u8" gives exactly the opacity GIMP composites with,
 * whatever format the channel is stored in.
 * RGB layers are read and written in the image's own colour space (babl_format_with_space), so
 * nothing is converted to sRGB and back; grayscale layers are read as gray R=G=B and babl turns
 * the result back into gray when it is written. */
#include "sdswift-gimp.h"

#include <math.h>
#include <string.h>

static const Babl *rgba_format(gint32 drawable) {
    return babl_format_with_space("R'G'B'A u8", gimp_drawable_is_rgb(drawable) ? gimp_drawable_get_format(drawable) : NULL);
}

guint8 *sd_read_rgba(gint32 drawable, gint x, gint y, gint w, gint h) {
    guint8 *px = g_malloc((gsize)w * h * 4);
    GeglBuffer *buffer = gimp_drawable_get_buffer(drawable);
    gegl_buffer_get(buffer, GEGL_RECTANGLE(x, y, w, h), 1.0, rgba_format(drawable), px, GEGL_AUTO_ROWSTRIDE,
                    GEGL_ABYSS_NONE);
    g_object_unref(buffer);
    return px;
}

guint8 *sd_read_selection(gint32 image, gint x, gint y, gint w, gint h) {
    guint8 *m = g_malloc0((gsize)w * h);
    GeglBuffer *buffer = gimp_drawable_get_buffer(gimp_image_get_selection(image));
    /* outside the image the selection is empty: GEGL_ABYSS_NONE reads zeros there */
    gegl_buffer_get(buffer, GEGL_RECTANGLE(x, y, w, h), 1.0, babl_format("Y u8"), m, GEGL_AUTO_ROWSTRIDE,
                    GEGL_ABYSS_NONE);
    g_object_unref(buffer);
    return m;
}

void sd_write_pixels(gint32 layer, const guint8 *rgba, gint w, gint h) {
    GeglBuffer *buffer = gimp_drawable_get_buffer(layer);
    gegl_buffer_set(buffer, GEGL_RECTANGLE(0, 0, w, h), 0, rgba_format(layer), rgba, GEGL_AUTO_ROWSTRIDE);
    g_object_unref(buffer); /* flushes to GIMP */
    gimp_drawable_update(layer, 0, 0, w, h);
}

gint32 sd_add_layer_mask(gint32 layer, const guint8 *mask, gint w, gint h) {
    gint32 m = gimp_layer_create_mask(layer, GIMP_ADD_MASK_WHITE);
    if (m < 0 || !gimp_layer_add_mask(layer, m)) return -1;
    GeglBuffer *buffer = gimp_drawable_get_buffer(m);
    gegl_buffer_set(buffer, GEGL_RECTANGLE(0, 0, w, h), 0, babl_format("Y u8"), mask, GEGL_AUTO_ROWSTRIDE);
    g_object_unref(buffer);
    gimp_drawable_update(m, 0, 0, w, h);
    return m;
}

gboolean sd_mask_is_empty(const guint8 *mask, gsize n) {
    for (gsize i = 0; i < n; i++)
        if (mask[i]) return FALSE;
    return TRUE;
}

/* One pass of a normalised 1-D kernel along rows (horizontal) or columns, edges clamped. */
static void blur_pass(const float *src, float *dst, gint w, gint h, const float *k, gint r, gboolean horizontal) {
    for (gint y = 0; y < h; y++)
        for (gint x = 0; x < w; x++) {
            float acc = 0;
            for (gint d = -r; d <= r; d++) {
                gint xx = horizontal ? CLAMP(x + d, 0, w - 1) : x;
                gint yy = horizontal ? y : CLAMP(y + d, 0, h - 1);
                acc += k[d + r] * src[(gsize)yy * w + xx];
            }
            dst[(gsize)y * w + x] = acc;
        }
}

void sd_feather(guint8 *mask, gint w, gint h, gint radius) {
    if (radius <= 0) return;
    gsize n = (gsize)w * h;
    float *a = g_new(float, n), *b = g_new(float, n), *k = g_new(float, 2 * radius + 1);
    float sigma = radius / 2.0f, total = 0;
    for (gint d = -radius; d <= radius; d++) total += k[d + radius] = expf(-(float)(d * d) / (2 * sigma * sigma));
    for (gint i = 0; i <= 2 * radius; i++) k[i] /= total;
    for (gsize i = 0; i < n; i++) a[i] = mask[i] / 255.0f;
    blur_pass(a, b, w, h, k, radius, TRUE);
    blur_pass(b, a, w, h, k, radius, FALSE);
    for (gsize i = 0; i < n; i++) mask[i] = (guint8)CLAMP(lrintf(a[i] * 255.0f), 0, 255);
    g_free(a);
    g_free(b);
    g_free(k);
}
