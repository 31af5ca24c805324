/* PNG helper for Tests/GIMP/run.sh, built on libsdswift's PNG reader/writer (no Python needed).
 *
 *   pngcheck make OUT W H            writes an RGBA test picture: gradients, a few shapes and a
 *                                    fully transparent 8x8 top-left corner
 *   pngcheck size A                  prints "W H"
 *   pngcheck diff A B BX BY X Y W H  compares pixel (x, y) of A with pixel (x + BX, y + BY) of B
 *                                    (RGBA; gray and RGB count as opaque) and prints
 *                                    "inside=N/T outside=N/T": differing/compared pixels inside
 *                                    the rectangle X Y W H (in A's coordinates) and outside it
 *   pngcheck distinct A              prints the number of distinct RGB colours
 *   pngcheck alpha A                 prints "transparent=N opaque=N" (alpha 0 / 255 counts)
 *   pngcheck maxdiff A B BX BY       the largest RGB difference between pixel (x, y) of A and
 *                                    (x + BX, y + BY) of B where both are opaque: "max=N over1=K/T"
 *                                    (K of T compared pixels differ by more than 1)
 */
#include <sdswift.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sdswift_image load(const char *path) {
    sdswift_image img;
    if (sdswift_png_read(path, &img, NULL) != SDSWIFT_OK) {
        fprintf(stderr, "pngcheck: %s: %s\n", path, sdswift_last_error_message());
        exit(2);
    }
    return img;
}

static void rgba_at(const sdswift_image *img, int x, int y, unsigned char out[4]) {
    const unsigned char *p = img->pixels + (size_t)y * img->stride + (size_t)x * img->format;
    switch (img->format) {
    case SDSWIFT_FORMAT_GRAY8: out[0] = out[1] = out[2] = p[0]; out[3] = 255; break;
    case SDSWIFT_FORMAT_RGB8: memcpy(out, p, 3); out[3] = 255; break;
    default: memcpy(out, p, 4); break;
    }
}

static int make(const char *out, int w, int h) {
    unsigned char *px = malloc((size_t)w * h * 4);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = px + ((size_t)y * w + x) * 4;
            p[0] = (unsigned char)(x * 255 / (w - 1));
            p[1] = (unsigned char)(y * 255 / (h - 1));
            p[2] = (unsigned char)(((x / 8) + (y / 8)) % 2 ? 200 : 40);
            int dx = x - w / 2, dy = y - h / 2;
            if (dx * dx + dy * dy < (w / 5) * (w / 5)) p[0] = 250, p[1] = 230, p[2] = 20; /* a yellow disc */
            p[3] = x < 8 && y < 8 ? 0 : 255;
        }
    sdswift_image img = {w, h, (size_t)w * 4, SDSWIFT_FORMAT_RGBA8, px};
    sdswift_status s = sdswift_png_write(out, &img, NULL);
    free(px);
    if (s != SDSWIFT_OK) fprintf(stderr, "pngcheck: %s\n", sdswift_last_error_message());
    return s == SDSWIFT_OK ? 0 : 2;
}

int main(int argc, char **argv) {
    if (argc == 6 && !strcmp(argv[1], "maxdiff")) {
        sdswift_image a = load(argv[2]), b = load(argv[3]);
        int bx = atoi(argv[4]), by = atoi(argv[5]), max = 0;
        long over = 0, total = 0;
        for (int y = 0; y < a.height; y++)
            for (int x = 0; x < a.width; x++) {
                int u = x + bx, v = y + by;
                if (u < 0 || v < 0 || u >= b.width || v >= b.height) continue;
                unsigned char p[4], q[4];
                rgba_at(&a, x, y, p);
                rgba_at(&b, u, v, q);
                if (p[3] != 255 || q[3] != 255) continue;
                int d = 0;
                for (int c = 0; c < 3; c++) d = abs(p[c] - q[c]) > d ? abs(p[c] - q[c]) : d;
                max = d > max ? d : max;
                over += d > 1;
                total++;
            }
        printf("max=%d over1=%ld/%ld\n", max, over, total);
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "make")) return make(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (argc == 3 && !strcmp(argv[1], "size")) {
        sdswift_image a = load(argv[2]);
        printf("%d %d\n", a.width, a.height);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "distinct")) {
        sdswift_image a = load(argv[2]);
        static unsigned char seen[1 << 21]; /* one bit per 24-bit colour */
        long n = 0;
        for (int y = 0; y < a.height; y++)
            for (int x = 0; x < a.width; x++) {
                unsigned char p[4];
                rgba_at(&a, x, y, p);
                unsigned c = (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
                if (!(seen[c >> 3] & (1 << (c & 7)))) seen[c >> 3] |= (unsigned char)(1 << (c & 7)), n++;
            }
        printf("%ld\n", n);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "alpha")) {
        sdswift_image a = load(argv[2]);
        long t = 0, o = 0;
        for (int y = 0; y < a.height; y++)
            for (int x = 0; x < a.width; x++) {
                unsigned char p[4];
                rgba_at(&a, x, y, p);
                t += p[3] == 0, o += p[3] == 255;
            }
        printf("transparent=%ld opaque=%ld\n", t, o);
        return 0;
    }
    if (argc == 10 && !strcmp(argv[1], "diff")) {
        sdswift_image a = load(argv[2]), b = load(argv[3]);
        int bx = atoi(argv[4]), by = atoi(argv[5]), rx = atoi(argv[6]), ry = atoi(argv[7]), rw = atoi(argv[8]),
            rh = atoi(argv[9]);
        long in_diff = 0, in_total = 0, out_diff = 0, out_total = 0;
        for (int y = 0; y < a.height; y++)
            for (int x = 0; x < a.width; x++) {
                int u = x + bx, v = y + by;
                if (u < 0 || v < 0 || u >= b.width || v >= b.height) continue;
                unsigned char p[4], q[4];
                rgba_at(&a, x, y, p);
                rgba_at(&b, u, v, q);
                int differs = memcmp(p, q, 4) != 0;
                if (x >= rx && y >= ry && x < rx + rw && y < ry + rh) in_diff += differs, in_total++;
                else out_diff += differs, out_total++;
            }
        printf("inside=%ld/%ld outside=%ld/%ld\n", in_diff, in_total, out_diff, out_total);
        return 0;
    }
    fprintf(stderr, "usage: see the comment at the top of pngcheck.c\n");
    return 2;
}
