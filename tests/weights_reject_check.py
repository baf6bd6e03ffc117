#!/usr/bin/python3
"""Check that nasc rejects bad safetensors files with a message naming the problem.

Usage: /usr/bin/python3 tests/weights_reject_check.py PATH/TO/nasc

Starting from a valid export of examples/primitives.nas, it writes bad
variants and runs `nasc build` on each: a truncated file, a header whose
length or offsets lie, a header that is not JSON, a wrongly shaped tensor,
a float16 tensor, and the weights of another network. Every case must exit
with status 1, print the expected message, and leave no output folder
behind. A last case checks that the valid file is accepted.
"""

import json
import os
import struct
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))

from export_torch import export_state_dict  # noqa: E402
from pytorch_models import MODELS  # noqa: E402


def split_file(path):
    """Return (header dict, data bytes) of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + length]), blob[8 + length:]


def join_file(path, header, data, length=None):
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text) if length is None else length) + text + data)


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} PATH/TO/nasc", file=sys.stderr)
        return 2
    nasc = os.path.abspath(argv[1])
    passed = failed = 0
    with tempfile.TemporaryDirectory() as work:
        good = os.path.join(work, "primitives.safetensors")
        export_state_dict(MODELS["primitives"](), good)
        other = os.path.join(work, "resnet18.safetensors")
        export_state_dict(MODELS["resnet18"](), other)
        header, data = split_file(good)

        cases = []

        def case(name, expected, write):
            path = os.path.join(work, name + ".safetensors")
            write(path)
            cases.append((name, path, expected))

        case("truncated", "truncated",
             lambda p: open(p, "wb").write(open(good, "rb").read()[:-100]))
        case("header_length_lies", "exceeds",
             lambda p: join_file(p, header, data, length=10 ** 9))
        case("header_not_json", "not a JSON object",
             lambda p: open(p, "wb").write(struct.pack("<Q", 8) + b"not json" + data))
        case("too_short", "fewer than the 8-byte header length",
             lambda p: open(p, "wb").write(b"\x01\x02"))

        lying = json.loads(json.dumps(header))
        begin, end = lying["normal.weight"]["data_offsets"]
        lying["normal.weight"]["data_offsets"] = [begin, end + 4]
        case("offsets_lie", "do not span", lambda p: join_file(p, lying, data))

        reshaped = json.loads(json.dumps(header))
        reshaped["normal.weight"]["shape"] = [16, 8, 9]
        case("wrong_shape", "'normal.weight' has shape [16, 8, 9], the network expects "
                            "[16, 8, 3, 3]", lambda p: join_file(p, reshaped, data))

        doubled = json.loads(json.dumps(header))
        doubled["pointwise.bias"]["dtype"] = "F16"
        begin, end = doubled["pointwise.bias"]["data_offsets"]
        doubled["pointwise.bias"]["data_offsets"] = [begin, end]
        case("float16", "is F16", lambda p: join_file(p, doubled, data))

        cases.append(("another_network", other, "do not belong to network 'primitives'"))
        cases.append(("missing_file", os.path.join(work, "absent.safetensors"),
                      "cannot open the weights"))

        for name, path, expected in cases:
            out_dir = os.path.join(work, "out-" + name)
            result = subprocess.run([nasc, "build", "examples/primitives.nas", "--weights", path,
                                     "-o", out_dir], capture_output=True, text=True,
                                    cwd=REPO_ROOT, timeout=120)
            ok = result.returncode == 1 and expected in result.stderr and not os.path.exists(out_dir)
            passed, failed = passed + ok, failed + (not ok)
            print(f"{'PASS' if ok else 'FAIL'} {name}: exit {result.returncode}, "
                  f"{'no output written' if not os.path.exists(out_dir) else 'OUTPUT WRITTEN'}"
                  + ("" if ok else f"; expected '{expected}' in: {result.stderr.strip()}"))

        out_dir = os.path.join(work, "out-valid")
        result = subprocess.run([nasc, "build", "examples/primitives.nas", "--weights", good,
                                 "-o", out_dir], capture_output=True, text=True, cwd=REPO_ROOT,
                                timeout=120)
        ok = result.returncode == 0 and os.path.exists(os.path.join(out_dir, "primitives.weights"))
        passed, failed = passed + ok, failed + (not ok)
        print(f"{'PASS' if ok else 'FAIL'} valid: exit {result.returncode} {result.stderr.strip()}")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
