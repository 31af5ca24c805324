import Foundation
import SDPipeline

/// Ctrl-C handling. The first SIGINT cancels the generation through its CancelToken (the engine
/// stops at the next step; the command exits with status 130 and writes nothing); the second
/// exits at once, removing any temporary output file first.
///
/// The signal handler only writes a byte to a pipe (async-signal-safe); a watcher thread reads it
/// and does the rest, so nothing unsafe runs inside the handler.
enum Interrupt {
    static let token = CancelToken()
    /// Temporary files being written, removed by a second Ctrl-C.
    static let temporaryFiles = Locked<[String]>([])
    /// Set while a progress bar is drawn on a terminal line, so messages start on a fresh line.
    static let onProgressLine = Locked(false)

    static func install() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        interruptWriteFD = fds[1]
        let readFD = fds[0]
        signal(SIGINT) { _ in
            var byte: UInt8 = 1
            _ = write(interruptWriteFD, &byte, 1)
        }
        let watcher = Thread {
            var presses = 0, byte: UInt8 = 0
            while read(readFD, &byte, 1) == 1 {
                presses += 1
                let fresh = onProgressLine.get() ? "\n" : ""
                if presses == 1 {
                    token.cancel()
                    FileHandle.standardError.write(Data((fresh + "sdswift: cancelling (press Ctrl-C again to quit now)\n").utf8))
                } else {
                    for path in temporaryFiles.get() { unlink(path) }
                    FileHandle.standardError.write(Data("\nsdswift: interrupted\n".utf8))
                    _exit(130)
                }
            }
        }
        watcher.start()
    }
}

/// The write end of the interrupt pipe, read by the signal handler (a C function: no captures).
nonisolated(unsafe) private var interruptWriteFD: Int32 = -1

/// A value shared between threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ newValue: Value) { lock.lock(); value = newValue; lock.unlock() }
}
