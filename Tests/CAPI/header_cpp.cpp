// Compiles with c++ -std=c++11 -Wall -Wextra -Werror: the header is valid C++ with C linkage.
#include "sdswift.h"

#include <type_traits>

static_assert(std::is_standard_layout<sdswift_generate_params>::value, "C layout");
static_assert(std::is_trivially_copyable<sdswift_image>::value, "C layout");
static_assert(sizeof(sdswift_status) == sizeof(int), "status is an int");

int main() {
    sdswift_generate_params p;
    sdswift_generate_params_init(&p);  // only declared: this file is compiled, not linked
    return p.sampler == SDSWIFT_SAMPLER_EULER ? 0 : 1;
}
