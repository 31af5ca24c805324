/* Deliberately leaks an image that sdswift_png_read allocated: run.sh expects AddressSanitizer's
 * leak checker to fail this program, which shows that the other tests' clean leak reports mean
 * something (the library's handle table must not hide leaked buffers). Usage: leak_probe PNG */
#include "sdswift.h"

#include <stdio.h>

int main(int argc, char **argv) {
    sdswift_image image;
    if (argc < 2 || sdswift_png_read(argv[1], &image, NULL) != SDSWIFT_OK) return 2;
    printf("read %dx%d and leaked it\n", image.width, image.height);
    return 0;
}
