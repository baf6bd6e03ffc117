#!/usr/bin/python3
"""Check the search spaces of examples/ against their sizes and PyTorch references.

Usage: /usr/bin/python3 tests/space_check.py [--keep DIR] PATH/TO/nasc

The script checks:

  size        `nasc space examples/NAME.nas` reports the candidate count of
              the space's paper: 15,625 for NAS-Bench-201, (180 * 8^8)^2
              for DARTS with its 8 ops, 7371^5 for Once-for-All's
              MobileNetV3 and 4^20 for Single Path One-Shot.
  candidates  for each genotype G of CANDIDATES, `nasc info --genotype G
              --json` against the PyTorch model of tests/space_models.py:
              params equal sum(p.numel()), MACs equal the count of forward
              hooks (Conv2d: output elements x in_channels/groups x kh x kw,
              Linear: in x out), and the tensor names and shapes equal the
              state_dict's. With run=True, the model gets the random
              weights of randomize(model, WEIGHT_SEED), and `nasc run
              --genotype G` on those weights and a random input must give
              the PyTorch output within the tolerance of
              tests/codegen_check.py.

The DARTS reference computes FactorizedReduce as DARTS does, with a 1x1
convolution of the input shifted by one row and column. Its weights go into
the 2x2 convolution of examples/darts.nas through darts_to_nasc_state_dict,
so the output comparison shows that this substitute is exact.

It prints one line per check, then "N passed, M failed", and exits with
status 1 if any check failed. Files go to a temporary folder, or to DIR
with --keep.
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(TESTS_DIR)
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))

from codegen_check import (CheckFailed, check_round_trip, check_state_dict, compare,  # noqa: E402
                           last_lines, read_nasc_output)
from export_torch import export_state_dict  # noqa: E402
from pytorch_models import randomize  # noqa: E402
from space_models import (SPOS_CHOICES, DartsNetwork, NB201Network,  # noqa: E402
                          OFAMobileNetV3, SPOSShuffleNet, darts_to_nasc_state_dict)

WEIGHT_SEED = 0
INPUT_SEED = 1
NASC_TIMEOUT_SECONDS = 300

SPACE_SIZES = {
    "nb201": 5 ** 6,
    "darts": (1 * 3 * 6 * 10 * 8 ** 8) ** 2,
    "mobilenet_space": ((3 * 3) ** 2 + (3 * 3) ** 3 + (3 * 3) ** 4) ** 5,
    "shufflenet_space": 4 ** 20,
}


# ---- genotypes in nasc's NAME=LABEL form ----

def darts_genotype(normal, reduce):
    """Return the NAME=LABEL text of examples/darts.nas for DARTS-style op lists.

    Each list has 8 (op, input node) pairs, two per intermediate node with
    the smaller input first, because pick(2, ...) lists its inputs in order.
    """
    parts = []
    for kind, ops in (("normal", normal), ("reduce", reduce)):
        for node in range(4):
            (first_op, first), (second_op, second) = ops[2 * node], ops[2 * node + 1]
            if not first < second:
                raise ValueError(f"{kind} node {node + 2}: inputs {first}, {second} are not increasing; "
                                 "list the op on the smaller input first")
            parts.append(f"{kind}_node{node + 2}_inputs={first}+{second}")
            parts.append(f"{kind}_op{2 * node}={first_op}")
            parts.append(f"{kind}_op{2 * node + 1}={second_op}")
    return ",".join(parts)


def ofa_genotype(kernels, expands, depths):
    """Return the NAME=LABEL text of examples/mobilenet_space.nas for one OFA subnet."""
    parts = []
    block = 0
    for stage, depth in enumerate(depths):
        parts.append(f"blocks.stage{stage + 1}_depth={depth}")
        for _ in range(depth):
            parts.append(f"blocks.{block + 1}.kernel={kernels[block]}")
            parts.append(f"blocks.{block + 1}.expand={expands[block]}")
            block += 1
    return ",".join(parts)


def spos_genotype(choices):
    """Return the NAME=LABEL text of examples/shufflenet_space.nas for 20 choice indices."""
    return ",".join(f"features.layer{layer}={SPOS_CHOICES[choice]}" for layer, choice in enumerate(choices))


# The DARTS candidate uses all 8 ops, and its reduction cell has a
# skip_connect on an input node, so FactorizedReduce appears both as an op
# and as preprocess0.
DARTS_NORMAL = [("sep_conv_3x3", 0), ("sep_conv_5x5", 1), ("dil_conv_3x3", 0), ("dil_conv_5x5", 2),
                ("max_pool_3x3", 1), ("avg_pool_3x3", 3), ("skip_connect", 2), ("none", 4)]
DARTS_REDUCE = [("skip_connect", 0), ("max_pool_3x3", 1), ("avg_pool_3x3", 1), ("sep_conv_5x5", 2),
                ("none", 0), ("sep_conv_3x3", 3), ("dil_conv_3x3", 2), ("skip_connect", 4)]

OFA_DEPTHS = [2, 3, 4, 2, 3]
OFA_KERNELS = [3, 5, 7, 7, 5, 3, 3, 5, 7, 3, 5, 7, 3, 7]
OFA_EXPANDS = [3, 4, 6, 6, 4, 3, 6, 3, 4, 4, 6, 3, 6, 3]

SPOS_CHOICE_INDICES = [0, 1, 2, 3, 3, 2, 1, 0, 1, 3, 0, 2, 2, 0, 3, 1, 3, 2, 1, 0]


class Candidate:
    """One genotype of one example space, its PyTorch model and how far to check it."""

    def __init__(self, label, example, genotype, build, run=True, to_nasc=None):
        self.label = label
        self.example = example
        self.genotype = genotype
        self.build = build
        self.run = run
        # Maps the reference's state_dict to the layout of the .nas file.
        self.to_nasc = to_nasc


CANDIDATES = [
    Candidate("nb201 best", "nb201",
              "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
              lambda genotype: NB201Network(genotype)),
    Candidate("nb201 none edges", "nb201",
              "|nor_conv_1x1~0|+|none~0|nor_conv_3x3~1|+|none~0|skip_connect~1|none~2|",
              lambda genotype: NB201Network(genotype)),
    # A node that sums only zero edges is zero: it must vanish from a sum
    # and yield batch norm shifts through a conv, not read another buffer.
    Candidate("nb201 zero node in a sum", "nb201",
              "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|",
              lambda genotype: NB201Network(genotype)),
    Candidate("nb201 conv of a zero node", "nb201",
              "|none~0|+|none~0|none~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_1x1~2|",
              lambda genotype: NB201Network(genotype)),
    Candidate("nb201 all pooling", "nb201",
              "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|",
              lambda genotype: NB201Network(genotype)),
    Candidate("darts all ops", "darts", darts_genotype(DARTS_NORMAL, DARTS_REDUCE),
              lambda genotype: DartsNetwork(DARTS_NORMAL, DARTS_REDUCE), to_nasc=darts_to_nasc_state_dict),
    Candidate("mobilenet_space mixed", "mobilenet_space", ofa_genotype(OFA_KERNELS, OFA_EXPANDS, OFA_DEPTHS),
              lambda genotype: OFAMobileNetV3(OFA_KERNELS, OFA_EXPANDS, OFA_DEPTHS)),
    Candidate("shufflenet_space mixed", "shufflenet_space", spos_genotype(SPOS_CHOICE_INDICES),
              lambda genotype: SPOSShuffleNet(SPOS_CHOICE_INDICES)),
]


# ---- nasc ----

def run_nasc(nasc, arguments):
    """Run nasc with arguments in the repository root and return its standard output."""
    command = [nasc, *arguments]
    try:
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=NASC_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{' '.join(command)} timed out after {NASC_TIMEOUT_SECONDS} s")
    except OSError as error:
        raise CheckFailed(f"{' '.join(command)} failed: {error}")
    if result.returncode != 0:
        raise CheckFailed(f"{' '.join(command)} exited with status {result.returncode}:\n    "
                          + last_lines(result.stderr or result.stdout))
    return result.stdout


def check_size(nasc, name):
    """Check the candidate count of examples/NAME.nas and return the detail, or raise CheckFailed."""
    output = run_nasc(nasc, ["space", os.path.join("examples", name + ".nas")])
    match = re.search(r"([\d,]+) candidates", output)
    if match is None:
        raise CheckFailed(f"nasc space printed no candidate count:\n    {last_lines(output)}")
    count = int(match.group(1).replace(",", ""))
    if count != SPACE_SIZES[name]:
        raise CheckFailed(f"{count:,} candidates, expected {SPACE_SIZES[name]:,}")
    return f"{count:,} candidates"


# ---- PyTorch side ----

def count_macs(model, input_shape):
    """Return the MACs of one forward pass of model on a zero input, counted with hooks."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kernel_h, kernel_w = module.kernel_size
            total += output.numel() * module.in_channels // module.groups * kernel_h * kernel_w
        elif isinstance(module, nn.Linear):
            total += module.in_features * module.out_features

    handles = [module.register_forward_hook(count) for module in model.modules()
               if isinstance(module, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            model(torch.zeros([1] + input_shape))
    finally:
        for handle in handles:
            handle.remove()
    return total


def check_candidate(nasc, candidate, folder):
    """Check one candidate and return the detail of the pass, or raise CheckFailed."""
    path = os.path.join("examples", candidate.example + ".nas")
    report = json.loads(run_nasc(nasc, ["info", path, "--genotype", candidate.genotype, "--json"]))

    model = randomize(candidate.build(candidate.genotype), WEIGHT_SEED)
    state = model.state_dict()
    nasc_state = candidate.to_nasc(state) if candidate.to_nasc else state
    check_state_dict(report, nasc_state)

    params = sum(tensor.numel() for name, tensor in nasc_state.items()
                 if not name.endswith(("running_mean", "running_var", "num_batches_tracked")))
    if report["params"] != params:
        raise CheckFailed(f"params: nasc {report['params']:,}, PyTorch {params:,}")
    reference_params = sum(parameter.numel() for parameter in model.parameters())
    detail = f"params {params:,}"
    if reference_params != params:
        detail += f" (reference code {reference_params:,})"

    macs = count_macs(model, report["input"])
    if candidate.to_nasc is None and report["macs"] != macs:
        raise CheckFailed(f"MACs: nasc {report['macs']:,}, PyTorch {macs:,}")
    detail += f", MACs {report['macs']:,}"
    if candidate.to_nasc is not None:
        detail += f" (reference code {macs:,})"
    if not candidate.run:
        return detail

    weights_path = os.path.join(folder, candidate.example + ".safetensors")
    export_state_dict(nasc_state, weights_path, metadata={"format": "pt", "network": candidate.example})
    check_round_trip(weights_path, nasc_state)

    input_tensor = torch.randn([1] + report["input"], generator=torch.Generator().manual_seed(INPUT_SEED))
    input_path = os.path.join(folder, candidate.example + ".input.f32")
    with open(input_path, "wb") as file:
        file.write(struct.pack(f"<{input_tensor.numel()}f", *input_tensor.reshape(-1).tolist()))
    with torch.no_grad():
        expected = model(input_tensor).reshape(-1)
    if not torch.isfinite(expected).all() or not expected.any():
        raise CheckFailed("the PyTorch output is not finite or is all zeros, so it cannot serve as the reference")

    output_path = os.path.join(folder, candidate.example + ".output.f32")
    command = [nasc, "run", path, "--genotype", candidate.genotype, "--weights", weights_path,
               "--input", input_path, "--output", output_path]
    run_nasc(nasc, command[1:])
    actual = read_nasc_output(output_path, command, expected.numel())
    passed, comparison = compare(actual, expected)
    if not passed:
        raise CheckFailed(f"{detail}; outputs differ: {comparison}")
    return f"{detail}; {comparison}"


def main(argv):
    parser = argparse.ArgumentParser(description="Check the example search spaces against PyTorch.")
    parser.add_argument("nasc", metavar="PATH/TO/nasc")
    parser.add_argument("--keep", metavar="DIR", help="write the weights, input and output files to DIR and keep them")
    args = parser.parse_args(argv[1:])
    nasc = os.path.abspath(args.nasc)

    checks = [(f"size {name}", lambda name=name, folder=None: check_size(nasc, name)) for name in SPACE_SIZES]
    checks += [(f"candidate {candidate.label}",
                lambda folder, candidate=candidate: check_candidate(nasc, candidate, folder))
               for candidate in CANDIDATES]

    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="space_check.") as folder:
        if args.keep:
            folder = os.path.abspath(args.keep)
            os.makedirs(folder, exist_ok=True)
        for label, check in checks:
            try:
                ok, detail = True, check(folder=folder)
            except (CheckFailed, ValueError, TypeError, OSError, json.JSONDecodeError) as error:
                # ValueError, TypeError and OSError come from exporting the weights or building a model.
                ok, detail = False, str(error)
            passed += ok
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'} {label}: {detail}", flush=True)

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
