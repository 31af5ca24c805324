// A minimal C++ program using the RAII wrapper in sdswift.hpp.
//   c++ -std=c++11 txt2img.cpp $(pkg-config --cflags --libs sdswift) -o txt2img
//   ./txt2img model.safetensors out.png [SIZE]
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "sdswift.hpp"

int main(int argc, char **argv) {
    if (argc < 3) {
        std::cerr << "usage: " << argv[0] << " MODEL OUT.png [SIZE]\n";
        return 2;
    }
    try {
        sdswift::Model model(argv[1]);
        sdswift_model_info info = model.info();
        int size = argc > 3 ? std::atoi(argv[3]) : info.native_width;

        sdswift::Request request;
        request.on_progress([](const sdswift_progress &p) {
            if (p.stage == SDSWIFT_STAGE_DENOISE) std::fprintf(stderr, "\rstep %d/%d", p.step, p.total);
            return true;  // keep going
        });
        sdswift::Params params;
        params.prompt("a watercolor of a mountain lake").negative("blurry").size(size, size).steps(8).seed(1234);

        sdswift::Result result = request.txt2img(model, params);
        std::fprintf(stderr, "\n");
        sdswift::write_png(argv[2], result->images[0], result->parameters[0]);
        std::cout << argv[2] << ": " << result->images[0].width << "x" << result->images[0].height << ", seed "
                  << result->seeds[0] << "\n";
    } catch (const sdswift::Error &e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
