import ArgumentParser

/// The root command: `sdswift <subcommand> ...`.
struct SDSwiftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdswift",
        abstract: "Stable Diffusion 1.x/2.x image generation on the CPU.",
        discussion: """
        Examples:
          sdswift txt2img -p "a lighthouse at dusk" --steps 25 --seed 42 -o out.png
          sdswift img2img --image in.png --strength 0.6 -p "oil painting"
          sdswift inpaint --image in.png --mask mask.png -p "a red door" --feather 4
          sdswift outpaint --image in.png --left 128 --right 128 -p "a wide beach"
          sdswift txt2img -p "a castle AND a forest :0.6"      (composable prompts; --mix blend)
          sdswift animate --from "a red circle" --to "a blue square" --frames 8
          sdswift info model.safetensors --json

        Without --model: $SDSWIFT_MODEL, else sdswift-default.safetensors in
        <bin>/../share/sdswift/ or next to the program.
        Each PNG holds AUTOMATIC1111's "parameters" text chunk. Progress goes to
        stderr, the names of the files written to stdout.

        Exit status: 0 success, 1 engine or other error, 2 usage error,
        3 model file problem, 4 bad input image or mask,
        130 cancelled (Ctrl-C; a second Ctrl-C quits at once).
        """,
        subcommands: [TextToImageCommand.self, ImageToImageCommand.self, InpaintCommand.self,
                      OutpaintCommand.self, AnimateCommand.self, InfoCommand.self])
}
