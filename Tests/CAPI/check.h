/* A tiny test harness for the C API tests: every CHECK prints "ok - ..." or "not ok - ..."
 * (the runner counts them); main returns non-zero when any check failed. */
#ifndef SDSWIFT_TEST_CHECK_H
#define SDSWIFT_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdswift.h"

static int check_failures = 0;

#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (cond) {                                                   \
            printf("ok - ");                                          \
        } else {                                                      \
            printf("not ok - %s:%d: ", __FILE__, __LINE__);           \
            check_failures++;                                         \
        }                                                             \
        printf(__VA_ARGS__);                                          \
        printf("\n");                                                 \
        fflush(stdout);                                               \
    } while (0)

/* A call that must return `expected` and leave a non-empty message (or "" after success). */
#define CHECK_STATUS(call, expected)                                                         \
    do {                                                                                     \
        sdswift_status got_ = (call);                                                        \
        const char *msg_ = sdswift_last_error_message();                                     \
        int msg_ok_ = (expected) == SDSWIFT_OK ? (msg_ && msg_[0] == 0) : (msg_ && msg_[0] != 0); \
        CHECK(got_ == (expected) && msg_ok_, "%s -> %s (%d) [%s]", #call,                    \
              sdswift_status_string(got_), (int)got_, msg_ ? msg_ : "(null message)");       \
    } while (0)

#define CHECK_DONE() (printf("# %s: %d failed\n", __FILE__, check_failures), check_failures ? 1 : 0)

/* An RGB8 test image with a simple pattern, pixels owned by the caller (free()). */
static inline sdswift_image make_image(int w, int h, sdswift_pixel_format format, unsigned seed) {
    sdswift_image img;
    int bpp = (int)format, x, y, c;
    img.width = w;
    img.height = h;
    img.stride = (size_t)w * (size_t)bpp;
    img.format = format;
    img.pixels = (uint8_t *)malloc(img.stride * (size_t)h);
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            for (c = 0; c < bpp; c++)
                img.pixels[(size_t)y * img.stride + (size_t)(x * bpp + c)] =
                    (uint8_t)((x * 37 + y * 11 + c * 71 + (int)seed * 13) & 0xff);
    return img;
}

static inline int images_equal(const sdswift_image *a, const sdswift_image *b) {
    int y;
    if (a->width != b->width || a->height != b->height || a->format != b->format) return 0;
    for (y = 0; y < a->height; y++)
        if (memcmp(a->pixels + (size_t)y * a->stride, b->pixels + (size_t)y * b->stride,
                   (size_t)a->width * (size_t)a->format) != 0)
            return 0;
    return 1;
}

static inline int results_equal(const sdswift_result *a, const sdswift_result *b) {
    size_t i;
    if (!a || !b || a->count != b->count) return 0;
    for (i = 0; i < a->count; i++)
        if (!images_equal(&a->images[i], &b->images[i])) return 0;
    return 1;
}

#endif
