#!/bin/sh
# Builds the release libsdswift.so and installs it with its header and pkg-config file:
#   PREFIX/lib/libsdswift.so.<ABI> (+ libsdswift.so link), PREFIX/include/sdswift.h,
#   PREFIX/lib/pkgconfig/sdswift.pc
# Usage: Tools/build_library.sh [PREFIX]   (default: build). Env: SCRATCH (default .build-capi).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
prefix=${1:-build}
case $prefix in /*) ;; *) prefix="$root/$prefix" ;; esac
scratch=${SCRATCH:-.build-capi}

swift build -c release --scratch-path "$scratch" --product sdswift
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)

hdr=Include/sdswift.h
major=$(sed -n 's/^#define SDSWIFT_VERSION_MAJOR \([0-9]*\)$/\1/p' $hdr)
minor=$(sed -n 's/^#define SDSWIFT_VERSION_MINOR \([0-9]*\)$/\1/p' $hdr)
patch=$(sed -n 's/^#define SDSWIFT_VERSION_PATCH \([0-9]*\)$/\1/p' $hdr)
abi=$(sed -n 's/^#define SDSWIFT_ABI_VERSION \([0-9]*\)$/\1/p' $hdr)

mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
# The ABI version names the file; SwiftPM's soname is libsdswift.so, so the link keeps that name
# resolvable for programs linked with -lsdswift.
rm -f "$prefix/lib/libsdswift.so" "$prefix/lib/libsdswift.so.$abi"
cp "$bin/libsdswift.so" "$prefix/lib/libsdswift.so.$abi"
strip --strip-unneeded "$prefix/lib/libsdswift.so.$abi"
ln -s "libsdswift.so.$abi" "$prefix/lib/libsdswift.so"
cp $hdr "$prefix/include/sdswift.h"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$major.$minor.$patch|" Include/sdswift.pc.in \
    > "$prefix/lib/pkgconfig/sdswift.pc"
echo "installed libsdswift $major.$minor.$patch (ABI $abi) in $prefix"
