#!/usr/bin/python3
"""Time nasc's generated C against PyTorch at its best, and profile nasc's kernels.

Usage: /usr/bin/python3 bench/compare.py PATH/TO/nasc [options] [NAME ...]

For every example with a PyTorch model in tests/pytorch_models.py (or the
NAMEs given), in one run:

- nasc: `nasc bench examples/NAME.nas --json --threads T`, the median of
  single inferences in a child process, for the host target. When this nasc
  has no --threads beyond 1, its 2-thread figure repeats the 1-thread one
  and the table says so. The first call of each network uses an empty
  NASC_CACHE and reports the compile time of its generated C.
- PyTorch with torch.set_num_threads(T), and OpenBLAS limited to T threads,
  for T in 1 and 2: eager; a frozen trace,
  torch.jit.freeze(torch.jit.trace(model, x)); and
  torch.jit.optimize_for_inference(torch.jit.trace(model, x)). Each variant's
  output is compared with eager's on the same input, with the tolerance of
  tests/codegen_check.py. A variant that disagrees is reported as wrong and
  is not timed. The peer is the fastest correct variant.

A round times every network at each thread count: nasc, then each PyTorch
variant from optimize_for_inference to eager, or the other way round in
every other round. So nasc and the usual peer run one after the other,
and drift of the machine hits both sides. The reported figure is the median over --rounds rounds of each
round's median. Every PyTorch timing warms up first (page faults, the JIT's
profiling runs), as `nasc bench` does.

After the rounds, bench/profile.c times each step of nasc's generated code
through the NASC_PROBE hook. Steps are mapped to layers by the layer names
that the generated run function prints in a comment above each step, and
to MACs and layer kinds by `nasc info --json`. GFLOP/s (2 FLOPs per MAC)
per layer kind is reported against the single-core FMA peak that
bench/fma_peak.c measures for the instruction set of the generated code
(AVX-512 where the host has it). The step times are medians over the
quiet runs only: those during which no other thread took the core's FMA
units or loads, tested by a short loop of FMAs that load from the L1
cache before and after each run (see bench/profile.c).

PyTorch's speed depends on its BLAS. Debian's torch uses the system
libblas.so.3, which is the slow reference BLAS unless libopenblas0-pthread
is installed. The script prints the library that provides torch's sgemm_
and stops when it is the reference BLAS, unless --allow-reference-blas is
given. It warns at the end when the nasc binary changed during the run.
"""

import argparse
import ctypes
import hashlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

# OpenMP threads that spin while they wait for work make a 2-thread PyTorch
# run 10 or more times slower as soon as another process takes a core, as
# on a shared machine. Measured on the 2-core machine of docs/benchmarks.md
# with torch 1.13: mobilenet_v3_small eager with 2 threads took a median of
# 246 ms with libgomp's default policy and 25 ms with PASSIVE, while a
# parallel build ran. libgomp reads the variable when torch loads it, so it
# is set before the import; set OMP_WAIT_POLICY=ACTIVE to time spinning.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))

from codegen_check import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE  # noqa: E402
from pytorch_models import MODELS  # noqa: E402

THREAD_COUNTS = (1, 2)
VARIANTS = ("eager", "frozen trace", "optimize_for_inference")
TORCH_WARMUP_RUNS = 5
TORCH_MIN_RUNS = 10
TORCH_MIN_SECONDS = 1.0
# Seconds of timed runs per network in the per-step profile: the per-step medians of a longer
# profile move less when another process takes the core for a moment.
PROFILE_SECONDS = "2"
PROFILE_ATTEMPTS = 4
QUIET_SHARE = 0.9  # as in bench/profile.c
KINDS = ("dense 1x1 conv", "dense kxk conv", "depthwise conv", "grouped conv", "linear", "other")


# ---- BLAS ----

def blas_library():
    """Return the path of the library that provides sgemm_ to libtorch_cpu.

    dlsym on libtorch_cpu's handle searches it and its dependencies in load
    order, which is where torch's own calls of sgemm_ go. The address is
    then looked up in /proc/self/maps. Returns None when torch has no
    libtorch_cpu or that has no sgemm_ (a torch with MKL linked in).
    """
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))
    mappings = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6:
                low, high = (int(bound, 16) for bound in fields[0].split("-"))
                mappings.append((low, high, fields[5]))
    torch_cpu = next((path for _, _, path in mappings if "libtorch_cpu" in os.path.basename(path)), None)
    if torch_cpu is None:
        return None
    try:
        address = ctypes.cast(ctypes.CDLL(torch_cpu).sgemm_, ctypes.c_void_p).value
    except AttributeError:
        return None
    return next((path for low, high, path in mappings if low <= address < high), None)


def describe_blas(path):
    """Return (description, is_reference, OpenBLAS handle or None) for the BLAS at path."""
    if path is None:
        return "unknown (libtorch_cpu has no sgemm_ to look up)", False, None
    library = ctypes.CDLL(path)
    if hasattr(library, "openblas_get_config"):
        library.openblas_get_config.restype = ctypes.c_char_p
        return f"OpenBLAS ({library.openblas_get_config().decode()}) from {path}", False, library
    # Debian installs the reference BLAS as .../blas/libblas.so.3, its alternatives as .../NAME/libblas.so.3.
    if os.path.basename(os.path.dirname(path)) == "blas":
        return f"the reference BLAS from {path}", True, None
    return f"an unknown BLAS from {path}", False, None


def set_threads(count, openblas):
    torch.set_num_threads(count)
    if openblas is not None:
        openblas.openblas_set_num_threads(count)


# ---- nasc ----

def run_json(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status {result.returncode}:\n{result.stderr}")
    return json.loads(result.stdout)


def nasc_bench(nasc, path, cache, threads):
    """Return `nasc bench --json` of path, or None when this nasc has no such thread count."""
    env = dict(os.environ, NASC_CACHE=cache)
    command = [nasc, "bench", path, "--json", "--threads", str(threads)]
    if threads > 1:
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode == 2:  # a usage error: --threads N is not supported
            return None
    return run_json(command, env=env)


def codegen_compiler():
    """Return the compiler of nasc's generated C, read from codegen/compile.h."""
    with open(os.path.join(REPO_ROOT, "codegen", "compile.h")) as header:
        compiler = re.search(r'#define CG_COMPILER "([^"]*)"', header.read())
    if not compiler:
        raise RuntimeError("codegen/compile.h defines no CG_COMPILER")
    return compiler.group(1)


ISA_NAMES = {"avx512": "AVX-512", "avx2": "AVX2"}


def generated_isa(flags):
    """Return the key of bench/fma_peak.c's JSON for the widest vectors that flags enable.
    The scalar target has none, and its kernels count against the AVX2 peak."""
    return "avx512" if "-mavx512f" in flags else "avx2"


def generated_cflags(outdir):
    """Return the CFLAGS of the Makefile that `nasc build` wrote into outdir, target flags included."""
    with open(os.path.join(outdir, "Makefile")) as makefile:
        text = makefile.read()
    flags = re.search(r"^CFLAGS \?= (.*)$", text, re.MULTILINE)
    target = re.search(r"^TARGET_FLAGS = (.*)$", text, re.MULTILINE)
    if not flags or not target:
        raise RuntimeError(f"{outdir}/Makefile sets no CFLAGS or TARGET_FLAGS")
    return flags.group(1).split() + target.group(1).split()


# ---- PyTorch ----

def make_variants(model, x):
    """Return {variant: callable or None}, None for a variant that failed to build."""
    variants = {"eager": model}
    with torch.no_grad():
        try:
            variants["frozen trace"] = torch.jit.freeze(torch.jit.trace(model, x))
        except Exception as error:  # noqa: BLE001  (any failure of the JIT marks the variant)
            print(f"  frozen trace failed: {error}", file=sys.stderr)
            variants["frozen trace"] = None
        try:
            variants["optimize_for_inference"] = torch.jit.optimize_for_inference(torch.jit.trace(model, x))
        except Exception as error:  # noqa: BLE001
            print(f"  optimize_for_inference failed: {error}", file=sys.stderr)
            variants["optimize_for_inference"] = None
    return variants


def flatten_outputs(output):
    if isinstance(output, (tuple, list)):
        return [tensor.reshape(-1) for tensor in output]
    return [output.reshape(-1)]


def check_variant(variant, expected, x):
    """Return (passed, detail): variant(x) against eager's outputs expected."""
    with torch.no_grad():
        for _ in range(3):  # the JIT optimizes after its profiling runs
            actual = flatten_outputs(variant(x))
    if len(actual) != len(expected):
        return False, f"{len(actual)} outputs, eager has {len(expected)}"
    worst = 0.0
    for got, want in zip(actual, expected):
        if got.shape != want.shape:
            return False, f"output shape {tuple(got.shape)}, eager {tuple(want.shape)}"
        got = got.to_dense() if got.is_mkldnn else got
        tolerance = RELATIVE_TOLERANCE * want.abs().max().item() + ABSOLUTE_TOLERANCE
        error = (got.double() - want.double()).abs().max().item()
        if not error <= tolerance:
            return False, f"max error {error:.3e} > tolerance {tolerance:.3e}"
        worst = max(worst, error / tolerance)
    return True, f"max error {worst:.2g} of the tolerance"


def torch_median_ms(function, x):
    with torch.no_grad():
        for _ in range(TORCH_WARMUP_RUNS):
            function(x)
        samples = []
        start = time.perf_counter()
        while len(samples) < TORCH_MIN_RUNS or time.perf_counter() - start < TORCH_MIN_SECONDS:
            t0 = time.perf_counter()
            function(x)
            samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples)


# ---- per-step profile ----

def layer_kinds(info):
    """Return {layer name: (kind, macs, channels, one_position)} from `nasc info --json`.

    channels is the smaller of a conv's input and output channels, 0 for other layers, and
    one_position whether the layer's output map is 1x1.
    """
    shapes = {0: info["input"]}
    for layer in info["layers"]:
        shapes[layer["id"]] = layer["shape"]
    weights = {tensor["name"]: tensor["shape"] for tensor in info["tensors"]}
    kinds = {}
    for layer in info["layers"]:
        kind, channels = "other", 0
        weight = weights.get(layer["name"] + ".weight")
        if layer["op"] == "linear":
            kind = "linear"
        elif layer["op"] == "conv" and weight and len(weight) == 4 and layer["input_ids"]:
            in_channels = shapes[layer["input_ids"][0]][0]
            channels = min(in_channels, weight[0])
            groups = in_channels // weight[1]
            if groups == 1:
                kind = "dense 1x1 conv" if weight[2] == 1 and weight[3] == 1 else "dense kxk conv"
            elif groups == in_channels and weight[1] == 1:
                kind = "depthwise conv"
            else:
                kind = "grouped conv"
        one_position = layer["shape"][1:] == [1, 1] if len(layer["shape"]) == 3 else False
        kinds[layer["name"]] = (kind, layer["macs"], channels, one_position)
    return kinds


def step_labels(source, net):
    """Return {step index: label} from the comments above each step of NET_run.

    NOTE: this reads the layout that codegen/emit.c writes today, a
    `/* name + name */` line before each step and a `NASC_PROBE(index, ...`
    call after it. A step without such a comment is labelled "step N" and
    counts as "other", and the output lists how many there were.
    """
    start = source.find(f"void {net}_run(")
    if start < 0:
        raise RuntimeError(f"the generated C has no function {net}_run")
    labels = {}
    comment = None
    for line in source[start:].splitlines():
        stripped = line.strip()
        match = re.fullmatch(r"/\* (.*) \*/", stripped)
        if match:
            comment = match.group(1)
            continue
        match = re.match(r"NASC_PROBE\((\d+),", stripped)
        if match:
            labels[int(match.group(1))] = comment or ""
            comment = None
        if stripped == "}" and line.startswith("}"):
            break
    return labels


def classify_step(label, kinds):
    """Return (kind, macs, mapped, channels, one_position): the step's layer kind, the MACs of its
    conv and linear layers, whether every name is known, the smallest channel count of its convs,
    and whether one of them has a 1x1 output map."""
    names = [name.strip() for name in label.split(" + ")] if label else []
    known = [name for name in names if name in kinds]
    kind, macs, channels, one_position = "other", 0, None, False
    for name in known:
        layer_kind, layer_macs, layer_channels, layer_one_position = kinds[name]
        if layer_kind != "other":
            kind = layer_kind if kind == "other" else kind
            macs += layer_macs
            channels = layer_channels if channels is None else min(channels, layer_channels)
            one_position = one_position or layer_one_position
    return kind, macs, bool(names) and len(known) == len(names), channels or 0, one_position


def profile_network(nasc, name, path, workdir, compiler, probe_gflops):
    """Build NAME, time its steps, and return
    {"total_ms", "steps": [(label, kind, macs, ms, channels, one_position)], "unmapped", "runs",
    "quiet_runs", "probe_gflops"}. The steps are medians over the quiet runs (see bench/profile.c),
    those whose speed probes reach 90% of probe_gflops or of the run's own fastest probe. A run
    of the profile harness with fewer than a fifth of its runs quiet is repeated, up to
    PROFILE_ATTEMPTS times, and the one with the most quiet runs counts."""
    outdir = os.path.join(workdir, name)
    subprocess.run([nasc, "build", path, "-o", outdir], check=True, capture_output=True)
    flags = generated_cflags(outdir)
    info = run_json([nasc, "info", path, "--json"])
    net = info["network"]
    macro = re.sub(r"[^A-Za-z0-9]", "_", net).upper()
    source_path = os.path.join(outdir, net + ".c")
    program = os.path.join(outdir, "profile")
    command = [compiler, *flags, "-DNASC_PROBE=profile_probe",
               "-DNASC_PROBE_BLOCK=profile_probe_block", "-include", os.path.join(outdir, net + ".h"),
               f"-DNASC_NET_RUN={net}_run", f"-DNASC_NET_LOAD_WEIGHTS={net}_load_weights",
               f"-DNASC_NET_STRERROR={net}_strerror", f"-DNASC_NET_INPUT_SIZE={macro}_INPUT_SIZE",
               f"-DNASC_NET_OUTPUT_SIZE={macro}_OUTPUT_SIZE",
               f"-DNASC_NET_WORKSPACE_BYTES={macro}_WORKSPACE_BYTES",
               "-o", program, os.path.join(REPO_ROOT, "bench", "profile.c"), source_path, "-lm"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"compiling the profile harness for {name} failed:\n{result.stderr}")
    timing = None
    for _ in range(PROFILE_ATTEMPTS):
        attempt = run_json([program, os.path.join(outdir, net + ".weights"), PROFILE_SECONDS, "10",
                            str(probe_gflops)])
        if timing is None or attempt["quiet_runs"] > timing["quiet_runs"]:
            timing = attempt
        if timing["quiet_runs"] * 5 >= timing["runs"]:
            break
    with open(source_path) as source:
        labels = step_labels(source.read(), net)
    kinds = layer_kinds(info)
    steps, unmapped = [], 0
    for index, ms in zip(timing["steps"], timing["step_ms"]):
        label = labels.get(index, "")
        kind, macs, mapped, channels, one_position = classify_step(label, kinds)
        unmapped += not mapped
        steps.append((label or f"step {index}", kind, macs, ms, channels, one_position))
    return {"total_ms": timing["total_ms"], "steps": steps, "unmapped": unmapped,
            "runs": timing["runs"], "quiet_runs": timing["quiet_runs"], "probe_gflops": timing["probe_gflops"]}


# ---- output ----

def print_peer_table(names, nasc_ms, torch_ms, compile_s, wrong):
    print("\n## nasc against the fastest correct PyTorch variant\n")
    if any(samples is None for samples in nasc_ms.values()):
        print("This nasc has no --threads beyond 1: its 2-thread figures repeat the 1-thread ones.\n")
    ratios = {threads: [] for threads in THREAD_COUNTS}
    header = "| network |"
    rule = "| --- |"
    for threads in THREAD_COUNTS:
        header += (f" nasc ms, {threads} thread{'s' if threads > 1 else ''} | peer | peer ms |"
                   " nasc / peer |")
        rule += " ---: | --- | ---: | ---: |"
    print(header + " compile s |")
    print(rule + " ---: |")
    for name in names:
        row = f"| {name} |"
        for threads in THREAD_COUNTS:
            samples = nasc_ms.get((name, threads)) or nasc_ms[(name, 1)]
            ours = statistics.median(samples)
            medians = {variant: statistics.median(samples)
                       for (net, count, variant), samples in torch_ms.items()
                       if net == name and count == threads}
            peer = min(medians, key=medians.get)
            ratios[threads].append(ours / medians[peer])
            row += f" {ours:.2f} | {peer} | {medians[peer]:.2f} | {ours / medians[peer]:.2f} |"
        print(row + f" {compile_s[name]:.2f} |")
    print()
    for threads, values in ratios.items():
        print(f"Geometric mean of nasc / peer, {threads} thread{'s' if threads > 1 else ''}: "
              f"{statistics.geometric_mean(values):.2f} over {len(values)} networks.")

    print("\n## Every PyTorch variant, median ms\n")
    print("| network | threads | " + " | ".join(VARIANTS) + " |")
    print("| --- | ---: |" + " ---: |" * len(VARIANTS))
    for name in names:
        for threads in THREAD_COUNTS:
            cells = []
            for variant in VARIANTS:
                samples = torch_ms.get((name, threads, variant))
                cells.append(f"{statistics.median(samples):.2f}" if samples else f"wrong ({wrong[(name, variant)]})")
            print(f"| {name} | {threads} | " + " | ".join(cells) + " |")


def print_profile_tables(profiles, peak, isa):
    print("\n## GFLOP/s of nasc's kernels per layer kind, one thread\n")
    print(f"Peak: {peak:.1f} GFLOP/s (bench/fma_peak.c, {ISA_NAMES[isa]} FMA on one core, the instruction set "
          "of nasc's generated code). Each network's steps are medians over its quiet runs (bench/profile.c):")
    print(", ".join(f"{name} {profile['quiet_runs']} of {profile['runs']}" for name, profile in profiles.items())
          + ".\n")
    print("| network | layer kind | steps | ms | share of time | GFLOP/s | % of peak |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    totals = {kind: [0, 0.0, 0] for kind in KINDS}
    for name, profile in profiles.items():
        run_ms = sum(step[3] for step in profile["steps"])
        for kind in KINDS:
            steps = [step for step in profile["steps"] if step[1] == kind]
            if not steps:
                continue
            ms = sum(step[3] for step in steps)
            macs = sum(step[2] for step in steps)
            totals[kind][0] += len(steps)
            totals[kind][1] += ms
            totals[kind][2] += macs
            print(f"| {name} | {kind} | {len(steps)} | {ms:.2f} | {100 * ms / run_ms:.0f}% | "
                  + (f"{2 * macs / ms * 1e-6:.2f} | {200 * macs / ms * 1e-6 / peak:.1f}% |" if macs else "- | - |"))
    print("\n## All networks together\n")
    print("| layer kind | steps | ms | GFLOP/s | % of peak |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for kind in KINDS:
        count, ms, macs = totals[kind]
        if count:
            print(f"| {kind} | {count} | {ms:.2f} | "
                  + (f"{2 * macs / ms * 1e-6:.2f} | {200 * macs / ms * 1e-6 / peak:.1f}% |" if macs else "- | - |"))
    for name, profile in profiles.items():
        if profile["unmapped"]:
            print(f"\nNOTE: {name}: {profile['unmapped']} steps have a label that names no layer of "
                  "`nasc info`; they count as \"other\".")


def print_wide_convs(profiles, peak, channels=64, share=0.70):
    """Print, per network, the dense 1x1 and kxk convs with at least `channels` input and output
    channels against `share` of the FMA peak, and list each layer below it.

    A conv whose output map has one position is a matrix-vector product, as a linear layer is:
    it reads each weight once, so reading the weights bounds it, not the FMA units. Such layers
    (the squeeze-and-excitation convs of MobileNetV3) are counted apart.
    """
    print(f"\n## Dense convs with at least {channels} input and output channels, one thread\n")
    print(f"Each such layer against {100 * share:.0f}% of the peak ({share * peak:.1f} GFLOP/s). "
          "Convs on a 1x1 output map are matrix-vector products, bound by reading their weights "
          "like a linear layer, and are counted in the last column only.\n")
    print("| network | layer kind | layers | slowest GFLOP/s | slowest % of peak | median % of peak | below "
          "| on 1x1 maps |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    below = []
    for name, profile in profiles.items():
        for kind in ("dense 1x1 conv", "dense kxk conv"):
            candidates = [step for step in profile["steps"] if step[1] == kind and step[4] >= channels and step[3] > 0]
            steps = [step for step in candidates if not step[5]]
            vector_products = len(candidates) - len(steps)
            if not steps:
                continue
            rates = sorted(2 * step[2] / step[3] * 1e-6 for step in steps)
            median = rates[len(rates) // 2] if len(rates) % 2 else (rates[len(rates) // 2 - 1] + rates[len(rates) // 2]) / 2
            slow = [step for step in steps if 2 * step[2] / step[3] * 1e-6 < share * peak]
            below += [(name, step) for step in slow]
            print(f"| {name} | {kind} | {len(steps)} | {rates[0]:.2f} | {100 * rates[0] / peak:.1f}% | "
                  f"{100 * median / peak:.1f}% | {len(slow)} | {vector_products} |")
    if below:
        print(f"\nThe layers below {100 * share:.0f}%:\n")
    for name, (label, kind, macs, ms, _, _) in below:
        print(f"- {name}: {label} ({kind}), {ms:.3f} ms, {2 * macs / ms * 1e-6:.2f} GFLOP/s")


def print_slowest_steps(profiles, peak, count=5):
    print(f"\n## The {count} slowest steps of each network\n")
    print("| network | step (layers) | kind | ms | GFLOP/s |")
    print("| --- | --- | --- | ---: | ---: |")
    for name, profile in profiles.items():
        for label, kind, macs, ms, _, _ in sorted(profile["steps"], key=lambda step: -step[3])[:count]:
            rate = f"{2 * macs / ms * 1e-6:.2f}" if macs else "-"
            print(f"| {name} | {label} | {kind} | {ms:.2f} | {rate} |")


# ---- main ----

def measure_fma_peak(binary, workdir):
    if binary is None:
        binary = os.path.join(workdir, "fma_peak")
    if not os.path.exists(binary):
        subprocess.run(["clang", "-O2", "-march=native", "-o", binary,
                        os.path.join(REPO_ROOT, "bench", "fma_peak.c")], check=True)
    lines = subprocess.run([os.path.abspath(binary)], capture_output=True, text=True, check=True).stdout.splitlines()
    return json.loads(lines[-1])


def file_digest(path):
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Time nasc's generated C against PyTorch at its best.")
    parser.add_argument("nasc", help="the nasc binary")
    parser.add_argument("names", nargs="*", help="example names (default: every example with a PyTorch model)")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds over all networks (default 3)")
    parser.add_argument("--allow-reference-blas", action="store_true",
                        help="run even when torch uses the reference BLAS")
    parser.add_argument("--fma-peak", metavar="BINARY",
                        help="a built bench/fma_peak.c (default: compile it with clang -O2 -march=native)")
    parser.add_argument("--no-profile", action="store_true", help="skip the per-layer-kind profile")
    args = parser.parse_args(argv[1:])
    unknown = [name for name in args.names if name not in MODELS]
    if unknown:
        parser.error(f"no PyTorch model for {', '.join(unknown)}; known: {', '.join(MODELS)}")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    return args


def main(argv):
    args = parse_arguments(argv)
    nasc = os.path.abspath(args.nasc)
    names = args.names or list(MODELS)
    paths = {name: os.path.join(REPO_ROOT, "examples", name + ".nas") for name in names}

    blas, is_reference, openblas = describe_blas(blas_library())
    print(f"torch {torch.__version__}, BLAS: {blas}, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")
    if is_reference and not args.allow_reference_blas:
        print("compare.py: torch uses the reference BLAS, so PyTorch would not be at its best. "
              "Install libopenblas0-pthread (tools/deps.sh check does), or pass --allow-reference-blas.",
              file=sys.stderr)
        return 1
    compiler = codegen_compiler()

    # Someone who runs make during the benchmark replaces nasc, and the figures then mix two builds.
    nasc_digest = file_digest(nasc)
    with tempfile.TemporaryDirectory(prefix="nasc_bench.") as workdir:
        probe = os.path.join(workdir, "flags")
        subprocess.run([nasc, "build", paths[names[0]], "-o", probe], check=True, capture_output=True)
        print(f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs; "
              f"nasc's generated C: {compiler} {' '.join(generated_cflags(probe))}")
        peak = measure_fma_peak(args.fma_peak, workdir)
        print(f"FMA peak, one core, at the start: AVX2 {peak['avx2']} GFLOP/s, AVX-512 {peak['avx512']} GFLOP/s")

        # Models, inputs and the correctness of each variant against eager.
        torch.manual_seed(0)
        callables, inputs, wrong = {}, {}, {}
        for name in names:
            info = run_json([nasc, "info", paths[name], "--json"])
            x = torch.randn(1, *info["input"])
            model = MODELS[name]().eval()
            variants = make_variants(model, x)
            with torch.no_grad():
                expected = flatten_outputs(model(x))
            for variant in VARIANTS:
                passed, detail = (False, "failed to build") if variants[variant] is None else \
                    (True, "") if variant == "eager" else check_variant(variants[variant], expected, x)
                if variant != "eager":
                    print(f"{name}: {variant} {'agrees with' if passed else 'WRONG against'} eager: {detail}")
                if passed:
                    callables[(name, variant)] = variants[variant]
                else:
                    wrong[(name, variant)] = detail
            inputs[name] = x

        nasc_ms = {}  # (name, threads) -> medians; None when nasc lacks that thread count
        torch_ms = {}
        compile_s = {}
        for round_index in range(args.rounds):
            for name in names:
                # The first call of a network finds an empty cache, so it reports the compile time.
                cache = os.path.join(workdir, "cache", name)
                first = not os.path.isdir(cache)
                os.makedirs(cache, exist_ok=True)
                for threads in THREAD_COUNTS:
                    def time_nasc():
                        result = nasc_bench(nasc, paths[name], cache, threads)
                        if result is None:
                            nasc_ms[(name, threads)] = None
                            return
                        if first and threads == 1:
                            compile_s[name] = result["compile_s"]
                        nasc_ms.setdefault((name, threads), []).append(result["median_ms"])

                    def time_torch(variants):
                        set_threads(threads, openblas)
                        for variant in variants:
                            if (name, variant) in callables:
                                median = torch_median_ms(callables[(name, variant)], inputs[name])
                                torch_ms.setdefault((name, threads, variant), []).append(median)

                    # optimize_for_inference, usually the peer, runs right next to nasc.
                    if round_index % 2 == 0:
                        time_nasc()
                        time_torch(VARIANTS[::-1])
                    else:
                        time_torch(VARIANTS)
                        time_nasc()
                print(f"round {round_index + 1}: {name}: "
                      + ", ".join(f"nasc T={threads} {samples[-1]:.2f} ms"
                                  for (net, threads), samples in nasc_ms.items() if net == name and samples)
                      + ", "
                      + ", ".join(f"{variant} T={threads} {samples[-1]:.2f} ms"
                                  for (net, threads, variant), samples in torch_ms.items() if net == name),
                      flush=True)
        set_threads(1, openblas)
        # Load on a shared machine only lowers the measured peak, so the higher of two measurements counts.
        again = measure_fma_peak(args.fma_peak, workdir)
        print(f"FMA peak, one core, after the timing rounds: AVX2 {again['avx2']} GFLOP/s, "
              f"AVX-512 {again['avx512']} GFLOP/s")
        peak = {isa: max(filter(None, (peak[isa], again[isa])), default=None) for isa in peak}
        print_peer_table(names, nasc_ms, torch_ms, compile_s, wrong)

        if not args.no_profile:
            profiles, probe_gflops = {}, 0.0
            # A network profiled before a faster probe was seen runs again against that probe.
            for name in names + names:
                if name in profiles and profiles[name]["probe_gflops"] >= QUIET_SHARE * probe_gflops:
                    continue
                try:
                    profiles[name] = profile_network(nasc, name, paths[name], workdir, compiler, probe_gflops)
                    probe_gflops = max(probe_gflops, profiles[name]["probe_gflops"])
                    # A peak measured while another tenant held the core is too low: keep the highest.
                    again = measure_fma_peak(args.fma_peak, workdir)
                    peak = {isa: max(filter(None, (peak[isa], again[isa])), default=None) for isa in peak}
                except (RuntimeError, subprocess.CalledProcessError, json.JSONDecodeError) as error:
                    print(f"profiling {name} failed: {error}", file=sys.stderr)
                    continue
                print(f"profiled {name}: {len(profiles[name]['steps'])} steps, "
                      f"{profiles[name]['total_ms']:.2f} ms per run, {profiles[name]['quiet_runs']} of "
                      f"{profiles[name]['runs']} runs quiet", file=sys.stderr, flush=True)
            isa = generated_isa(generated_cflags(probe))
            print(f"FMA peak, one core, the highest of the measurements before, between and after the "
                  f"profiles: AVX2 {peak['avx2']} GFLOP/s, AVX-512 {peak['avx512']} GFLOP/s")
            print_profile_tables(profiles, peak[isa], isa)
            print_wide_convs(profiles, peak[isa])
            print_slowest_steps(profiles, peak[isa])
    if file_digest(nasc) != nasc_digest:
        print(f"\nWARNING: {nasc} changed during the run, so the nasc figures mix two builds. "
              "Run again while nobody rebuilds it.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
