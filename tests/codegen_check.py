#!/usr/bin/python3
"""Compare the outputs of `nasc run` with PyTorch on the example networks.

Usage: /usr/bin/python3 tests/codegen_check.py [--keep DIR] [--threads N] PATH/TO/nasc [NAME ...]

NAME selects examples/NAME.nas (all examples of tests/pytorch_models.py by
default). For each network the script:

  1. reads the input shape, output shapes and tensor names from
     `nasc info examples/NAME.nas --json`;
  2. builds the PyTorch model of tests/pytorch_models.py with
     randomize(model, WEIGHT_SEED), checks that its state_dict names and
     shapes equal nasc's, exports it with tools/export_torch.py and checks
     that read_safetensors returns the same tensors bit for bit;
  3. writes torch.randn(1, C, H, W) from a generator seeded with INPUT_SEED
     as raw little-endian float32;
  4. runs the model under torch.no_grad() and checks that its output
     sizes equal nasc's and that the output is finite and not all zeros;
  5. runs `nasc run examples/NAME.nas --weights W --input IN --output OUT`
     (at most NASC_RUN_TIMEOUT_SECONDS) and reads OUT, the outputs
     flattened and concatenated in the order of the network's `return`.
     The network passes if
     max|nasc - torch| <= RELATIVE_TOLERANCE * max|torch| + ABSOLUTE_TOLERANCE
     over all outputs.
  6. with --threads N > 1, runs step 5 with `--threads N` as well and checks
     that its output equals the 1-thread output bit for bit, because the
     threads split the work at kernel calls and compute each output value
     with the same code.

It prints one line per network, then "N passed, M failed", and exits with
status 1 if any network failed. A nasc without a `run` command exits with
status 2 and "unknown command". Then steps 1 to 4 still take place, but
a network whose checks pass is marked SKIP and not
counted, so the script exits with status 0 unless a check failed.
Files go to a temporary folder that is removed at the end, or to DIR with
--keep, where they stay for rerunning a failed command by hand.
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import torch

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(TESTS_DIR)
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))

from export_torch import export_state_dict, read_safetensors  # noqa: E402
from pytorch_models import MODELS, randomize  # noqa: E402

WEIGHT_SEED = 0
INPUT_SEED = 1
RELATIVE_TOLERANCE = 1e-4
ABSOLUTE_TOLERANCE = 1e-5
NASC_INFO_TIMEOUT_SECONDS = 60
NASC_RUN_TIMEOUT_SECONDS = 300
MAX_LISTED_NAMES = 10
MAX_MESSAGE_LINES = 20


class CheckFailed(Exception):
    """A failed check of one network, with a message naming the check and the cause."""


class RunMissing(Exception):
    """Signal that nasc has no `run` command yet."""


def format_command(command):
    return " ".join(command)


def last_lines(text, count=MAX_MESSAGE_LINES):
    lines = text.strip().splitlines()
    if len(lines) > count:
        lines = [f"... ({len(lines) - count} lines before)"] + lines[-count:]
    return "\n    ".join(lines)


def run_nasc_info(nasc, name):
    """Return the parsed JSON of `nasc info examples/NAME.nas --json`."""
    command = [nasc, "info", os.path.join("examples", name + ".nas"), "--json"]
    try:
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=NASC_INFO_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{format_command(command)} timed out after {NASC_INFO_TIMEOUT_SECONDS} s")
    except OSError as error:
        raise CheckFailed(f"{format_command(command)} failed: {error}")
    if result.returncode != 0:
        raise CheckFailed(f"{format_command(command)} exited with status {result.returncode}:\n    "
                          + last_lines(result.stderr or result.stdout))
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise CheckFailed(f"{format_command(command)} printed invalid JSON: {error}")


def format_names(names):
    listed = sorted(names)[:MAX_LISTED_NAMES]
    more = len(names) - len(listed)
    return ", ".join(listed) + (f" (and {more} more)" if more > 0 else "")


def check_state_dict(report, state):
    """Raise CheckFailed unless the state_dict has nasc's tensor names and shapes."""
    expected = {tensor["name"]: tensor["shape"] for tensor in report["tensors"]}
    only_in_torch = set(state) - set(expected)
    only_in_nasc = set(expected) - set(state)
    if only_in_torch or only_in_nasc:
        raise CheckFailed(f"state_dict keys differ: {len(only_in_torch)} only in PyTorch "
                          f"({format_names(only_in_torch)}), {len(only_in_nasc)} only in nasc "
                          f"({format_names(only_in_nasc)})")
    wrong_shapes = [f"{name} nasc {expected[name]} PyTorch {list(state[name].shape)}"
                    for name in state if list(state[name].shape) != expected[name]]
    if wrong_shapes:
        raise CheckFailed(f"{len(wrong_shapes)} tensor shapes differ: " + "; ".join(wrong_shapes[:MAX_LISTED_NAMES]))


def check_round_trip(path, state):
    """Raise CheckFailed unless read_safetensors(path) returns state exactly."""
    tensors = read_safetensors(path)
    if list(tensors) != list(state):
        raise CheckFailed(f"{path} read back with other names: "
                          f"{format_names(set(tensors) ^ set(state))}")
    for name, tensor in state.items():
        read = tensors[name]
        if read.dtype != tensor.dtype or read.shape != tensor.shape:
            raise CheckFailed(f"{path}: tensor {name} read back as {read.dtype} {list(read.shape)}, "
                              f"expected {tensor.dtype} {list(tensor.shape)}")
        if not torch.equal(read, tensor):
            raise CheckFailed(f"{path}: tensor {name} read back with different values")


def run_torch(model, input_tensor):
    """Return the model's outputs, each flattened, in the order of forward's return."""
    with torch.no_grad():
        outputs = model(input_tensor)
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    return [output.reshape(-1) for output in outputs]


def check_output_sizes(report, torch_outputs):
    """Raise CheckFailed unless the PyTorch outputs have the sizes of nasc's outputs."""
    expected = [output["shape"][0] * output["shape"][1] * output["shape"][2] for output in report["outputs"]]
    actual = [output.numel() for output in torch_outputs]
    if expected != actual:
        raise CheckFailed(f"PyTorch output sizes {actual} differ from nasc's {expected}")


def run_nasc(nasc, name, weights_path, input_path, output_path, threads=1):
    """Run `nasc run`; raise RunMissing if the command does not exist, CheckFailed on any failure."""
    command = [nasc, "run", os.path.join("examples", name + ".nas"), "--weights", weights_path,
               "--input", input_path, "--output", output_path]
    if threads > 1:
        command += ["--threads", str(threads)]
    try:
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=NASC_RUN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{format_command(command)} timed out after {NASC_RUN_TIMEOUT_SECONDS} s")
    except OSError as error:
        raise CheckFailed(f"{format_command(command)} failed: {error}")
    message = result.stderr + result.stdout
    if result.returncode == 2 and "unknown command" in message:
        raise RunMissing()
    if result.returncode != 0:
        raise CheckFailed(f"{format_command(command)} exited with status {result.returncode}:\n    "
                          + last_lines(message))
    return command


def read_nasc_output(path, command, expected_count):
    """Read OUT as little-endian float32 and check that it has expected_count values."""
    try:
        with open(path, "rb") as file:
            contents = file.read()
    except OSError as error:
        raise CheckFailed(f"{format_command(command)} exited with status 0, but {path} cannot be read: {error}")
    if len(contents) != expected_count * 4:
        raise CheckFailed(f"{path} has {len(contents)} bytes, expected {expected_count * 4} "
                          f"({expected_count} float32 values)")
    return torch.tensor(struct.unpack(f"<{expected_count}f", contents), dtype=torch.float32)


def compare(actual, expected):
    """Return (passed, detail) for nasc's output against PyTorch's."""
    max_expected = expected.abs().max().item()
    tolerance = RELATIVE_TOLERANCE * max_expected + ABSOLUTE_TOLERANCE
    non_finite = (~torch.isfinite(actual)).nonzero()
    if len(non_finite) > 0:
        first = non_finite[0].item()
        return False, (f"{len(non_finite)} nasc output values are NaN or infinite, the first at index {first} "
                       f"({actual[first].item()}, PyTorch {expected[first].item():.6g})")
    difference = (actual.double() - expected.double()).abs()
    error = difference.max().item()
    detail = f"max error {error:.3e}, tolerance {tolerance:.3e} (max |torch| {max_expected:.3e})"
    if error > tolerance:
        worst = difference.argmax().item()
        detail += f", worst at index {worst}: nasc {actual[worst].item():.6g}, PyTorch {expected[worst].item():.6g}"
    return error <= tolerance, detail


def check_network(nasc, name, folder, threads=1):
    """Check one network and return (passed, detail).

    Raises CheckFailed when a check before the comparison fails, and
    RunMissing when nasc has no run command.
    """
    report = run_nasc_info(nasc, name)

    model = randomize(MODELS[name](), WEIGHT_SEED)
    state = model.state_dict()
    check_state_dict(report, state)

    weights_path = os.path.join(folder, name + ".safetensors")
    export_state_dict(state, weights_path, metadata={"format": "pt", "network": name})
    check_round_trip(weights_path, state)

    input_tensor = torch.randn([1] + report["input"], generator=torch.Generator().manual_seed(INPUT_SEED))
    input_path = os.path.join(folder, name + ".input.f32")
    with open(input_path, "wb") as file:
        file.write(struct.pack(f"<{input_tensor.numel()}f", *input_tensor.reshape(-1).tolist()))

    torch_outputs = run_torch(model, input_tensor)
    check_output_sizes(report, torch_outputs)
    expected = torch.cat(torch_outputs)
    if not torch.isfinite(expected).all() or not expected.any():
        raise CheckFailed("the PyTorch output is not finite or is all zeros, so it cannot serve as the reference")

    output_path = os.path.join(folder, name + ".output.f32")
    command = run_nasc(nasc, name, weights_path, input_path, output_path)
    actual = read_nasc_output(output_path, command, expected.numel())
    passed, detail = compare(actual, expected)
    if not passed or threads == 1:
        return passed, detail

    threaded_path = os.path.join(folder, f"{name}.output.threads{threads}.f32")
    command = run_nasc(nasc, name, weights_path, input_path, threaded_path, threads)
    threaded = read_nasc_output(threaded_path, command, expected.numel())
    differing = (threaded != actual).nonzero()
    if len(differing) > 0:
        first = differing[0].item()
        return False, (f"with --threads {threads}, {len(differing)} output values differ from the "
                       f"1-thread output, the first at index {first}: {threaded[first].item():.9g} "
                       f"against {actual[first].item():.9g}")
    return True, f"{detail}; --threads {threads} gives the same output bit for bit"


def main(argv):
    parser = argparse.ArgumentParser(description="Compare `nasc run` with PyTorch on the example networks.")
    parser.add_argument("nasc", nargs="?", metavar="PATH/TO/nasc")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"examples to check (default all: {', '.join(MODELS)})")
    parser.add_argument("--keep", metavar="DIR",
                        help="write the weights, input and output files to DIR and keep them")
    parser.add_argument("--threads", metavar="N", type=int, default=1,
                        help="also run with `nasc run --threads N` and require the 1-thread output")
    args = parser.parse_args(argv[1:])
    if args.nasc is None:
        parser.error("the path to nasc is required")
    if args.threads < 1:
        parser.error(f"invalid --threads {args.threads}; it takes a whole number from 1")

    unknown = [name for name in args.names if name not in MODELS]
    if unknown:
        parser.error(f"unknown network {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    names = args.names or list(MODELS)
    nasc = os.path.abspath(args.nasc)

    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="codegen_check.") as temporary:
        folder = temporary
        if args.keep:
            folder = os.path.abspath(args.keep)
            os.makedirs(folder, exist_ok=True)
        for name in names:
            try:
                ok, detail = check_network(nasc, name, folder, args.threads)
            except RunMissing:
                print(f"SKIP {name}: PyTorch side checked; {args.nasc} has no run command", flush=True)
                continue
            except (CheckFailed, ValueError, TypeError, OSError) as error:
                # ValueError, TypeError and OSError come from exporting or reading the weights.
                ok, detail = False, str(error)
            if ok:
                passed += 1
            else:
                failed += 1
            print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)

    if failed and not args.keep:
        print("Rerun with --keep DIR to keep the weights, input and output files of a failed network.")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
