// A small header-only C++11 RAII wrapper over the sdswift C API: handles that free themselves,
// failures as exceptions carrying the status, progress as a std::function.
#ifndef SDSWIFT_HPP
#define SDSWIFT_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sdswift.h"

namespace sdswift {

class Error : public std::runtime_error {
public:
    Error(sdswift_status status, const std::string &message)
        : std::runtime_error(std::string(sdswift_status_string(status)) + ": " + message), status_(status) {}
    sdswift_status status() const { return status_; }

private:
    sdswift_status status_;
};

inline void check(sdswift_status s) {
    if (s != SDSWIFT_OK) throw Error(s, sdswift_last_error_message());
}

// Deleters for std::unique_ptr.
struct ModelDeleter { void operator()(sdswift_model *m) const { sdswift_model_free(m); } };
struct RequestDeleter { void operator()(sdswift_request *r) const { sdswift_request_free(r); } };
struct ResultDeleter { void operator()(sdswift_result *r) const { sdswift_result_free(r); } };

using Result = std::unique_ptr<sdswift_result, ResultDeleter>;

// A loaded model; copies share it (the C handle is thread-safe and freed with the last copy).
class Model {
public:
    explicit Model(const std::string &path, sdswift_prediction prediction = SDSWIFT_PREDICTION_AUTO) {
        sdswift_load_params lp;
        sdswift_load_params_init(&lp);
        lp.prediction = prediction;
        sdswift_model *m = nullptr;
        check(sdswift_model_load(path.c_str(), &lp, &m));
        model_.reset(m, ModelDeleter());
    }
    sdswift_model_info info() const {
        sdswift_model_info i;
        i.struct_size = sizeof i;
        check(sdswift_model_get_info(model_.get(), &i));
        return i;
    }
    const sdswift_model *get() const { return model_.get(); }

private:
    std::shared_ptr<sdswift_model> model_;
};

// One generation context: progress callback and cancellation (cancel() from any thread).
class Request {
public:
    using Progress = std::function<bool(const sdswift_progress &)>;  // return false to cancel

    Request() {
        sdswift_request *r = nullptr;
        check(sdswift_request_create(&r));
        request_.reset(r);
    }
    void on_progress(Progress fn) {
        progress_ = std::move(fn);
        check(sdswift_request_set_progress(request_.get(), progress_ ? &Request::trampoline : nullptr, this));
    }
    void cancel() { sdswift_request_cancel(request_.get()); }
    void reset() { sdswift_request_reset(request_.get()); }

    Result txt2img(const Model &m, const sdswift_generate_params &p) {
        return run([&](sdswift_result **out) { return sdswift_txt2img(m.get(), request_.get(), &p, out); });
    }
    Result img2img(const Model &m, const sdswift_generate_params &p, const sdswift_image &image) {
        return run([&](sdswift_result **out) { return sdswift_img2img(m.get(), request_.get(), &p, &image, out); });
    }
    Result inpaint(const Model &m, const sdswift_generate_params &p, const sdswift_image &image,
                   const sdswift_image &mask) {
        return run([&](sdswift_result **out) {
            return sdswift_inpaint(m.get(), request_.get(), &p, &image, &mask, out);
        });
    }
    Result outpaint(const Model &m, const sdswift_generate_params &p, const sdswift_image &image) {
        return run([&](sdswift_result **out) { return sdswift_outpaint(m.get(), request_.get(), &p, &image, out); });
    }

private:
    static int trampoline(const sdswift_progress *p, void *self) {
        Request *r = static_cast<Request *>(self);
        try {
            return r->progress_(*p) ? 0 : 1;
        } catch (...) {
            return 1;  // never let an exception cross the C library
        }
    }
    template <class F> Result run(F call) {
        sdswift_result *out = nullptr;
        check(call(&out));
        return Result(out);
    }

    std::unique_ptr<sdswift_request, RequestDeleter> request_;
    Progress progress_;
};

// Generation parameters with the library's defaults; the strings are kept alive here.
class Params {
public:
    Params() { sdswift_generate_params_init(&p_); }
    Params &prompt(std::string s) { prompt_ = std::move(s); p_.prompt = prompt_.c_str(); return *this; }
    Params &negative(std::string s) { negative_ = std::move(s); p_.negative_prompt = negative_.c_str(); return *this; }
    Params &size(int w, int h) { p_.width = w; p_.height = h; return *this; }
    Params &steps(int n) { p_.steps = n; return *this; }
    Params &guidance(float g) { p_.guidance = g; return *this; }
    Params &seed(std::uint64_t s) { p_.seed = s; p_.random_seed = 0; return *this; }
    Params &sampler(std::string name) { sampler_ = std::move(name); p_.sampler_name = sampler_.c_str(); return *this; }
    sdswift_generate_params &raw() { return p_; }
    operator const sdswift_generate_params &() const { return p_; }

private:
    sdswift_generate_params p_;
    std::string prompt_, negative_, sampler_;
};

inline void write_png(const std::string &path, const sdswift_image &image, const char *parameters = nullptr) {
    check(sdswift_png_write(path.c_str(), &image, parameters));
}

}  // namespace sdswift

#endif
