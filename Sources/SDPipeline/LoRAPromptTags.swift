import Foundation

/// AUTOMATIC1111's LoRA prompt syntax: `<lora:NAME>`, `<lora:NAME:WEIGHT>`, `<lora:NAME:TE:UNET>` (text
/// encoder and UNet weights apart) and named `te=` / `unet=` arguments; `<lyco:...>` is the same.
/// The tags are taken out of the text before it is tokenized; the pipeline looks NAME up in its LoRA
/// folder (NAME.safetensors).
public enum LoRAPromptTags {
    public struct Tag: Equatable, Sendable {
        public var name: String
        public var textWeight: Float
        public var unetWeight: Float
    }

    /// The prompt with every LoRA tag removed (what gets tokenized).
    public static func strip(_ prompt: String) -> String {
        guard prompt.contains("<") else { return prompt }
        var out = "", rest = Substring(prompt)
        while let (range, _) = nextTag(in: rest) {
            out += rest[rest.startIndex..<range.lowerBound]
            rest = rest[range.upperBound...]
        }
        return out + rest
    }

    /// The LoRA tags of a prompt, in order; throws when a weight is not a number.
    public static func tags(in prompt: String) throws -> [Tag] {
        var tags: [Tag] = [], rest = Substring(prompt)
        while let (range, body) = nextTag(in: rest) {
            tags.append(try parse(body))
            rest = rest[range.upperBound...]
        }
        return tags
    }

    /// The next `<lora:...>` / `<lyco:...>` (any case) and what is between the first ':' and '>'.
    static func nextTag(in s: Substring) -> (Range<Substring.Index>, Substring)? {
        var search = s
        while let open = search.firstIndex(of: "<") {
            let after = search[search.index(after: open)...]
            let head = after.prefix(5).lowercased()
            for kind in ["lora:", "lyco:"] where head == kind {
                let bodyStart = after.index(after.startIndex, offsetBy: kind.count)
                if let close = after[bodyStart...].firstIndex(of: ">") {
                    return (open..<after.index(after: close), after[bodyStart..<close])
                }
            }
            search = after
        }
        return nil
    }

    static func parse(_ body: Substring) throws -> Tag {
        let fields = body.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let name = fields[0]
        guard !name.isEmpty else { throw PipelineError.invalidArgument("<lora:\(body)>: no LoRA name") }
        var positional: [Float] = [], te: Float? = nil, unet: Float? = nil
        for field in fields.dropFirst() {
            let parts = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let value = Float(parts.last ?? ""), value.isFinite else {
                throw PipelineError.invalidArgument("<lora:\(body)>: '\(field)' is not a weight")
            }
            if parts.count == 2 {
                switch parts[0].lowercased() {
                case "te": te = value
                case "unet": unet = value
                default: break  // A1111's other named arguments (dyn) do not apply here
                }
            } else {
                positional.append(value)
            }
        }
        let textWeight = te ?? positional.first ?? 1
        let unetWeight = unet ?? (positional.count > 1 ? positional[1] : textWeight)
        return Tag(name: name, textWeight: textWeight, unetWeight: unetWeight)
    }
}
