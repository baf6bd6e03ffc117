#!/usr/bin/python3
"""Compare nasc's report on the example networks with torchvision's models.

Usage: /usr/bin/python3 tests/torchvision_check.py PATH/TO/nasc

For each example that torchvision 0.14 also defines, the script runs
`nasc info examples/NAME.nas --json` and builds the torchvision model with
weights=None, then checks that both agree on:

  params   sum(p.numel() for p in model.parameters()) equals JSON "params"
  macs     MACs counted with forward hooks on a 1x3x224x224 input equal
           JSON "macs" (Conv2d: output elements x in_channels/groups x kh x kw,
           Linear: in_features x out_features)
  keys     the state_dict key set equals the set of JSON "tensors" names
  shapes   every tensor's shape equals the state_dict tensor's shape

The same checks run for mobilenet_v1 and shufflenet_v1 against the PyTorch
definitions in tests/reference_models.py, and examples/mobilenet_v1.nas must
have 4,231,976 parameters, the count of MobileNet v1 (width 1.0, 224x224,
1000 classes).

It prints one line per network and check, then "N passed, M failed", and
exits with status 1 if any check failed. It needs only the standard library,
torch and torchvision.
"""

import json
import os
import subprocess
import sys

import torch
import torchvision.models as models

from reference_models import REFERENCE_NETWORKS

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Example file name (without .nas) -> torchvision constructor.
TORCHVISION_NETWORKS = {
    "resnet18": models.resnet18,
    "resnet50": models.resnet50,
    "resnext50_32x4d": models.resnext50_32x4d,
    "mobilenet_v2": models.mobilenet_v2,
    "mobilenet_v3_small": models.mobilenet_v3_small,
    "shufflenet_v2_x1_0": models.shufflenet_v2_x1_0,
    "mnasnet1_0": models.mnasnet1_0,
}

MOBILENET_V1_PARAMS = 4231976
NASC_TIMEOUT_SECONDS = 60
MAX_LISTED_KEYS = 10


class NascError(Exception):
    pass


def run_nasc_info(nasc, name, extra_args=()):
    """Run `nasc info examples/NAME.nas --json [extra_args]` and return the parsed JSON."""
    path = os.path.join("examples", name + ".nas")
    command = [nasc, "info", path, "--json", *extra_args]
    try:
        result = subprocess.run(
            command,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=NASC_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NascError(f"{' '.join(command)} failed: {error}") from error
    if result.returncode != 0:
        message = result.stderr.strip() or result.stdout.strip()
        raise NascError(f"{' '.join(command)} exited with status {result.returncode}: {message}")
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise NascError(f"{' '.join(command)} printed invalid JSON: {error}") from error


def count_macs(model, input_shape=(1, 3, 224, 224)):
    """Count the multiply-accumulates of Conv2d and Linear layers in one forward pass."""
    total = 0

    def conv_hook(module, inputs, output):
        nonlocal total
        kh, kw = module.kernel_size
        total += output.numel() * (module.in_channels // module.groups) * kh * kw

    def linear_hook(module, inputs, output):
        nonlocal total
        total += module.in_features * module.out_features

    handles = []
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, torch.nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
    try:
        with torch.no_grad():
            model(torch.zeros(input_shape))
    finally:
        for handle in handles:
            handle.remove()
    return total


def format_keys(keys):
    listed = sorted(keys)[:MAX_LISTED_KEYS]
    more = len(keys) - len(listed)
    text = ", ".join(listed)
    return text + (f" (and {more} more)" if more > 0 else "")


def compare_with_torchvision(name, report, model, oracle="torchvision"):
    """Return a list of (check, passed, detail) comparing a nasc report with a model.

    oracle names the model's source in the details: torchvision, or the
    reference definitions of tests/reference_models.py.
    """
    results = []

    params = sum(p.numel() for p in model.parameters())
    results.append(("params", report.get("params") == params,
                    f"nasc {report.get('params')}, {oracle} {params}"))

    macs = count_macs(model)
    results.append(("macs", report.get("macs") == macs,
                    f"nasc {report.get('macs')}, {oracle} {macs}"))

    state = model.state_dict()
    tensors = {t["name"]: t["shape"] for t in report.get("tensors", [])}
    missing_in_nasc = set(state) - set(tensors)
    missing_in_torchvision = set(tensors) - set(state)
    if not missing_in_nasc and not missing_in_torchvision:
        results.append(("keys", True, f"{len(state)} keys"))
    else:
        detail = (f"{len(missing_in_nasc)} only in torchvision: {format_keys(missing_in_nasc)}; "
                  f"{len(missing_in_torchvision)} only in nasc: {format_keys(missing_in_torchvision)}")
        results.append(("keys", False, detail))

    wrong_shapes = []
    for key in sorted(set(state) & set(tensors)):
        expected = list(state[key].shape)
        if tensors[key] != expected:
            wrong_shapes.append(f"{key} nasc {tensors[key]} {oracle} {expected}")
    if wrong_shapes:
        listed = "; ".join(wrong_shapes[:MAX_LISTED_KEYS])
        more = len(wrong_shapes) - MAX_LISTED_KEYS
        detail = f"{len(wrong_shapes)} differ: {listed}" + (f" (and {more} more)" if more > 0 else "")
        results.append(("shapes", False, detail))
    else:
        results.append(("shapes", True, f"{len(set(state) & set(tensors))} shapes equal"))

    return results


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} PATH/TO/nasc", file=sys.stderr)
        return 2
    nasc = os.path.abspath(argv[1])
    torch.manual_seed(0)

    passed = 0
    failed = 0

    def record(name, check, ok, detail):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print(f"{'PASS' if ok else 'FAIL'} {name} {check}: {detail}", flush=True)

    for name, constructor in list(TORCHVISION_NETWORKS.items()) + list(REFERENCE_NETWORKS.items()):
        try:
            report = run_nasc_info(nasc, name)
        except NascError as error:
            for check in ("params", "macs", "keys", "shapes"):
                record(name, check, False, str(error))
            continue
        if name in REFERENCE_NETWORKS:
            model = constructor().eval()
            oracle = "reference"
        else:
            model = constructor(weights=None).eval()
            oracle = "torchvision"
        for check, ok, detail in compare_with_torchvision(name, report, model, oracle):
            record(name, check, ok, detail)

    # A network parameter set on the command line: width 0.75 as torchvision's width_mult.
    try:
        report = run_nasc_info(nasc, "mobilenet_v2", ["--set", "width=0.75"])
        model = models.mobilenet_v2(weights=None, width_mult=0.75).eval()
        for check, ok, detail in compare_with_torchvision("mobilenet_v2", report, model):
            record("mobilenet_v2 --set width=0.75", check, ok, detail)
    except NascError as error:
        record("mobilenet_v2 --set width=0.75", "params", False, str(error))

    try:
        report = run_nasc_info(nasc, "mobilenet_v1")
        params = report.get("params")
        record("mobilenet_v1", "params", params == MOBILENET_V1_PARAMS,
               f"nasc {params}, expected {MOBILENET_V1_PARAMS}")
    except NascError as error:
        record("mobilenet_v1", "params", False, str(error))

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
