#!/usr/bin/python3
"""Generates the safetensors interop fixtures for Keel's io tests (test/io/*.test.ts).

Run with Debian's interpreter, which has torch (the `safetensors` package is not installed, so
the format is written and read here by hand, from the spec: that is the point, an independent
implementation on each side):

    npm run build:ts                                   # the Keel-written fixture needs dist/
    /usr/bin/python3 scripts/gen_safetensors_fixtures.py

Writes, all committed (the tests never run Python):
  test/fixtures/io/torch_model.safetensors
      state_dict of Sequential(Conv2d(3,4,3,padding=1), BatchNorm2d(4), ReLU, MaxPool2d(2),
      Flatten, Linear(64,5)) after three training-mode forwards (running stats moved,
      num_batches_tracked = 3 as I64), stored with mixed dtypes (F32, F16, BF16, F64, I64)
      and __metadata__ {"format": "pt"}, laid out as the reference writer lays it out
  test/fixtures/io/torch_expected.safetensors
      input (2,3,8,8) and the eval-mode output (2,5) of that model, computed after rounding each
      tensor to its stored dtype (so the output is what the stored values give)
  test/fixtures/io/torch_dtypes.safetensors
      special values per dtype: <name> as stored, <name>.expected as torch converts it to
      float32 (.float()) or int32 (.int()); also an empty (0,3) tensor and a 0-d F64
  test/fixtures/io/keel_written.safetensors
      written by Keel (a small Node script run from here against dist/) from KEEL_SPEC below,
      then parsed and checked here: every spec rule, the values, and byte equality with what
      this script's reference-style writer produces for the same tensors
Also checks, without committing anything, that a model file written by keel.io.saveModel loads
into the torch model with load_state_dict(strict=True) and gives torch's outputs exactly.
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'io')

# The format's dtypes in the reference implementation's enum order; its writer sorts tensors by
# this order descending, then by name.
DTYPE_ORDER = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']
ITEMSIZE = {'BOOL': 1, 'U8': 1, 'I8': 1, 'F8_E5M2': 1, 'F8_E4M3': 1, 'I16': 2, 'U16': 2, 'F16': 2, 'BF16': 2,
            'I32': 4, 'U32': 4, 'F32': 4, 'F64': 8, 'I64': 8, 'U64': 8}
MAX_HEADER = 100_000_000


def tensor_bytes(t, dtype):
    """Little-endian bytes of torch tensor `t` stored as `dtype`."""
    t = t.detach().contiguous()
    if dtype == 'BF16':
        # numpy has no bfloat16: reinterpret the 16-bit patterns.
        return t.to(torch.bfloat16).view(torch.int16).numpy().astype('<i2').tobytes()
    np_type = {'F32': '<f4', 'F16': '<f2', 'F64': '<f8', 'I32': '<i4', 'I64': '<i8'}[dtype]
    torch_type = {'F32': torch.float32, 'F16': torch.float16, 'F64': torch.float64, 'I32': torch.int32, 'I64': torch.int64}[dtype]
    return t.to(torch_type).numpy().astype(np_type).tobytes()


def serialize(tensors, metadata=None):
    """The spec's layout, as the reference writer produces it.

    tensors: list of (name, dtype, shape, raw little-endian bytes). Sorted by descending dtype,
    then name (UTF-8 bytes); compact JSON with __metadata__ first; header padded with spaces to
    a multiple of 8; u64 little-endian header length in front.
    """
    order = sorted(tensors, key=lambda e: (-DTYPE_ORDER.index(e[1]), e[0].encode('utf-8')))
    parts = []
    if metadata is not None:
        parts.append('"__metadata__":' + json.dumps(metadata, separators=(',', ':'), ensure_ascii=False))
    offset = 0
    for name, dtype, shape, raw in order:
        n = int(np.prod(shape, dtype=np.int64)) * ITEMSIZE[dtype]
        assert n == len(raw), (name, n, len(raw))
        info = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [offset, offset + n]}
        parts.append(json.dumps(name, ensure_ascii=False) + ':' + json.dumps(info, separators=(',', ':')))
        offset += n
    header = ('{' + ','.join(parts) + '}').encode('utf-8')
    header += b' ' * ((8 - len(header) % 8) % 8)
    return struct.pack('<Q', len(header)) + header + b''.join(raw for _, _, _, raw in order)


def parse(data, source):
    """Parses safetensors bytes, enforcing every rule of the spec; returns (metadata, {name: (dtype, shape, raw)}, header_len)."""
    def fail(msg):
        raise ValueError(f'{source}: {msg}')
    if len(data) < 8:
        fail('shorter than 8 bytes')
    (n,) = struct.unpack('<Q', data[:8])
    if n > MAX_HEADER:
        fail(f'header length {n} over the limit')
    if 8 + n > len(data):
        fail(f'header length {n} past the end')
    text = data[8:8 + n].decode('utf-8')
    if not text.startswith('{'):
        fail('header does not start with {')
    header = json.loads(text)
    if not isinstance(header, dict):
        fail('header is not an object')
    metadata = header.pop('__metadata__', None) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        fail('metadata values must be strings')
    body = data[8 + n:]
    entries = []
    for name, e in header.items():
        dtype, shape, (begin, end) = e['dtype'], e['shape'], e['data_offsets']
        if dtype not in ITEMSIZE:
            fail(f'{name}: unknown dtype {dtype}')
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            fail(f'{name}: bad shape {shape}')
        if not (0 <= begin <= end <= len(body)):
            fail(f'{name}: bad offsets {begin} {end}')
        if (end - begin) != int(np.prod(shape, dtype=np.int64)) * ITEMSIZE[dtype]:
            fail(f'{name}: size mismatch')
        entries.append((begin, end, name, dtype, shape))
    entries.sort()
    pos = 0
    for begin, end, name, _, _ in entries:
        if begin != pos:
            fail(f'{name}: gap or overlap at {pos}')
        pos = end
    if pos != len(body):
        fail('data not fully covered')
    return metadata, {name: (dtype, shape, body[b:e]) for b, e, name, dtype, shape in entries}, n


def values(dtype, shape, raw):
    """The stored values as a torch tensor of their own dtype."""
    if dtype == 'BF16':
        return torch.from_numpy(np.frombuffer(raw, '<i2').copy()).view(torch.bfloat16).reshape(shape)
    np_type = {'F32': '<f4', 'F16': '<f2', 'F64': '<f8', 'I32': '<i4', 'I64': '<i8'}[dtype]
    return torch.from_numpy(np.frombuffer(raw, np_type).copy()).reshape(shape)


def write(name, data):
    path = os.path.join(OUT_DIR, name)
    with open(path, 'wb') as f:
        f.write(data)
    parse(data, name)  # what we write must pass our own strict reader
    print(f'wrote {os.path.relpath(path, ROOT)} ({len(data)} bytes)')


# ------------------------------------------------------------------------------ torch model

MODEL_DTYPES = {
    '0.weight': 'F16', '0.bias': 'BF16',
    '1.weight': 'F32', '1.bias': 'F64', '1.running_mean': 'F32', '1.running_var': 'BF16', '1.num_batches_tracked': 'I64',
    '5.weight': 'F32', '5.bias': 'F16',
}


def round_to(t, dtype):
    torch_type = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'F64': torch.float64, 'I64': torch.int64}[dtype]
    return t.to(torch_type).to(t.dtype)


def torch_model():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(64, 5))


def gen_model():
    torch.manual_seed(0)
    model = torch_model()
    with torch.no_grad():
        model[1].weight.uniform_(0.5, 1.5)
        model[1].bias.uniform_(-0.5, 0.5)
        model.train()
        for _ in range(3):  # move the running statistics away from 0 and 1
            model(torch.randn(4, 3, 8, 8) * 2 + 0.5)
        for k, t in model.state_dict().items():  # what is stored is what is computed with
            t.copy_(round_to(t, MODEL_DTYPES[k]))
    model.eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        y = model(x)
    sd = model.state_dict()
    assert list(sd) == list(MODEL_DTYPES), list(sd)
    entries = [(k, MODEL_DTYPES[k], list(t.shape), tensor_bytes(t, MODEL_DTYPES[k])) for k, t in sd.items()]
    write('torch_model.safetensors', serialize(entries, {'format': 'pt'}))
    write('torch_expected.safetensors', serialize([
        ('input', 'F32', list(x.shape), tensor_bytes(x, 'F32')),
        ('output', 'F32', list(y.shape), tensor_bytes(y, 'F32')),
    ], {'torch': torch.__version__}))
    return x, y


# ------------------------------------------------------------------------------ dtypes

def gen_dtypes():
    inf, nan = float('inf'), float('nan')
    cases = {
        # half: largest finite, smallest subnormal, -0, a rounding case, overflow to inf, nan
        'f16': ('F16', torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 2 ** -24, 6.1e-5, 1 / 3, 1e5, -inf, nan, 0.1])),
        # bfloat16: float32's range with 8 bits of mantissa
        'bf16': ('BF16', torch.tensor([0.0, -0.0, 1.0, -3.140625, 3e38, 1e-38, 9.2e-41, 1 / 3, inf, -inf, nan, 0.1])),
        # float64 to float32: rounds to nearest even, overflows to inf, underflows to 0
        'f64': ('F64', torch.tensor([0.1, -1 / 3, 1e39, -1e39, 1e-46, 3.4028235677973366e38, 1 + 2 ** -24, 1 + 3 * 2 ** -24, nan, 2.0 ** 100], dtype=torch.float64)),
        'i64': ('I64', torch.tensor([0, -1, 2 ** 31 - 1, -2 ** 31, 123456789, -7], dtype=torch.int64)),
        'i32': ('I32', torch.tensor([[0, -1], [2 ** 31 - 1, -2 ** 31]], dtype=torch.int32)),
        'f32': ('F32', torch.tensor([[1.5, -0.0], [inf, 1e-45]], dtype=torch.float32)),
    }
    entries = []
    for name, (dtype, t) in cases.items():
        entries.append((name, dtype, list(t.shape), tensor_bytes(t, dtype)))
        stored = values(dtype, list(t.shape), tensor_bytes(t, dtype))
        if dtype in ('I64', 'I32'):
            entries.append((name + '.expected', 'I32', list(t.shape), tensor_bytes(stored.int(), 'I32')))
        else:
            entries.append((name + '.expected', 'F32', list(t.shape), tensor_bytes(stored.float(), 'F32')))
    entries.append(('empty', 'F32', [0, 3], b''))
    entries.append(('scalar', 'F64', [], struct.pack('<d', -2.75)))
    write('torch_dtypes.safetensors', serialize(entries, {'format': 'pt', 'purpose': 'dtype conversions'}))


# ------------------------------------------------------------------------------ Keel-written

# Names chosen to exercise the writer's order: '10' < '9' in bytes (and integer-like keys, which
# JS objects reorder), non-ASCII, I32 after every F32 though 'a_counts' < 'b.bias'.
KEEL_SPEC = {
    'metadata': {'format': 'pt', 'note': 'quotes " and \\ and ünïcödé and a\nnewline'},
    'tensors': [
        {'name': 'weight', 'dtype': 'float32', 'shape': [2, 3], 'values': [0.5, -1.25, 3.0, 0.1, -0.0, 1e-3]},
        {'name': 'rows', 'dtype': 'float32', 'shape': [2, 3], 'values': [0.25, -8.0, 6.5, 0.25, -8.0, 6.5], 'expanded': True},
        {'name': '10', 'dtype': 'float32', 'shape': [2], 'values': [1.0, 2.0]},
        {'name': '9', 'dtype': 'float32', 'shape': [1], 'values': [9.0]},
        {'name': 'b.bias', 'dtype': 'float32', 'shape': [], 'values': [-7.5]},
        {'name': 'ä.scale', 'dtype': 'float32', 'shape': [3], 'values': [1.0, 2.0, 4.0]},
        {'name': 'counts', 'dtype': 'int32', 'shape': [4], 'values': [0, -1, 2147483647, -2147483648]},
        {'name': 'a_counts', 'dtype': 'int32', 'shape': [2], 'values': [3, 4]},
        {'name': 'empty', 'dtype': 'float32', 'shape': [0, 4], 'values': []},
    ],
}

# Builds each tensor in Keel and writes the file with keel.io.saveSafetensors. 'expanded'
# tensors are their first row expanded (stride 0): a non-contiguous view.
NODE_WRITER = r"""
import * as keel from 'DIST';
const spec = JSON.parse(process.argv[1]);
const tensors = new Map();
for (const t of spec.tensors) {
  let x;
  if (t.expanded) {
    const [r, c] = t.shape;
    x = keel.tensor(t.values.slice(0, c), { dtype: t.dtype, shape: [1, c] }).expand([r, c]);
    if (x.isContiguous()) throw new Error('expected a non-contiguous view');
  } else {
    x = keel.tensor(t.values, { dtype: t.dtype, shape: t.shape });
  }
  tensors.set(t.name, x);
}
keel.io.saveSafetensors(process.argv[2], tensors, spec.metadata);
"""


def gen_keel_written():
    path = os.path.join(OUT_DIR, 'keel_written.safetensors')
    dist = os.path.join(ROOT, 'dist', 'index.js')
    if os.path.exists(dist):
        script = NODE_WRITER.replace('DIST', 'file://' + os.path.abspath(dist))
        subprocess.run(['node', '--input-type=module', '-e', script, json.dumps(KEEL_SPEC), path], check=True)
        print(f'wrote {os.path.relpath(path, ROOT)} with Keel (dist/)')
    else:
        print('dist/ is not built: checking the committed keel_written.safetensors only', file=sys.stderr)
    with open(path, 'rb') as f:
        data = f.read()
    metadata, tensors, n = parse(data, 'keel_written.safetensors')
    assert n % 8 == 0, f'header length {n} is not a multiple of 8'
    assert metadata == KEEL_SPEC['metadata'], metadata
    assert set(tensors) == {t['name'] for t in KEEL_SPEC['tensors']}, sorted(tensors)
    expected = []
    for t in KEEL_SPEC['tensors']:
        dtype = {'float32': 'F32', 'int32': 'I32'}[t['dtype']]
        np_type = {'F32': np.float32, 'I32': np.int32}[dtype]
        want = np.array(t['values'], dtype=np_type).reshape(t['shape'])
        got_dtype, got_shape, raw = tensors[t['name']]
        assert (got_dtype, got_shape) == (dtype, t['shape']), (t['name'], got_dtype, got_shape)
        got = values(got_dtype, got_shape, raw).numpy()
        assert got.tobytes() == want.astype(np_type).tobytes(), (t['name'], got, want)
        expected.append((t['name'], dtype, t['shape'], want.astype('<f4' if dtype == 'F32' else '<i4').tobytes()))
    assert serialize(expected, KEEL_SPEC['metadata']) == data, 'Keel\'s layout differs from the reference layout'
    print('keel_written.safetensors: parsed, values and reference layout match')


# Loads the torch fixture into the Keel twin of the model and saves it with keel.io.saveModel.
NODE_MODEL_WRITER = r"""
import * as keel from 'DIST';
const { nn, io } = keel;
const model = new nn.Sequential(
  new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Linear(64, 5));
io.loadModelWeights(process.argv[1], model);
io.saveModel(process.argv[2], model, { architecture: 'fixture-cnn' });
"""


def check_keel_model_in_torch(x, y):
    """A model file written by Keel loads into torch (strict) and computes torch's outputs exactly. Not committed."""
    dist = os.path.join(ROOT, 'dist', 'index.js')
    if not os.path.exists(dist):
        print('dist/ is not built: skipping the Keel model file -> torch check', file=sys.stderr)
        return
    path = os.path.join(OUT_DIR, '.keel_model.tmp.safetensors')
    script = NODE_MODEL_WRITER.replace('DIST', 'file://' + os.path.abspath(dist))
    try:
        subprocess.run(['node', '--input-type=module', '-e', script, os.path.join(OUT_DIR, 'torch_model.safetensors'), path], check=True)
        with open(path, 'rb') as f:
            metadata, tensors, _ = parse(f.read(), 'Keel model file')
    finally:
        if os.path.exists(path):
            os.remove(path)
    assert metadata['format'] == 'pt' and metadata['keel.architecture'] == 'fixture-cnn', metadata
    model = torch_model()
    model.load_state_dict({k: values(*e) for k, e in tensors.items()}, strict=True)
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(x), y), 'torch computes different outputs from the Keel-saved weights'
    print('Keel model file: loads into torch (strict) and reproduces the outputs exactly')


if __name__ == '__main__':
    os.makedirs(OUT_DIR, exist_ok=True)
    x, y = gen_model()
    gen_dtypes()
    gen_keel_written()
    check_keel_model_in_torch(x, y)
