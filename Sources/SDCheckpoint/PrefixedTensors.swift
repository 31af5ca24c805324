// The tensors of a single-file checkpoint under one component prefix (e.g. "first_stage_model."),
// with the prefix stripped, plus the small queries config detection needs.

struct PrefixedTensors {
    let file: SafeTensorsFile
    let prefix: String
    /// Stripped name -> stored name.
    let storedNames: [String: String]

    init(file: SafeTensorsFile, prefix: String) {
        self.file = file
        self.prefix = prefix
        var names: [String: String] = [:]
        for name in file.tensors.keys where name.hasPrefix(prefix) { names[String(name.dropFirst(prefix.count))] = name }
        storedNames = names
    }

    var isEmpty: Bool { storedNames.isEmpty }

    func shape(_ name: String) -> [Int]? { storedNames[name].flatMap { file.info($0)?.shape } }

    func has(_ name: String) -> Bool { storedNames[name] != nil }

    /// `shape(name)[dimension]`, or a clear error naming what detection needed.
    func dimension(_ name: String, _ dimension: Int, rank: Int? = nil) throws -> Int {
        guard let shape = shape(name) else { throw CheckpointError.missingTensor(prefix + name) }
        guard dimension < shape.count, rank == nil || shape.count == rank else {
            throw CheckpointError.corrupt("tensor \(prefix + name) has unexpected shape \(shape)")
        }
        return shape[dimension]
    }

    /// The distinct integers N in names "<start>N.<...>", sorted.
    func indices(after start: String) -> [Int] {
        var found = Set<Int>()
        for name in storedNames.keys where name.hasPrefix(start) {
            let rest = name.dropFirst(start.count)
            if let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) { found.insert(index) }
        }
        return found.sorted()
    }

    func reference(_ strippedName: String, rows: Range<Int>? = nil) -> TensorReference? {
        storedNames[strippedName].map { TensorReference(file: file, tensorName: $0, rows: rows) }
    }
}
