// swift-tools-version:6.0
// sdswift: a Stable Diffusion engine in Swift, exported as a C library.
//
// Layers (each target imports only those above it in this list):
//   kernels      SDKernelsC (OpenBLAS loaded at first use, AVX2/FMA C kernels with run-time dispatch),
//                SDKernels (BLAS, threads)
//   tensors      SDTensor (Tensor, nn modules)
//   models       SDCheckpoint (safetensors, layouts, configs), SDTokenizer (CLIP BPE), SDModels (CLIP, UNet, VAE)
//   schedulers   SDSchedulers
//   pipeline     SDPipeline (one denoising loop for every mode), CPNG
//   front ends   SDSwiftCAPI (libsdswift.so, Include/sdswift.h), SDSwiftCLI (the sdswift command)
import PackageDescription

let optimize: [SwiftSetting] = []

// Opt-in for sanitizer builds only (Tests/Reliability/tsan.sh): SDSWIFT_SANITIZE_BUILD=1 links the C
// library against the shared Swift runtime and without -z defs, because a sanitized shared library
// leaves the sanitizer's own symbols (__tsan_*) for the executable to provide. Unset: unchanged.
let sanitizeBuild = Context.environment["SDSWIFT_SANITIZE_BUILD"] == "1"
let capiLinkFlags = sanitizeBuild
    ? ["-Xlinker", "-soname=libsdswift.so.1", "-Xlinker",
       "--version-script=\(Context.packageDirectory)/Sources/SDSwiftCAPI/sdswift.exports"]
    : ["-static-stdlib", "-Xlinker", "-soname=libsdswift.so.1", "-Xlinker",
       "--version-script=\(Context.packageDirectory)/Sources/SDSwiftCAPI/sdswift.exports",
       // static Foundation's own dependencies, which -static-stdlib leaves out;
       // -z defs fails the link if any symbol is still missing
       "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCollections",
       "-l_FoundationCShims", "-Xlinker", "-z", "-Xlinker", "defs"]
// Under TSan the target_clones ifunc resolvers of SDKernelsC would call __tsan_func_entry while the
// dynamic loader relocates, before TSan is initialized (a crash at start); memory accesses stay checked.
let kernelsCFlags = ["-O3"] + (sanitizeBuild ? ["-mllvm", "-tsan-instrument-func-entry-exit=0"] : [])

let package = Package(
    name: "sdswift",
    products: [
        .library(name: "sdswift", type: .dynamic, targets: ["SDSwiftCAPI"]),
        // The sdswift command. SwiftPM allows one product per name and "sdswift" names the C
        // library, so the product is sdswift-cli; Tools/install.sh installs it as `sdswift`.
        .executable(name: "sdswift-cli", targets: ["SDSwiftCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .target(name: "SDKernelsC", path: "Sources/SDKernelsC",
                cSettings: [.unsafeFlags(kernelsCFlags)]),
        .target(name: "SDKernels", dependencies: ["SDKernelsC"], path: "Sources/SDKernels",
                swiftSettings: optimize),
        .target(name: "SDTensor", dependencies: ["SDKernels"], path: "Sources/SDTensor",
                swiftSettings: optimize),
        .target(name: "SDCheckpoint", dependencies: ["SDTensor"], path: "Sources/SDCheckpoint",
                swiftSettings: optimize),
        .target(name: "SDTokenizer", path: "Sources/SDTokenizer", exclude: ["Resources"]),
        .target(name: "SDModels", dependencies: ["SDTensor", "SDCheckpoint"], path: "Sources/SDModels",
                swiftSettings: optimize),
        .target(name: "SDSchedulers", dependencies: ["SDKernels", "SDCheckpoint"], path: "Sources/SDSchedulers",
                swiftSettings: optimize),
        .target(name: "SDPipeline",
                dependencies: ["SDModels", "SDTokenizer", "SDSchedulers", "SDCheckpoint", "CPNG"],
                path: "Sources/SDPipeline", swiftSettings: optimize),
        // The C library: Include/sdswift.h (imported through the CSDSwift module map) implemented by
        // @_cdecl functions. Linked with the Swift runtime inside and only sdswift_* exported.
        .systemLibrary(name: "CSDSwift", path: "Include"),
        .target(name: "SDSwiftCAPI", dependencies: ["SDPipeline", "CSDSwift"], path: "Sources/SDSwiftCAPI",
                exclude: ["sdswift.exports"], swiftSettings: optimize,
                linkerSettings: [.unsafeFlags(capiLinkFlags)]),
        // giflib (libgif-dev): the CLI's animated GIFs (sdswift animate).
        .systemLibrary(name: "CGIF", path: "Sources/CGIF"),
        .executableTarget(name: "SDSwiftCLI",
                          dependencies: ["SDPipeline", "SDCheckpoint", "SDSchedulers", "SDKernels", "CGIF",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Sources/SDSwiftCLI"),
        // Benchmarks (not tests): swift run -c release sdswift-bench MODEL
        .executableTarget(name: "sdswift-bench", dependencies: ["SDPipeline"], path: "Benchmarks/SDSwiftBench"),
        .testTarget(name: "SDCheckpointTests", dependencies: ["SDCheckpoint"], path: "Tests/SDCheckpointTests"),
        .testTarget(name: "SDTokenizerTests", dependencies: ["SDTokenizer", "SDCheckpoint"], path: "Tests/SDTokenizerTests"),
        .testTarget(name: "SDSchedulersTests", dependencies: ["SDSchedulers", "SDCheckpoint"], path: "Tests/SDSchedulersTests"),
        .testTarget(name: "SDModelsTests", dependencies: ["SDModels", "SDPipeline", "SDSchedulers", "SDCheckpoint", "SDTensor", "SDKernels"], path: "Tests/SDModelsTests"),
    ],
    swiftLanguageModes: [.v5]
)
