/* The parts of the C API that need no model: versions, features, status strings, thread-local
 * messages, requests and handle checking, PNG round trips. Usage: test_basic TMPDIR */
#include "check.h"

#include <pthread.h>

static void *other_thread(void *arg) {
    /* A failure on this thread must not change the main thread's message. */
    sdswift_status s = sdswift_model_load(NULL, NULL, NULL);
    (void)arg;
    return (void *)(size_t)(s == SDSWIFT_NULL_POINTER && sdswift_last_error_message()[0] != 0);
}

int main(int argc, char **argv) {
    char path[4096];
    const char *tmp = argc > 1 ? argv[1] : "/tmp";
    int i;

    /* versions */
    CHECK(sdswift_version() == SDSWIFT_VERSION_NUMBER, "version %u == header %d", sdswift_version(),
          SDSWIFT_VERSION_NUMBER);
    CHECK(strcmp(sdswift_version_string(), SDSWIFT_VERSION_STRING) == 0, "version string %s",
          sdswift_version_string());
    CHECK(sdswift_abi_version() == SDSWIFT_ABI_VERSION, "abi version %u", sdswift_abi_version());

    /* features and samplers */
    {
        uint64_t f = sdswift_features();
        CHECK((f & SDSWIFT_FEATURE_SD1) && (f & SDSWIFT_FEATURE_TXT2IMG) && (f & SDSWIFT_FEATURE_INPAINT) &&
                  (f & SDSWIFT_FEATURE_OUTPAINT) && (f & SDSWIFT_FEATURE_PNG),
              "features 0x%llx", (unsigned long long)f);
        CHECK(strcmp(sdswift_sampler_name(SDSWIFT_SAMPLER_EULER), "euler") == 0 &&
                  strcmp(sdswift_sampler_name(SDSWIFT_SAMPLER_EULER_A), "euler_a") == 0 &&
                  strcmp(sdswift_sampler_name(SDSWIFT_SAMPLER_DDIM), "ddim") == 0 &&
                  strcmp(sdswift_sampler_name(SDSWIFT_SAMPLER_DPMPP_2M), "dpmpp_2m") == 0 &&
                  strcmp(sdswift_sampler_name(SDSWIFT_SAMPLER_LCM), "lcm") == 0,
              "sampler names follow the enum");
        for (i = 0; sdswift_sampler_name(i); i++) continue;
        CHECK(i >= 5 && sdswift_sampler_name(-1) == NULL && sdswift_sampler_name(i) == NULL,
              "%d samplers, NULL past the end and for -1", i);
    }

    /* threads */
    {
        int before = sdswift_get_threads();
        sdswift_set_threads(1);
        CHECK(sdswift_get_threads() == 1, "set_threads(1)");
        sdswift_set_threads(-5);
        CHECK(sdswift_get_threads() == 1, "set_threads(-5) is taken as 1");
        sdswift_set_threads(before);
    }

    /* status strings: every code distinct and described */
    {
        sdswift_status all[] = {SDSWIFT_OK, SDSWIFT_INVALID_ARGUMENT, SDSWIFT_NULL_POINTER,
                                SDSWIFT_BAD_STRUCT_SIZE, SDSWIFT_BAD_IMAGE_SIZE, SDSWIFT_MASK_SIZE_MISMATCH,
                                SDSWIFT_FILE_NOT_FOUND, SDSWIFT_CORRUPT_MODEL, SDSWIFT_UNSUPPORTED_MODEL,
                                SDSWIFT_OUT_OF_MEMORY, SDSWIFT_CANCELLED, SDSWIFT_INTERNAL,
                                SDSWIFT_IO_ERROR, SDSWIFT_UNSUPPORTED};
        int n = (int)(sizeof all / sizeof all[0]), j, ok = 1;
        for (i = 0; i < n; i++) {
            const char *s = sdswift_status_string(all[i]);
            if (!s || !s[0] || strcmp(s, "unknown status") == 0) ok = 0;
            if (i > 0 && all[i] >= 0) ok = 0;
            for (j = 0; j < i; j++)
                if (all[j] == all[i]) ok = 0;
        }
        CHECK(ok, "%d status codes are distinct, negative and described", n);
        CHECK(strcmp(sdswift_status_string((sdswift_status)12345), "unknown status") == 0, "unknown status");
    }

    /* thread-local last error */
    {
        pthread_t t;
        void *ok = NULL;
        CHECK_STATUS(sdswift_model_load("/nonexistent/model.safetensors", NULL, NULL), SDSWIFT_NULL_POINTER);
        pthread_create(&t, NULL, other_thread, NULL);
        pthread_join(t, &ok);
        CHECK(ok != NULL, "the other thread saw its own message");
        CHECK(strstr(sdswift_last_error_message(), "out") != NULL,
              "this thread's message is still its own: [%s]", sdswift_last_error_message());
        CHECK_STATUS(sdswift_request_create(NULL), SDSWIFT_NULL_POINTER);
    }

    /* params init */
    {
        sdswift_generate_params p;
        sdswift_load_params lp;
        memset(&p, 0xAB, sizeof p);
        sdswift_generate_params_init(&p);
        CHECK(p.struct_size == sizeof p && p.width == 512 && p.height == 512 && p.steps == 20 &&
                  p.guidance == 7.5f && p.sampler == SDSWIFT_SAMPLER_EULER && p.sampler_name == NULL &&
                  p.batch_count == 1 && p.clip_skip == 1 && p.prompt == NULL && p.initial_noise == NULL &&
                  p.initial_noise_count == 0 && p.only_masked_padding == 32 && p.outpaint_overlap == 32 &&
                  p.extend_left == 0 && p.random_seed == 0 && p.strength == 0.75f,
              "generate params defaults");
        sdswift_load_params_init(&lp);
        CHECK(lp.struct_size == sizeof lp && lp.prediction == SDSWIFT_PREDICTION_AUTO, "load params defaults");
        sdswift_generate_params_init(NULL);
        sdswift_load_params_init(NULL);
    }

    /* requests */
    {
        sdswift_request *r = NULL;
        CHECK_STATUS(sdswift_request_create(&r), SDSWIFT_OK);
        CHECK(r != NULL && sdswift_request_is_cancelled(r) == 0, "new request is not cancelled");
        CHECK(strcmp(sdswift_request_error_message(r), "") == 0, "new request has no message");
        CHECK_STATUS(sdswift_request_cancel(r), SDSWIFT_OK);
        CHECK(sdswift_request_is_cancelled(r) == 1, "cancelled");
        CHECK_STATUS(sdswift_request_reset(r), SDSWIFT_OK);
        CHECK(sdswift_request_is_cancelled(r) == 0, "reset");
        CHECK_STATUS(sdswift_request_set_progress(r, NULL, NULL), SDSWIFT_OK);
        CHECK_STATUS(sdswift_request_cancel(NULL), SDSWIFT_NULL_POINTER);
        CHECK_STATUS(sdswift_request_reset(NULL), SDSWIFT_NULL_POINTER);
        CHECK_STATUS(sdswift_request_set_progress(NULL, NULL, NULL), SDSWIFT_NULL_POINTER);
        sdswift_request_free(r);
        /* a freed handle is dead, not dereferenced */
        CHECK_STATUS(sdswift_request_cancel(r), SDSWIFT_INVALID_ARGUMENT);
        CHECK(sdswift_request_is_cancelled(r) == 0 && strcmp(sdswift_request_error_message(r), "") == 0,
              "dead request queries are harmless");
        sdswift_request_free(r);
        sdswift_request_free(NULL);
        CHECK_STATUS(sdswift_request_cancel((sdswift_request *)&i), SDSWIFT_INVALID_ARGUMENT);
        CHECK(strcmp(sdswift_request_error_message(NULL), "") == 0, "NULL request message");
    }

    /* dead and foreign model handles */
    {
        sdswift_model_info info;
        info.struct_size = sizeof info;
        CHECK_STATUS(sdswift_model_get_info(NULL, &info), SDSWIFT_NULL_POINTER);
        CHECK_STATUS(sdswift_model_get_info((const sdswift_model *)&info, &info), SDSWIFT_INVALID_ARGUMENT);
        sdswift_model_free((sdswift_model *)&info);
        sdswift_model_free(NULL);
        sdswift_result_free((sdswift_result *)&info);
        sdswift_result_free(NULL);
        sdswift_string_free((char *)path);
        sdswift_string_free(NULL);
        sdswift_image_free(NULL);
        CHECK(1, "freeing NULL and foreign pointers is harmless");
    }

    /* PNG round trips with padded strides, all formats, parameters text */
    {
        sdswift_pixel_format formats[] = {SDSWIFT_FORMAT_GRAY8, SDSWIFT_FORMAT_RGB8, SDSWIFT_FORMAT_RGBA8};
        for (i = 0; i < 3; i++) {
            sdswift_image img = make_image(13, 7, formats[i], (unsigned)i), padded, back;
            char *params = NULL;
            int y;
            /* the same picture with 5 bytes of padding per row */
            padded = img;
            padded.stride = img.stride + 5;
            padded.pixels = (uint8_t *)calloc(padded.stride * 7, 1);
            for (y = 0; y < 7; y++) memcpy(padded.pixels + y * padded.stride, img.pixels + y * img.stride, img.stride);
            snprintf(path, sizeof path, "%s/roundtrip%d.png", tmp, i);
            CHECK_STATUS(sdswift_png_write(path, &padded, "a prompt\nSteps: 20, Seed: 1"), SDSWIFT_OK);
            CHECK_STATUS(sdswift_png_read(path, &back, &params), SDSWIFT_OK);
            CHECK(images_equal(&img, &back) && back.stride == img.stride, "format %d survives a PNG round trip",
                  (int)formats[i]);
            CHECK(params && strcmp(params, "a prompt\nSteps: 20, Seed: 1") == 0, "parameters text [%s]",
                  params ? params : "(null)");
            sdswift_string_free(params);
            sdswift_image_free(&back);
            CHECK(back.pixels == NULL && back.width == 0, "image_free zeroes the image");
            sdswift_image_free(&back);
            free(padded.pixels);
            free(img.pixels);
        }
        {
            sdswift_image img = make_image(4, 4, SDSWIFT_FORMAT_RGB8, 0), back, bad;
            char *params = (char *)path;
            snprintf(path, sizeof path, "%s/noparams.png", tmp);
            CHECK_STATUS(sdswift_png_write(path, &img, NULL), SDSWIFT_OK);
            CHECK_STATUS(sdswift_png_read(path, &back, &params), SDSWIFT_OK);
            CHECK(params == NULL, "no parameters chunk -> NULL");
            sdswift_image_free(&back);
            CHECK_STATUS(sdswift_png_read(path, &back, NULL), SDSWIFT_OK);
            sdswift_image_free(&back);
            sdswift_image_free(&back);

            CHECK_STATUS(sdswift_png_write(NULL, &img, NULL), SDSWIFT_NULL_POINTER);
            CHECK_STATUS(sdswift_png_write(path, NULL, NULL), SDSWIFT_NULL_POINTER);
            CHECK_STATUS(sdswift_png_write("", &img, NULL), SDSWIFT_INVALID_ARGUMENT);
            CHECK_STATUS(sdswift_png_write("/nonexistent-dir/x.png", &img, NULL), SDSWIFT_IO_ERROR);
            CHECK_STATUS(sdswift_png_write(path, &img, "\xff\xfe bad utf8"), SDSWIFT_INVALID_ARGUMENT);
            bad = img; bad.pixels = NULL;
            CHECK_STATUS(sdswift_png_write(path, &bad, NULL), SDSWIFT_NULL_POINTER);
            bad = img; bad.format = (sdswift_pixel_format)2;
            CHECK_STATUS(sdswift_png_write(path, &bad, NULL), SDSWIFT_INVALID_ARGUMENT);
            bad = img; bad.width = 0;
            CHECK_STATUS(sdswift_png_write(path, &bad, NULL), SDSWIFT_BAD_IMAGE_SIZE);
            bad = img; bad.height = -3;
            CHECK_STATUS(sdswift_png_write(path, &bad, NULL), SDSWIFT_BAD_IMAGE_SIZE);
            bad = img; bad.width = 1 << 30;
            CHECK_STATUS(sdswift_png_write(path, &bad, NULL), SDSWIFT_BAD_IMAGE_SIZE);
            bad = img; bad.stride = 5;
            CHECK_STATUS(sdswift_png_write(path, &bad, NULL), SDSWIFT_BAD_IMAGE_SIZE);
            bad = img; bad.stride = (size_t)-1;
            CHECK_STATUS(sdswift_png_write(path, &bad, NULL), SDSWIFT_BAD_IMAGE_SIZE);

            CHECK_STATUS(sdswift_png_read(NULL, &back, NULL), SDSWIFT_NULL_POINTER);
            CHECK_STATUS(sdswift_png_read(path, NULL, NULL), SDSWIFT_NULL_POINTER);
            CHECK_STATUS(sdswift_png_read("/nonexistent/x.png", &back, NULL), SDSWIFT_FILE_NOT_FOUND);
            CHECK(back.pixels == NULL, "failed read leaves a zeroed image");
            CHECK_STATUS(sdswift_png_read(tmp, &back, NULL), SDSWIFT_FILE_NOT_FOUND);
            {
                FILE *f;
                snprintf(path, sizeof path, "%s/notapng.png", tmp);
                f = fopen(path, "wb");
                fputs("this is not a PNG file at all", f);
                fclose(f);
                CHECK_STATUS(sdswift_png_read(path, &back, NULL), SDSWIFT_IO_ERROR);
            }
            {
                /* a PNG header that declares 100000 x 100000 pixels */
                static const unsigned char huge[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a,
                                                     0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 1, 0x86, 0xa0,
                                                     0, 1, 0x86, 0xa0, 8, 2, 0, 0, 0, 0, 0, 0, 0};
                FILE *f;
                snprintf(path, sizeof path, "%s/huge.png", tmp);
                f = fopen(path, "wb");
                fwrite(huge, 1, sizeof huge, f);
                fclose(f);
                CHECK_STATUS(sdswift_png_read(path, &back, NULL), SDSWIFT_IO_ERROR);
            }
            free(img.pixels);
        }
    }
    return CHECK_DONE();
}
