/* giflib (Debian: libgif-dev), used by the CLI to write animations. */
#include <gif_lib.h>
