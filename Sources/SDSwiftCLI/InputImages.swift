import Foundation
import SDPipeline

/// Input PNGs, with every problem reported as a bad input (exit status 4).
enum InputImages {
    static func read(_ path: String, what: String) throws -> Image8 {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw CLIFailure.input("\(what) not found: \(path)")
        }
        let image: Image8
        do {
            image = try PNG.read(path: path)
        } catch {
            throw CLIFailure.input("\(what) \(path): \(error)")
        }
        let maxSide = StableDiffusionPipeline.maxSide
        guard image.width <= maxSide, image.height <= maxSide else {
            throw CLIFailure.input("\(what) \(path) is \(image.width)x\(image.height); sides must be at most \(maxSide)")
        }
        return image
    }

    /// The image and its mask, which must have the same size.
    static func readWithMask(image imagePath: String, mask maskPath: String) throws -> (Image8, Image8) {
        let image = try read(imagePath, what: "image")
        let mask = try read(maskPath, what: "mask")
        guard mask.width == image.width, mask.height == image.height else {
            throw CLIFailure.input("mask \(maskPath) is \(mask.width)x\(mask.height) but image \(imagePath) is "
                + "\(image.width)x\(image.height); they must be the same size")
        }
        return (image, mask)
    }
}
