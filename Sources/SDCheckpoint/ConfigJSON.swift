// Typed access to a diffusers/transformers config.json. Absent keys (and JSON null) give the
// caller's default; present keys of the wrong type are an error naming the file and key.

import Foundation

struct ConfigJSON {
    let path: String
    let values: [String: Any]

    init(path: String, values: [String: Any]) {
        self.path = path
        self.values = values
    }

    /// Reads `path`; a missing file is reported as the missing `component`.
    init(path: String, component: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CheckpointError.missingComponent("\(component) (no \(path))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.corrupt("\(path): cannot be read")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let values = object as? [String: Any] else {
            throw CheckpointError.corrupt("\(path): not a JSON object")
        }
        self.init(path: path, values: values)
    }

    func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    private func wrongType(_ key: String, _ expected: String) -> CheckpointError {
        .corrupt("\(path): \(key) should be \(expected), found \(values[key].map { "\($0)" } ?? "nothing")")
    }

    func int(_ key: String, default value: Int) throws -> Int {
        guard has(key) else { return value }
        guard let number = values[key] as? NSNumber, !isBoolean(number), let result = number as? Int else {
            throw wrongType(key, "an integer")
        }
        return result
    }

    func float(_ key: String, default value: Float) throws -> Float {
        guard has(key) else { return value }
        guard let number = values[key] as? NSNumber, !isBoolean(number) else { throw wrongType(key, "a number") }
        return number.floatValue
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard has(key) else { return value }
        guard let number = values[key] as? NSNumber, isBoolean(number) else { throw wrongType(key, "true or false") }
        return number.boolValue
    }

    func string(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        guard let text = values[key] as? String else { throw wrongType(key, "a string") }
        return text
    }

    func strings(_ key: String) throws -> [String]? {
        guard has(key) else { return nil }
        guard let list = values[key] as? [Any] else { throw wrongType(key, "a list of strings") }
        return try list.map { item in
            guard let text = item as? String else { throw wrongType(key, "a list of strings") }
            return text
        }
    }

    /// An integer list, or a single integer (diffusers allows either for several keys).
    func ints(_ key: String) throws -> [Int]? {
        guard has(key) else { return nil }
        if let number = values[key] as? NSNumber, !isBoolean(number), let single = number as? Int { return [single] }
        guard let list = values[key] as? [Any] else { throw wrongType(key, "an integer or a list of integers") }
        return try list.map { item in
            guard let number = item as? NSNumber, !isBoolean(number), let value = number as? Int else {
                throw wrongType(key, "an integer or a list of integers")
            }
            return value
        }
    }

    private func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }
}
