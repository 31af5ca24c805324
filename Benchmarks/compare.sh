#!/usr/bin/env bash
# One run, both engines, same checkpoint, sizes and threads, interleaved: sdswift-bench, then the
# PyTorch reference, then the ratios (engine / reference; below 1 is faster). Benchmarks are
# separate from the tests. Needs the reference venv (Tools/make_fixtures.py creates Tools/.venv).
#   Benchmarks/compare.sh MODEL.safetensors [SIZE] [THREADS] [REPEAT]
# PYTHON=... picks the reference interpreter, SCRATCH=... SwiftPM's build folder (default .build).
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1; size=${2:-512}; threads=${3:-2}; repeat=${4:-3}
py=${PYTHON:-Tools/.venv/bin/python}
scratch=${SCRATCH:-.build}
swift build -c release --scratch-path "$scratch" --product sdswift-bench >&2
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/sdswift-bench
out=$(mktemp -d)
"$bin" "$model" --size "$size" --threads "$threads" --repeat "$repeat" --only sgemm,load,text,unet,vae | tee "$out/engine.txt"
"$py" Benchmarks/reference_bench.py "$model" --size "$size" --threads "$threads" --repeat "$repeat" --only sgemm,load,text,unet,vae | tee "$out/reference.txt"
echo
printf "%-34s %10s %10s %8s\n" work engine reference ratio
while IFS= read -r line; do
    name=$(echo "$line" | awk '{ NF -= 3; print }')
    e=$(echo "$line" | awk '{print $(NF-2)}')
    r=$(grep -F "$name" "$out/reference.txt" | head -1 | awk '{print $(NF-2)}')
    if [ -n "$r" ]; then
        printf "%-34s %10s %10s %8s\n" "$name" "$e" "$r" "$(awk -v e="$e" -v r="$r" 'BEGIN { printf "%.2f", e / r }')"
    fi
done < <(grep -E "^(sgemm|load|text|UNet|VAE)" "$out/engine.txt")
printf "%-34s %10s %10s\n" "peak RSS MiB" "$(grep 'peak RSS' "$out/engine.txt" | grep -oE '[0-9]+')" "$(grep 'peak RSS' "$out/reference.txt" | grep -oE '[0-9]+')"
