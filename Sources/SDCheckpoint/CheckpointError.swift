// Every failure to open or read a checkpoint, with a message meant for the person running the program.

public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    case fileNotFound(String)
    /// The file is not a safetensors file (path, why).
    case notSafetensors(String, String)
    /// A safetensors file or config whose contents break the format's rules.
    case corrupt(String)
    /// Well-formed, but something this engine does not implement (dtype, architecture, layout).
    case unsupported(String)
    /// A model part (text encoder, UNet, VAE, scheduler config) that a checkpoint lacks.
    case missingComponent(String)
    case missingTensor(String)
    /// Element counts differ; shapes are given as found in the model definition and in the file.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// A PyTorch pickle (.ckpt/.pt/.bin): we never unpickle, because unpickling runs arbitrary code.
    case pickleNotSupported(String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "file not found: \(path)"
        case .notSafetensors(let path, let why):
            return "\(path) is not a safetensors file: \(why)"
        case .corrupt(let reason):
            return "corrupt checkpoint: \(reason)"
        case .unsupported(let reason):
            return "unsupported: \(reason)"
        case .missingComponent(let what):
            return "missing model component: \(what)"
        case .missingTensor(let name):
            return "missing tensor \(name)"
        case .shapeMismatch(let name, let expected, let found):
            let e = expected.reduce(1, *), f = found.reduce(1, *)
            return "tensor \(name) has shape \(found) (\(f) elements), expected \(expected) (\(e) elements)"
        case .pickleNotSupported(let path):
            return "\(path) is a PyTorch pickle checkpoint; sdswift never unpickles files (loading a pickle "
                + "can run arbitrary code). Convert it to .safetensors first, e.g. with the safetensors "
                + "convert tool, and open that file instead."
        }
    }
}
