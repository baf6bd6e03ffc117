#!/usr/bin/python3
"""Time nasc's generated C against eager PyTorch on one thread, in one run.

Usage: /usr/bin/python3 bench/compare.py PATH/TO/nasc [NAME ...]

For each example it runs `nasc bench examples/NAME.nas --json`, the median
of single inferences after warm-up, in a child process. It then times the
same model in eager PyTorch with torch.set_num_threads(1): 3 warm-up runs,
then single runs until 1 s and 10 runs have passed, taking the median. It prints
a Markdown table with the ratio nasc / PyTorch. Both sides use random
weights: timing does not depend on their values.
"""

import json
import os
import statistics
import subprocess
import sys
import time

import torch

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))

from pytorch_models import MODELS  # noqa: E402

DEFAULT = ["primitives", "mobilenet_v3_small", "shufflenet_v2_x1_0", "mobilenet_v2", "resnet18"]


def torch_median_ms(model, shape):
    x = torch.randn(1, *shape)
    with torch.no_grad():
        for _ in range(3):
            model(x)
        samples = []
        start = time.perf_counter()
        while len(samples) < 10 or time.perf_counter() - start < 1.0:
            t0 = time.perf_counter()
            model(x)
            samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples)


def main(argv):
    if len(argv) < 2:
        print(f"usage: {argv[0]} PATH/TO/nasc [NAME ...]", file=sys.stderr)
        return 2
    nasc = os.path.abspath(argv[1])
    torch.set_num_threads(1)
    print("| network | nasc median ms | nasc IQR ms | PyTorch eager median ms | nasc / PyTorch |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in argv[2:] or DEFAULT:
        path = os.path.join(REPO_ROOT, "examples", name + ".nas")
        result = subprocess.run([nasc, "bench", path, "--json"], capture_output=True, text=True,
                                check=True)
        ours = json.loads(result.stdout)
        info = json.loads(subprocess.run([nasc, "info", path, "--json"], capture_output=True,
                                         text=True, check=True).stdout)
        theirs = torch_median_ms(MODELS[name]().eval(), info["input"])
        print(f"| {name} | {ours['median_ms']:.2f} | {ours['iqr_ms']:.2f} | {theirs:.2f} | "
              f"{ours['median_ms'] / theirs:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
