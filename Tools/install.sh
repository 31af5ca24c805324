#!/bin/sh
# Installs sdswift into PREFIX (default /usr/local):
#   PREFIX/bin/sdswift                        the command (SwiftPM product sdswift-cli)
#   PREFIX/lib/libsdswift.so.1, libsdswift.so the C library, PREFIX/include/sdswift.h, sdswift.pc
#   PREFIX/share/sdswift/sdswift-default.safetensors   the embedded default model (when present)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-/usr/local}
cd "$root"
sh Tools/build_library.sh "$prefix"
swift build -c release --product sdswift-cli
mkdir -p "$prefix/bin" "$prefix/share/sdswift"
cp "$(swift build -c release --show-bin-path)/sdswift-cli" "$prefix/bin/sdswift"
if [ -f Models/default/sdswift-default.safetensors ]; then
    cp Models/default/sdswift-default.safetensors "$prefix/share/sdswift/"
fi
echo "installed sdswift into $prefix"
