#!/usr/bin/python3
"""Compare the scores of runtime/score.c with an independent PyTorch computation.

Usage: /usr/bin/python3 tests/score_check.py [--keep DIR] PATH/TO/nasc

For each network below the script exports PyTorch weights (randomize() of
tests/pytorch_models.py), generates C with `nasc build --weights`, compiles
runtime/score.c with it (clang, -DNASC_PROBE=score_probe, -Werror
-pedantic) and runs it on BATCH inputs drawn by torch.randn and passed as
an INPUTS file, so both sides see the same weights and inputs. PyTorch
then computes, in float64 from its float32 activations:

  NASWOT: the binary codes (x > 0) of the inputs of every nn.ReLU and
    nn.ReLU6 call, K_H = codes @ codes.T + (1 - codes) @ (1 - codes).T,
    and torch.linalg.slogdet(K_H), as the authors' code does;
  MeCo: on the first input, the sum over the network's layers of the
    smallest eigenvalue of torch.corrcoef of the C x HW feature map,
    with NaN entries set to 0 as in the authors' code. Each network's
    layer function below lists the PyTorch tensors that nasc's conv and
    linear steps output.

Tolerances. The ReLU unit counts must be equal. A code bit can differ
when a pre-activation lies within float32 rounding of 0, because nasc and
PyTorch sum in different orders. Such a flip changes one entry of K_H by
1 out of N_A, so NASWOT must agree within NASWOT_TOLERANCE (absolute, on
the log scale). MeCo's eigenvalues come from activations that differ by
about 1e-6 relative, so MeCo must agree within MECO_TOLERANCE per layer.

It prints one line per network, then "N passed, M failed", and exits
with status 1 if any network failed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(TESTS_DIR)
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))
sys.path.insert(0, TESTS_DIR)

from export_torch import export_state_dict  # noqa: E402
from pytorch_models import randomize  # noqa: E402
import torchvision.models as torchvision_models  # noqa: E402

WEIGHT_SEED = 0
INPUT_SEED = 1
BATCH = 32
NASWOT_TOLERANCE = 1e-3
MECO_TOLERANCE = 1e-4
TIMEOUT_SECONDS = 600

SMALL_NAS = """\
network small(input = [3, 12, 12]) {
    x = conv(in, 8, k = 3, pad = 1, bias = false) as c1 | bn as b1 | relu
    y = conv(x, 8, k = 3, pad = 1, bias = false) as c2 | bn as b2
    x = relu(x + y)
    x = maxpool(x, k = 2, stride = 2)
    x = conv(x, 16, k = 1) as c3 | relu6
    x = conv(x, 16, k = 3, pad = 1, groups = 16) as c4 | hardswish
    a, b = split(x, 2)
    x = concat(a, relu(conv(b, 8, k = 1) as c5)) | shuffle(2)
    x = conv(x, 12, k = 1) as c6
    return global_avgpool(x) | flatten | linear(10) as fc
}
"""


class Small(nn.Module):
    """SMALL_NAS in PyTorch. forward also returns the outputs of nasc's layer steps."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(8)
        self.c3 = nn.Conv2d(8, 16, 1)
        self.c4 = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.c5 = nn.Conv2d(8, 8, 1)
        self.c6 = nn.Conv2d(16, 12, 1)
        self.fc = nn.Linear(12, 10)
        self.relu = nn.ReLU()
        self.relu6 = nn.ReLU6()

    def forward(self, x):
        layers = []
        x = self.relu(self.b1(self.c1(x)))
        layers.append(x)
        # nasc fuses b2, the add and the ReLU into c2's step.
        x = self.relu(x + self.b2(self.c2(x)))
        layers.append(x)
        x = F.max_pool2d(x, 2, 2)
        x = self.relu6(self.c3(x))
        layers.append(x)
        x = F.hardswish(self.c4(x))
        layers.append(x)
        a, b = x[:, :8], x[:, 8:]
        b = self.relu(self.c5(b))
        layers.append(b)
        x = torch.cat([a, b], 1)
        n, c, h, w = x.shape
        x = x.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)
        x = self.c6(x)
        layers.append(x)
        x = self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
        layers.append(x)
        return x, layers


def mobilenet_v2_layers(model, x):
    """The outputs of nasc's conv and linear steps in torchvision's mobilenet_v2.

    Every conv but the projection of an inverted residual block ends in a
    ReLU6, so its step's output is that ReLU6's output. The projection's
    step has the block's batch norm and residual add fused in, so its
    output is the block's output. The classifier's linear is the last.
    """
    layers = []
    hooks = [m.register_forward_hook(lambda m, i, o: layers.append(o.clone()))
             for m in model.modules()
             if isinstance(m, (nn.ReLU6, torchvision_models.mobilenetv2.InvertedResidual,
                               nn.Linear))]
    output = model(x)
    for hook in hooks:
        hook.remove()
    return output, layers


def relu_codes(model, x):
    """The binary codes (B x N_A, float64) of the inputs of every ReLU and ReLU6 call."""
    codes = []
    hooks = [m.register_forward_hook(
                 lambda m, i, o: codes.append((i[0] > 0).reshape(len(i[0]), -1).double()))
             for m in model.modules() if isinstance(m, (nn.ReLU, nn.ReLU6))]
    model(x)
    for hook in hooks:
        hook.remove()
    return torch.cat(codes, 1)


def torch_naswot(codes):
    k = codes @ codes.T + (1 - codes) @ (1 - codes).T
    return torch.linalg.slogdet(k)[1].item()


def torch_meco(feature_maps):
    total = 0.0
    for f in feature_maps:
        f = f[0].reshape(f.shape[1], -1).double()
        corr = torch.corrcoef(f)
        corr[torch.isnan(corr)] = 0
        corr[torch.isinf(corr)] = 0
        total += torch.linalg.eigvalsh(corr).min().item() if corr.dim() == 2 else 1.0
    return total


def small_layers(model, x):
    return model(x)


NETWORKS = [
    # name, .nas source or example path, --set values, model, layer function
    ("small", SMALL_NAS, [], Small, small_layers),
    ("mobilenet_v2", "examples/mobilenet_v2.nas", ["input=[3,64,64]"],
     lambda: torchvision_models.mobilenet_v2(weights=None), mobilenet_v2_layers),
]


class CheckFailed(Exception):
    """A failed check of one network, with a message naming the check."""


def run(command, description):
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=TIMEOUT_SECONDS)
    if result.returncode != 0:
        raise CheckFailed(f"{description} failed with status {result.returncode}: "
                          f"{' '.join(command)}\n    {result.stderr.strip()}")
    return result.stdout


def compile_harness(network, folder, program):
    macro = network.upper()
    run(["clang", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic",
         "-DNASC_PROBE=score_probe", f"-DNASC_NET_RUN={network}_run",
         f"-DNASC_NET_LOAD_WEIGHTS={network}_load_weights", f"-DNASC_NET_STRERROR={network}_strerror",
         f"-DNASC_NET_INPUT_SIZE={macro}_INPUT_SIZE", f"-DNASC_NET_OUTPUT_SIZE={macro}_OUTPUT_SIZE",
         f"-DNASC_NET_WORKSPACE_BYTES={macro}_WORKSPACE_BYTES", "-include",
         os.path.join(folder, f"{network}.h"), "runtime/score.c",
         os.path.join(folder, f"{network}.c"), "-o", program, "-lm"], "compiling runtime/score.c")


def check_network(nasc, folder, name, source, settings, make_model, layers_of):
    model = make_model().eval()
    randomize(model, WEIGHT_SEED)
    weights = os.path.join(folder, f"{name}.safetensors")
    export_state_dict(model, weights)
    if source.startswith("network"):
        path = os.path.join(folder, f"{name}.nas")
        with open(path, "w") as f:
            f.write(source)
    else:
        path = source
    out = os.path.join(folder, name)
    command = [nasc, "build", path, "--weights", weights, "-o", out]
    for setting in settings:
        command += ["--set", setting]
    run(command, "nasc build")
    set_options = [option for setting in settings for option in ("--set", setting)]
    info = json.loads(run([nasc, "info", path, "--json"] + set_options, "nasc info"))
    program = os.path.join(folder, f"{name}-score")
    compile_harness(name, out, program)

    with open(os.path.join(out, f"{name}.h")) as f:
        header = f.read()
    input_size = int(header.split(f"#define {name.upper()}_INPUT_SIZE ")[1].split()[0])
    generator = torch.Generator().manual_seed(INPUT_SEED)
    x = torch.randn([BATCH] + list(info["input"]), generator=generator)
    if x[0].numel() != input_size:
        raise CheckFailed(f"the input has {x[0].numel()} values, nasc expects {input_size}")
    inputs = os.path.join(folder, f"{name}.inputs")
    x.numpy().astype("<f4").tofile(inputs)
    scores = json.loads(run([program, os.path.join(out, f"{name}.weights"), str(BATCH), "0",
                             inputs], "the score harness"))

    with torch.no_grad():
        codes = relu_codes(model, x)
        _, feature_maps = layers_of(model, x[:1])
    expected_naswot = torch_naswot(codes)
    expected_meco = torch_meco(feature_maps)
    problems = []
    if scores["relu_units"] != codes.shape[1]:
        problems.append(f"relu_units {scores['relu_units']}, PyTorch {codes.shape[1]}")
    if scores["meco_layers"] != len(feature_maps):
        problems.append(f"meco_layers {scores['meco_layers']}, PyTorch {len(feature_maps)}")
    if scores["naswot"] is None or abs(scores["naswot"] - expected_naswot) > NASWOT_TOLERANCE:
        problems.append(f"naswot {scores['naswot']}, PyTorch {expected_naswot:.9g}")
    if abs(scores["meco"] - expected_meco) > MECO_TOLERANCE * len(feature_maps):
        problems.append(f"meco {scores['meco']:.9g}, PyTorch {expected_meco:.9g}")
    if problems:
        raise CheckFailed("; ".join(problems))
    return (f"naswot {scores['naswot']:.6f} (PyTorch {expected_naswot:.6f}, "
            f"difference {abs(scores['naswot'] - expected_naswot):.2g}), "
            f"meco {scores['meco']:.6f} (PyTorch {expected_meco:.6f}, "
            f"difference {abs(scores['meco'] - expected_meco):.2g}), "
            f"{scores['relu_units']} ReLU units, {scores['meco_layers']} layers")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nasc")
    parser.add_argument("--keep", help="keep the generated files in this folder")
    args = parser.parse_args()
    nasc = os.path.abspath(args.nasc)
    torch.set_grad_enabled(False)
    # corrcoef warns on layers of one value per channel, whose NaN entries become 0 as intended.
    warnings.filterwarnings("ignore", message="cov\\(\\): degrees of freedom")

    folder = args.keep or tempfile.mkdtemp(prefix="nasc_score_check_")
    os.makedirs(folder, exist_ok=True)
    passed = failed = 0
    for name, source, settings, make_model, layers_of in NETWORKS:
        try:
            message = check_network(nasc, folder, name, source, settings, make_model, layers_of)
            print(f"PASS {name}: {message}")
            passed += 1
        except (CheckFailed, subprocess.TimeoutExpired) as error:
            print(f"FAIL {name}: {error}")
            failed += 1
    if not args.keep:
        subprocess.run(["rm", "-rf", folder])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
