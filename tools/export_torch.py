#!/usr/bin/python3
"""Write a PyTorch state_dict as a safetensors file, and read one back.

Usage:
    /usr/bin/python3 tools/export_torch.py [--seed N] MODULE_SPEC OUT.safetensors
    /usr/bin/python3 tools/export_torch.py --self-test

MODULE_SPEC is `torchvision:NAME`, which builds torchvision.models.NAME
with weights=None (for example `torchvision:resnet18`), or
`PYTHON_MODULE:CALLABLE`, which imports PYTHON_MODULE and calls CALLABLE
with no arguments. The module is built after torch.manual_seed(N) (0 by
default), so the same command writes the same file. --self-test writes and
reads back small edge cases and prints one line per case.

As a module, export_state_dict(module_or_state_dict, path) writes a file
and read_safetensors(path) returns its tensors. Only the standard library
and torch are used, not the safetensors package.

The file layout is the safetensors format of
https://github.com/huggingface/safetensors (README, "Format"):

- 8 bytes: N, the header size, an unsigned 64-bit little-endian integer;
- N bytes: a UTF-8 JSON object mapping each tensor name to
  {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, plus an
  optional "__metadata__" object of string values. The writer pads the
  header with spaces to a multiple of 8 bytes, as the reference writer
  does (prepare() in safetensors/src/tensor.rs), so the data starts 8-byte
  aligned;
- the data: each tensor's elements in row-major order, little-endian. The
  offsets count from the first byte after the header, and the writer packs
  the tensors in header order with no gaps.

float32 tensors are written as F32 and int64 ones (batch norm's
num_batches_tracked) as I64. Every other dtype of DTYPE_NAMES keeps its
own type.
"""

import argparse
import ctypes
import importlib
import json
import os
import struct
import sys
import tempfile
from collections.abc import Mapping

import torch

# torch dtype -> safetensors dtype name.
DTYPE_NAMES = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}
DTYPES_BY_NAME = {name: dtype for dtype, name in DTYPE_NAMES.items()}

METADATA_KEY = "__metadata__"
HEADER_SIZE_BYTES = 8
HEADER_ALIGNMENT = 8
# The reference reader (safetensors/src/tensor.rs) rejects headers above 100,000,000 bytes, and so does this one.
MAX_HEADER_BYTES = 100_000_000


def _require_little_endian():
    # NOTE: tensor bytes are copied from memory as they are, so on a
    # big-endian host they would need a byte swap that is not implemented.
    if sys.byteorder != "little":
        raise RuntimeError(f"safetensors data is little-endian, but this host is {sys.byteorder}-endian")


def _collect_tensors(module_or_state_dict):
    """Return the (name, CPU contiguous tensor) pairs of a module or state_dict, in order."""
    if isinstance(module_or_state_dict, torch.nn.Module):
        state = module_or_state_dict.state_dict()
    elif isinstance(module_or_state_dict, Mapping):
        state = module_or_state_dict
    else:
        raise TypeError(f"expected a torch.nn.Module or a mapping of names to tensors, "
                        f"got {type(module_or_state_dict).__name__}")

    tensors = []
    for name, tensor in state.items():
        if not isinstance(name, str):
            raise TypeError(f"tensor name {name!r} is a {type(name).__name__}, expected a str")
        if name == METADATA_KEY:
            raise ValueError(f"{METADATA_KEY!r} is reserved for metadata and cannot name a tensor")
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"state_dict entry {name!r} is a {type(tensor).__name__}, expected a tensor")
        if tensor.dtype not in DTYPE_NAMES:
            supported = ", ".join(str(dtype) for dtype in DTYPE_NAMES)
            raise ValueError(f"tensor {name!r} has dtype {tensor.dtype}, which safetensors "
                             f"cannot store here; supported: {supported}")
        tensors.append((name, tensor.detach().cpu().contiguous()))
    return tensors


def _check_metadata(metadata):
    if metadata is None:
        return
    if not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a mapping of str to str, got {type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"metadata entry {key!r}: {value!r} is not str to str")


def _encode_header(header):
    """Encode the header as UTF-8 JSON padded with spaces to a multiple of HEADER_ALIGNMENT."""
    encoded = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    padding = -len(encoded) % HEADER_ALIGNMENT
    return encoded + b" " * padding


def _tensor_bytes(tensor):
    """Return the raw bytes of a contiguous CPU tensor in memory order."""
    size = tensor.numel() * tensor.element_size()
    if size == 0:
        return b""
    return ctypes.string_at(tensor.data_ptr(), size)


def export_state_dict(module_or_state_dict, path, metadata=None):
    """Write the state_dict of a module (or a state_dict itself) to path as safetensors.

    Tensors keep the state_dict's order and dtype. metadata is an optional
    mapping of str to str stored as "__metadata__". The file is written to a
    temporary name in the same folder and then renamed, so a failed export
    never leaves a partial file at path.
    """
    _require_little_endian()
    _check_metadata(metadata)
    tensors = _collect_tensors(module_or_state_dict)

    header = {}
    if metadata:
        header[METADATA_KEY] = dict(metadata)
    offset = 0
    for name, tensor in tensors:
        size = tensor.numel() * tensor.element_size()
        header[name] = {
            "dtype": DTYPE_NAMES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + size],
        }
        offset += size
    encoded_header = _encode_header(header)

    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary_path = tempfile.mkstemp(dir=folder, prefix=".export_torch.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(struct.pack("<Q", len(encoded_header)))
            file.write(encoded_header)
            for _, tensor in tensors:
                file.write(_tensor_bytes(tensor))
        # mkstemp creates the file with mode 0600; give it the mode open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary_path, 0o666 & ~umask)
        os.replace(temporary_path, path)
    except BaseException:
        os.unlink(temporary_path)
        raise


def _is_count(value):
    # bool is a subclass of int, but JSON true is not a size.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _parse_entry(path, name, entry, data_size):
    """Check one header entry and return (dtype, shape, begin, end)."""
    where = f"{path}: tensor {name!r}"
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise ValueError(f"{where}: expected an object with exactly dtype, shape and data_offsets, "
                         f"got {entry!r}")

    dtype = DTYPES_BY_NAME.get(entry["dtype"])
    if dtype is None:
        raise ValueError(f"{where}: unsupported dtype {entry['dtype']!r}; "
                         f"supported: {', '.join(DTYPES_BY_NAME)}")

    shape = entry["shape"]
    if not isinstance(shape, list) or not all(_is_count(size) for size in shape):
        raise ValueError(f"{where}: shape {shape!r} is not a list of non-negative integers")

    offsets = entry["data_offsets"]
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(_is_count(offset) for offset in offsets)):
        raise ValueError(f"{where}: data_offsets {offsets!r} is not a pair of non-negative integers")
    begin, end = offsets
    if not begin <= end <= data_size:
        raise ValueError(f"{where}: data_offsets [{begin}, {end}] are outside the "
                         f"{data_size}-byte data section")

    numel = 1
    for size in shape:
        numel *= size
    expected_size = numel * torch.tensor([], dtype=dtype).element_size()
    if end - begin != expected_size:
        raise ValueError(f"{where}: data_offsets [{begin}, {end}] span {end - begin} bytes, "
                         f"but shape {shape} of {entry['dtype']} needs {expected_size}")
    return dtype, shape, begin, end


def _check_packing(path, spans, data_size):
    """Check that the tensors' byte ranges tile the data section with no gap or overlap."""
    position = 0
    for begin, end, name in sorted(spans, key=lambda span: (span[0], span[1])):
        if begin != position:
            kind = "overlaps the tensor before it" if begin < position else "leaves a gap before it"
            raise ValueError(f"{path}: tensor {name!r} at data_offsets [{begin}, {end}] {kind}")
        position = end
    if position != data_size:
        raise ValueError(f"{path}: the data section has {data_size} bytes, "
                         f"but the tensors cover only {position}")


def _reject_duplicate_keys(pairs):
    """Build a JSON object, raising ValueError on a repeated key, which the format disallows."""
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"header repeats the key {key!r}")
        result[key] = value
    return result


def _read_file(path):
    """Parse a safetensors file and return (tensors, metadata)."""
    _require_little_endian()
    with open(path, "rb") as file:
        contents = bytearray(file.read())

    if len(contents) < HEADER_SIZE_BYTES:
        raise ValueError(f"{path}: file has {len(contents)} bytes, too short for the "
                         f"{HEADER_SIZE_BYTES}-byte header size")
    (header_size,) = struct.unpack_from("<Q", contents, 0)
    header_end = HEADER_SIZE_BYTES + header_size
    if header_size > MAX_HEADER_BYTES:
        raise ValueError(f"{path}: header size {header_size} exceeds the limit of {MAX_HEADER_BYTES} bytes")
    if header_end > len(contents):
        raise ValueError(f"{path}: header size {header_size} runs past the end of the "
                         f"{len(contents)}-byte file")

    try:
        header = json.loads(contents[HEADER_SIZE_BYTES:header_end].decode("utf-8"),
                            object_pairs_hook=_reject_duplicate_keys)
    except ValueError as error:
        # UnicodeDecodeError, json.JSONDecodeError and a repeated key are all ValueErrors.
        raise ValueError(f"{path}: invalid header: {error}") from error
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is a JSON {type(header).__name__}, expected an object")

    metadata = header.pop(METADATA_KEY, {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError(f"{path}: {METADATA_KEY} is not an object of string values: {metadata!r}")

    data_size = len(contents) - header_end
    entries = {name: _parse_entry(path, name, entry, data_size) for name, entry in header.items()}
    _check_packing(path, [(begin, end, name) for name, (_, _, begin, end) in entries.items()], data_size)

    tensors = {}
    for name, (dtype, shape, begin, end) in entries.items():
        if begin == end:
            tensors[name] = torch.empty(shape, dtype=dtype)
            continue
        count = (end - begin) // torch.tensor([], dtype=dtype).element_size()
        flat = torch.frombuffer(contents, dtype=dtype, count=count, offset=header_end + begin)
        # clone() gives each tensor its own memory instead of a view of the file buffer.
        tensors[name] = flat.reshape(shape).clone()
    return tensors, metadata


def read_safetensors(path):
    """Read a safetensors file and return a dict of tensor name to torch tensor, in header order.

    Raises ValueError, naming the file and the problem, when the header is
    malformed, a tensor's byte range does not match its dtype and shape, or
    the ranges leave gaps or overlap.
    """
    tensors, _ = _read_file(path)
    return tensors


def read_safetensors_metadata(path):
    """Read a safetensors file and return its "__metadata__" dict ({} when absent)."""
    _, metadata = _read_file(path)
    return metadata


def build_module(spec):
    """Build the module that MODULE_SPEC names (see the module docstring)."""
    module_name, separator, attribute = spec.partition(":")
    if not separator or not module_name or not attribute:
        raise ValueError(f"invalid module spec {spec!r}: expected torchvision:NAME or PYTHON_MODULE:CALLABLE")

    if module_name == "torchvision":
        import torchvision.models
        constructor = getattr(torchvision.models, attribute, None)
        if constructor is None or not callable(constructor):
            raise ValueError(f"invalid module spec {spec!r}: torchvision.models has no constructor {attribute!r}")
        module = constructor(weights=None)
    else:
        python_module = importlib.import_module(module_name)
        constructor = getattr(python_module, attribute, None)
        if constructor is None or not callable(constructor):
            raise ValueError(f"invalid module spec {spec!r}: {module_name} has no callable {attribute!r}")
        module = constructor()

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"{spec} returned a {type(module).__name__}, expected a torch.nn.Module")
    return module


def _self_test_cases():
    """Return (name, state_dict, metadata) cases that cover each dtype and shape kind."""
    transposed = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()
    return [
        ("f32 and i64", {"conv.weight": torch.randn(4, 3, 3, 3),
                         "bn.num_batches_tracked": torch.tensor(7, dtype=torch.int64)}, None),
        ("non-contiguous", {"transposed": transposed}, None),
        ("empty and scalar", {"empty": torch.zeros(0, 5), "scalar": torch.tensor(2.5)}, None),
        ("every dtype", {DTYPE_NAMES[dtype]: (torch.arange(5) % 2).to(dtype) for dtype in DTYPE_NAMES}, None),
        ("odd f32 then i64", {"running_var": torch.rand(3),
                              "num_batches_tracked": torch.tensor(-1, dtype=torch.int64)}, None),
        ("metadata", {"x": torch.ones(2)}, {"format": "pt", "note": "é"}),
        ("no tensors", {}, None),
    ]


def _check_round_trip(path, state, metadata):
    """Return a list of problems found when reading back path against state and metadata."""
    problems = []
    with open(path, "rb") as file:
        contents = file.read()
    (header_size,) = struct.unpack_from("<Q", contents, 0)
    if header_size % HEADER_ALIGNMENT != 0:
        problems.append(f"header size {header_size} is not a multiple of {HEADER_ALIGNMENT}")
    if contents[HEADER_SIZE_BYTES:HEADER_SIZE_BYTES + 1] != b"{":
        problems.append("header does not start with '{'")

    tensors = read_safetensors(path)
    if list(tensors) != list(state):
        problems.append(f"names {list(tensors)} differ from {list(state)}")
    for name in set(tensors) & set(state):
        if tensors[name].dtype != state[name].dtype:
            problems.append(f"{name}: dtype {tensors[name].dtype}, expected {state[name].dtype}")
        elif not torch.equal(tensors[name], state[name]):
            problems.append(f"{name}: values differ")
    if read_safetensors_metadata(path) != (metadata or {}):
        problems.append(f"metadata {read_safetensors_metadata(path)!r}, expected {metadata!r}")
    return problems


def _write_duplicate_key(folder):
    encoded = b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' \
              b'"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    path = os.path.join(folder, "duplicate_key.safetensors")
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(encoded)) + encoded + bytes(4))
    return path


def _corrupt_files(folder):
    """Write malformed files and return (name, path) pairs that read_safetensors must reject."""
    def write(name, header, data):
        encoded = json.dumps(header).encode("utf-8")
        path = os.path.join(folder, name.replace(" ", "_") + ".safetensors")
        with open(path, "wb") as file:
            file.write(struct.pack("<Q", len(encoded)) + encoded + data)
        return name, path

    entry = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    truncated = os.path.join(folder, "truncated.safetensors")
    with open(truncated, "wb") as file:
        file.write(struct.pack("<Q", 1000) + b"{}")
    return [
        ("header past end of file", truncated),
        write("size mismatch", {"a": {**entry, "shape": [3]}}, bytes(8)),
        write("offsets past end", {"a": entry}, bytes(4)),
        write("overlap", {"a": entry, "b": {**entry, "data_offsets": [4, 12]}}, bytes(12)),
        write("gap", {"a": {**entry, "data_offsets": [4, 12]}}, bytes(12)),
        write("unknown dtype", {"a": {**entry, "dtype": "F31"}}, bytes(8)),
        write("negative shape", {"a": {**entry, "shape": [-2]}}, bytes(8)),
        write("header not an object", [1, 2], b""),
        ("duplicate key", _write_duplicate_key(folder)),
    ]


def self_test():
    """Round-trip the edge cases through a temporary folder; print one line per case, return failures."""
    failures = 0
    with tempfile.TemporaryDirectory(prefix="export_torch_test.") as folder:
        for name, state, metadata in _self_test_cases():
            path = os.path.join(folder, "round_trip.safetensors")
            export_state_dict(state, path, metadata=metadata)
            problems = _check_round_trip(path, state, metadata)
            failures += bool(problems)
            print(f"{'FAIL' if problems else 'PASS'} round trip {name}" + (": " + "; ".join(problems) if problems else ""))

        for name, path in _corrupt_files(folder):
            try:
                read_safetensors(path)
            except ValueError as error:
                print(f"PASS reject {name}: {error}")
            else:
                failures += 1
                print(f"FAIL reject {name}: read_safetensors accepted {path}")
    return failures


def main(argv):
    parser = argparse.ArgumentParser(
        description="Write a PyTorch module's state_dict as a safetensors file.")
    parser.add_argument("module_spec", nargs="?", metavar="MODULE_SPEC",
                        help="torchvision:NAME (built with weights=None) or PYTHON_MODULE:CALLABLE")
    parser.add_argument("output", nargs="?", metavar="OUT.safetensors", help="file to write")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for torch.manual_seed before the module is built (default 0)")
    parser.add_argument("--self-test", action="store_true",
                        help="round-trip edge cases through a temporary folder and exit")
    args = parser.parse_args(argv[1:])

    if args.self_test:
        if args.module_spec or args.output:
            parser.error("--self-test takes no MODULE_SPEC or OUT.safetensors")
        failures = self_test()
        return 1 if failures else 0
    if not args.module_spec or not args.output:
        parser.error("MODULE_SPEC and OUT.safetensors are required")

    torch.manual_seed(args.seed)
    try:
        module = build_module(args.module_spec)
        export_state_dict(module, args.output, metadata={"format": "pt", "source": args.module_spec})
    except (ValueError, TypeError, ImportError, OSError) as error:
        print(f"export_torch.py: {error}", file=sys.stderr)
        return 1
    count = len(module.state_dict())
    print(f"wrote {count} tensors of {args.module_spec} to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
