import Foundation
import SDPipeline

/// Progress on stderr. On a terminal one line is redrawn with \r:
///   image 1/2  denoise  12/20 [##########        ]  0.84 s/step  ETA 0:07
/// Elsewhere (a log file, a pipe) only a summary line is printed at the end.
final class ProgressBar {
    private let enabled: Bool
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let batch: Int
    private let unit: String
    private let start = Date()
    private var lastStepTime: Date?
    private var lastStep = 0
    private var stepSeconds: [Double] = []
    private var denoiseTotal = 0
    private var drawn = false

    /// `unit`: what imageIndex counts ("image", or "frame" for animations).
    init(enabled: Bool, batch: Int, unit: String = "image") {
        self.enabled = enabled
        self.batch = batch
        self.unit = unit
    }

    /// The engine's progress callback. Returns true: cancelling goes through the CancelToken.
    func update(_ e: ProgressEvent) -> Bool {
        guard enabled else { return true }
        let now = Date()
        if e.stage == .denoise {
            denoiseTotal = e.total
            if e.step == 0 {
                lastStepTime = now
            } else if let last = lastStepTime, e.step > lastStep {
                stepSeconds.append(now.timeIntervalSince(last) / Double(e.step - lastStep))
                lastStepTime = now
            }
            lastStep = e.step
        }
        if isTerminal { draw(e) }
        return true
    }

    private var secondsPerStep: Double? {
        // The mean of the latest steps: the first ones include warm-up.
        let recent = stepSeconds.suffix(8)
        return recent.isEmpty ? nil : recent.reduce(0, +) / Double(recent.count)
    }

    private func draw(_ e: ProgressEvent) {
        let names: [Stage: String] = [.textEncode: "text   ", .encode: "encode ", .denoise: "denoise", .decode: "decode "]
        var line = batch > 1 ? "\(unit) \(e.imageIndex + 1)/\(batch)  " : ""
        line += names[e.stage] ?? "       "
        let width = 24, filled = e.total > 0 ? min(width, e.step * width / e.total) : 0
        let stepText = "\(e.step)/\(e.total)"
        line += " " + String(repeating: " ", count: max(0, 9 - stepText.count)) + stepText
        line += " [" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "]"
        if let sps = secondsPerStep {
            line += String(format: "  %.2f s/step", sps)
            // Steps left in this image (all of them before its denoising starts) and in the ones after it.
            let done = e.stage == .denoise ? e.step : (e.stage == .decode ? denoiseTotal : 0)
            let left = (denoiseTotal - done) + (batch - 1 - e.imageIndex) * denoiseTotal
            line += "  ETA " + Self.clock(Double(left) * sps)
        }
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
        drawn = true
        Interrupt.onProgressLine.set(true)
    }

    /// Ends the bar: a newline on a terminal, a summary line otherwise.
    func finish(images: Int) {
        guard enabled else { return }
        if drawn {
            FileHandle.standardError.write(Data("\n".utf8))
            Interrupt.onProgressLine.set(false)
        }
        if !isTerminal {
            var line = "sdswift: \(images) \(unit)\(images == 1 ? "" : "s") in " + String(format: "%.1f s", Date().timeIntervalSince(start))
            if let mean = stepSeconds.isEmpty ? nil : stepSeconds.reduce(0, +) / Double(stepSeconds.count) {
                line += String(format: " (%d steps, %.3f s/step)", stepSeconds.count, mean)
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Ends a bar that was interrupted (cancel or error), leaving the line so far.
    func abandon() {
        if drawn {
            FileHandle.standardError.write(Data("\n".utf8))
            Interrupt.onProgressLine.set(false)
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
