"""Writes Tests/Fixtures/torch_randn.json: the first 16 and last 4 values of torch.randn on the CPU
for seeds 0, 1, 42, 2^32-1 and shapes (1,4,64,64), (2,4,8,8). The engine's TorchCPUGenerator must
reproduce them (Tests/SDModelsTests TorchGeneratorTests).

  python3 Tools/reference/torch_randn.py   (in the fixtures venv)
"""
import json
import os

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    cases = []
    for seed in [0, 1, 42, 2 ** 32 - 1]:
        for shape in [(1, 4, 64, 64), (2, 4, 8, 8)]:
            t = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).flatten()
            cases.append({"seed": seed, "shape": list(shape), "first16": [float(x) for x in t[:16]],
                          "last4": [float(x) for x in t[-4:]]})
    source = f"torch {torch.__version__} torch.randn(shape, generator=torch.Generator().manual_seed(seed)) on the CPU"
    with open(os.path.join(ROOT, "Tests", "Fixtures", "torch_randn.json"), "w") as f:
        json.dump({"source": source, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
