// libFuzzer harness for the parsers that read untrusted bytes: the safetensors header, checkpoint
// layout detection, the diffusers config.json reader, the PNG reader and the CLIP tokenizer.
// One binary; SDFUZZ_TARGET (safetensors, layout, config, png, tokenizer) picks the parser.
// Built by Tests/Fuzz/run.sh against debug (testable, coverage- and ASan-instrumented) modules,
// so internal entry points such as SafeTensorsHeader.parse can be called without a file.
// An input "fails" only by crashing: a thrown error is the parser doing its job.

import Foundation
import Glibc
@testable import SDCheckpoint
@testable import SDPipeline
import SDSchedulers
import SDTokenizer

private let target = ProcessInfo.processInfo.environment["SDFUZZ_TARGET"] ?? ""
/// A private scratch file for the parsers that only take a path (Checkpoint.open).
private let scratchPath = "/dev/shm/sdswift-fuzz-\(getpid()).safetensors"

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    guard ["safetensors", "layout", "config", "png", "tokenizer"].contains(target) else {
        fputs("set SDFUZZ_TARGET to safetensors, layout, config, png or tokenizer\n", stderr)
        exit(2)
    }
    atexit { unlink(scratchPath) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch target {
    case "safetensors": fuzzSafeTensors(bytes)
    case "layout": fuzzLayout(bytes)
    case "config": fuzzConfig(bytes)
    case "png": fuzzPNG(bytes)
    case "tokenizer": fuzzTokenizer(bytes)
    default: break
    }
    return 0
}

/// The header parser on the raw bytes; when it accepts them, the same bytes as a mapped file and
/// every weight tensor widened to Float through SafeTensorsFile (the real read path; ASan reports
/// any byte read outside the mapping).
private func fuzzSafeTensors(_ bytes: UnsafeRawBufferPointer) {
    guard (try? SafeTensorsHeader.parse(bytes, path: "fuzz", maxHeaderBytes: 1 << 20)) != nil,
          FileManager.default.createFile(atPath: scratchPath, contents: Data(bytes)),
          let file = try? SafeTensorsFile(path: scratchPath) else { return }
    for name in file.tensorNames where file.info(name)!.dtype.isWeightType {
        _ = try? file.readFloats(name)
    }
}

/// Layout detection and load-time validation of a single-file checkpoint. The input is a tensor
/// list, one "name dtype dim,dim,..." a line (the fuzzer mutates names, dtypes and shapes); the
/// harness writes it as a well-formed safetensors file with zeroed data, so the fuzzing reaches
/// the detection code instead of stopping at the offsets check.
private func fuzzLayout(_ bytes: UnsafeRawBufferPointer) {
    var entries: [String] = [], offset = 0
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
        let parts = line.split(separator: " ")
        guard parts.count == 3, !parts[0].contains("\""), !parts[0].contains("\\") else { continue }
        let dtype = String(parts[1])
        guard let d = SafeTensorsDType(rawValue: dtype) else { continue }
        let dims = parts[2].split(separator: ",").compactMap { Int($0) }
        guard dims.allSatisfy({ $0 >= 0 && $0 <= 1 << 16 }) else { continue }
        let (count, overflow) = dims.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d); return (p, acc.1 || o)
        }
        guard !overflow, count <= 1 << 22 else { continue }
        let size = count * d.byteSize
        guard offset + size <= 64 << 20 else { continue }  // keep each run small
        entries.append("\"\(parts[0])\":{\"dtype\":\"\(dtype)\",\"shape\":[\(dims.map(String.init).joined(separator: ","))],"
                       + "\"data_offsets\":[\(offset),\(offset + size)]}")
        offset += size
    }
    var json = Array(("{" + entries.joined(separator: ",") + "}").utf8)
    while json.count % 8 != 0 { json.append(0x20) }
    var file = [UInt8](repeating: 0, count: 8)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { for i in 0..<8 { file[i] = $0[i] } }
    file += json
    file += [UInt8](repeating: 0, count: offset)
    guard FileManager.default.createFile(atPath: scratchPath, contents: Data(file)) else { return }
    if let checkpoint = try? Checkpoint.open(path: scratchPath) { _ = checkpoint.summary }
}

/// The config.json reader and the configuration checks. First byte: which component's config
/// the rest is (text encoder, UNet, VAE, scheduler); it replaces that part of an SD1 config, which
/// is then validated and turned into its tensor list, as Checkpoint.open does, and a scheduler.
private func fuzzConfig(_ bytes: UnsafeRawBufferPointer) {
    guard let kind = bytes.first else { return }
    let body = Data(bytes.dropFirst())
    guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
          let values = object as? [String: Any] else { return }
    let json = ConfigJSON(path: "config.json", values: values)
    var config = ModelConfig()
    do {
        switch kind % 4 {
        case 0: config.text = try CLIPTextConfig(diffusers: json)
        case 1: config.unet = try UNetConfig(diffusers: json)
        case 2: config.vae = try VAEConfig(diffusers: json)
        default: config.schedule = try NoiseScheduleConfig(diffusers: json)
        }
        try ConfigValidation.check(config, origin: "fuzz")
    } catch { return }
    // What Checkpoint.validate computes for every expected tensor.
    let expected = expectedTensors(for: config.text) + expectedTensors(for: config.unet) + expectedTensors(for: config.vae)
    _ = expected.reduce(0) { $0 &+ $1.elementCount }
    precondition(config.vae.downscale >= 1, "a VAE that downscales by \(config.vae.downscale)")
    // The schedule a generation would build from it (errors are fine, traps are not).
    _ = try? makeScheduler(kind: .euler, config: config.schedule, steps: 20)
}

/// PNG decoding and the text-chunk reader. Inputs whose IHDR declares more than 2048 pixels a
/// side are skipped (the C API refuses over 16384 before decoding; the smaller cap keeps runs fast).
private func fuzzPNG(_ bytes: UnsafeRawBufferPointer) {
    let b = [UInt8](bytes)
    if b.count >= 24, b[12...15].elementsEqual("IHDR".utf8) {
        func be32(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        guard be32(16) <= 2048, be32(20) <= 2048 else { return }
    }
    _ = PNG.textChunks(b)
    if let image = try? PNG.decode(b) {
        precondition(image.pixels.count == image.width * image.height * image.channels)
    }
}

/// Prompt tokenization (both dialects) and long-prompt chunking on arbitrary (also invalid) UTF-8.
private func fuzzTokenizer(_ bytes: UnsafeRawBufferPointer) {
    let text = String(decoding: bytes, as: UTF8.self)
    let tokenizer = CLIPTokenizer.shared
    for dialect in [CLIPTokenizer.Dialect.standard, .diffusersSD2] {
        for window in tokenizer.windows(text, padTokenID: 0, dialect: dialect) {
            precondition(window.count == 77 && window.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabularySize })
        }
    }
}
