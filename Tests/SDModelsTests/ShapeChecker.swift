import SDPipeline

/// The default model's checker (Tools/train_default/checker.py, ported rule by rule; its docstring
/// has the rules): which shape, colour, position and background a 64x64 drawing shows.
/// ShapeCheckerTests checks the port against the Python checker's decisions on committed drawings.
struct ShapeChecker {
    struct Verdict: Equatable {
        var shape = "none", colour = "none", position = "none", background = "none"
    }

    static let colours: [(String, [Double])] = [
        ("red", [220, 30, 30]), ("green", [30, 170, 50]), ("blue", [30, 60, 220]),
        ("yellow", [240, 210, 20]), ("purple", [140, 40, 180])]
    static let backgrounds: [(String, [Double])] = [("white", [255, 255, 255]), ("black", [0, 0, 0]), ("gray", [128, 128, 128])]
    static let minPixels = 20, border = 4
    static let roughThreshold = 0.2, baseThreshold = 0.6, leftOf = 24.0, rightOf = 40.0

    static func nearest(_ c: [Double], _ table: [(String, [Double])]) -> String {
        var best = "", bestD = Double.infinity
        for (name, ref) in table {
            var d = 0.0
            for k in 0..<3 { let x = ref[k] / 255 - c[k]; d += x * x }
            if d < bestD { best = name; bestD = d }  // first minimum, as numpy's argmin
        }
        return best
    }

    /// numpy's median: the mean of the two middle values for an even count.
    static func median(_ v: [Double]) -> Double {
        let s = v.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var d = 0.0
        for k in 0..<3 { d += (a[k] - b[k]) * (a[k] - b[k]) }
        return d.squareRoot()
    }

    static func check(_ image: Image8) -> Verdict {
        precondition(image.channels == 3)
        let w = image.width, h = image.height
        func px(_ x: Int, _ y: Int) -> [Double] { (0..<3).map { Double(image.pixels[(y * w + x) * 3 + $0]) / 255 } }
        var frame: [[Double]] = []
        for y in 0..<h { for x in 0..<w where y < border || y >= h - border || x < border || x >= w - border { frame.append(px(x, y)) } }
        let bg = (0..<3).map { k in median(frame.map { $0[k] }) }
        var verdict = Verdict(background: nearest(bg, backgrounds))
        var dist = [Double](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { dist[y * w + x] = distance(px(x, y), bg) } }
        var roughSum = [0.0, 0.0, 0.0], roughCount = 0
        for i in 0..<(w * h) where dist[i] > roughThreshold {
            let p = px(i % w, i / w)
            for k in 0..<3 { roughSum[k] += p[k] }
            roughCount += 1
        }
        guard roughCount >= minPixels else { return verdict }
        let fg = roughSum.map { $0 / Double(roughCount) }
        let threshold = 0.5 * distance(fg, bg)
        let mask = largestComponent(dist.map { $0 > threshold }, width: w, height: h)
        let n = mask.filter { $0 }.count
        guard n >= minPixels else { return verdict }
        var x0 = w, x1 = -1, y0 = h, y1 = -1, sumX = 0.0, colour = [0.0, 0.0, 0.0]
        for i in 0..<(w * h) where mask[i] {
            let x = i % w, y = i / w
            x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            sumX += Double(x)
            let p = px(x, y)
            for k in 0..<3 { colour[k] += p[k] }
        }
        let fill = Double(n) / Double((x1 - x0 + 1) * (y1 - y0 + 1))
        let q = max(1, Int(Double(y1 - y0 + 1) / 4 + 0.5))
        var baseCount = 0
        for y in (y1 - q + 1)...y1 { for x in x0...x1 where mask[y * w + x] { baseCount += 1 } }
        let base = Double(baseCount) / Double(q * (x1 - x0 + 1))
        let cx = sumX / Double(n) + 0.5
        verdict.colour = nearest(colour.map { $0 / Double(n) }, colours)
        verdict.shape = fill > 0.88 ? "square" : fill > 0.645 ? "circle" : base > baseThreshold ? "triangle" : "star"
        verdict.position = cx < leftOf ? "left" : cx > rightOf ? "right" : "center"
        return verdict
    }

    /// The largest 4-connected component (ties: the first found scanning rows, then columns).
    static func largestComponent(_ mask: [Bool], width w: Int, height h: Int) -> [Bool] {
        var label = [Int](repeating: 0, count: w * h)
        var best = 0, bestSize = 0, current = 0
        for start in 0..<(w * h) where mask[start] && label[start] == 0 {
            current += 1
            label[start] = current
            var stack = [start], size = 0
            while let i = stack.popLast() {
                size += 1
                let x = i % w, y = i / w
                for (nx, ny) in [(x, y - 1), (x, y + 1), (x - 1, y), (x + 1, y)] where nx >= 0 && nx < w && ny >= 0 && ny < h {
                    let j = ny * w + nx
                    if mask[j] && label[j] == 0 { label[j] = current; stack.append(j) }
                }
            }
            if size > bestSize { best = current; bestSize = size }
        }
        return label.map { best != 0 && $0 == best }
    }
}
