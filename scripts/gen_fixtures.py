#!/usr/bin/python3
"""Generates PyTorch reference fixtures for Keel's per-op tests (test/tensor/ops.test.ts).

Run with Debian's interpreter, which has torch and numpy:

    /usr/bin/python3 scripts/gen_fixtures.py

Writes test/fixtures/ops/<family>.json. The JSON files are committed; the tests never run Python.

Case format (see test/tensor/fixtures.ts for the reader):
  name      unique label
  op        Keel function name (the test maps it onto keel.<op>)
  args      the call's options, omitted when empty (op specific, mirrored in both dispatch tables)
  tensors   (file level) pool of {shape, dtype?, values}; inputs and upstreams refer to it by index
  inputs    list of {ref, grad?, pre?} tensors or {number: v} JS numbers.
            `grad` marks float inputs that require grad; `pre` is a view applied to the leaf
            before the op (["expand", shape]) so the op sees a non-contiguous input.
  outputs   list of {shape, dtype?, values}: the op's result(s) flattened (a list for split/chunk,
            [values, indices] for max/min along a dim); dtype is omitted for float32
  upstream  one {ref} per float output (null for int outputs): the gradient fed back
  grads     one per input: the flat float32 gradient (the input's shape) for inputs with grad, null
            when torch gives none
  tol       [atol, rtol] for forward values: |got - want| <= atol + rtol * |want|
  gtol      [atol, rtol] for gradients
Non-finite floats are stored as the strings "NaN", "Infinity", "-Infinity".
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'ops')

EXACT = [0.0, 0.0]
ARITH = [0.0, 2.5e-7]        # one correctly rounded float32 op, allowing an ulp or so
TRANS = [1e-5, 1e-4]          # transcendental functions and short accumulations
ACCUM = [3e-5, 1e-4]          # longer accumulations (8x33 reductions, matmul)

# ---------------------------------------------------------------- value helpers


def f32(v):
    """A float32 value as the shortest decimal that round-trips (or a string for non-finite)."""
    v = np.float32(v)
    if np.isnan(v):
        return 'NaN'
    if np.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return float(str(v))


def enc_tensor(t, digits=None):
    """Shape, dtype and flat values; `digits` rounds floats to that many significant digits."""
    t = t.detach()
    if t.dtype in (torch.bool, torch.int64, torch.int32, torch.uint8):
        return {'shape': list(t.shape), 'dtype': 'int32', 'values': [int(v) for v in t.reshape(-1).tolist()]}
    return {'shape': list(t.shape), 'dtype': 'float32',
            'values': [f32(v) if digits is None or not np.isfinite(v) else float('%.*g' % (digits, v))
                       for v in t.to(torch.float32).reshape(-1).numpy()]}


def enc_output(t, digits=None):
    """Like enc_tensor, with the dtype left out when it is float32."""
    e = enc_tensor(t, digits)
    if e['dtype'] == 'float32':
        del e['dtype']
    return e


def rnd(shape, lo=None, hi=None, decimals=2):
    """Seeded float32 values: randn, or uniform in [lo, hi), rounded to `decimals`."""
    if lo is None:
        t = torch.randn(shape)
    else:
        t = torch.rand(shape) * (hi - lo) + lo
    return torch.round(t * 10 ** decimals) / 10 ** decimals


def away(t, points=(0.0,), gap=0.15):
    """Moves values at least `gap` away from each kink point (for gradient cases)."""
    t = t.clone()
    for p in points:
        d = t - p
        close = d.abs() < gap
        t[close] = p + torch.where(d[close] >= 0, torch.tensor(gap), torch.tensor(-gap)) + d[close]
    return torch.round(t * 1000) / 1000


def distinct(shape, scale=1.0):
    """Values with no ties (a shuffled grid plus a little noise), for max/min gradient cases."""
    n = int(np.prod(shape)) if len(shape) else 1
    perm = torch.randperm(n).to(torch.float32)
    return (((perm - n / 2) * 0.37 * scale).round(decimals=3)).reshape(shape)


def T(values, shape=None, dtype=None):
    """An exact float32 (or int32) tensor from a Python list."""
    if dtype == 'int32':
        t = torch.tensor(values, dtype=torch.int32)
    else:
        t = torch.tensor(values, dtype=torch.float32)
    return t.reshape(shape) if shape is not None else t


class Inp:
    def __init__(self, t, grad=True, pre=None):
        self.t = t
        self.grad = grad and t.dtype == torch.float32
        self.pre = pre


class Num:
    def __init__(self, v):
        self.v = v


# ---------------------------------------------------------------- torch mirror of Keel's API


def _dims(a):
    return a.get('dim')


def t_sum(x, a):
    d = a.get('dim')
    if d is None:
        r = x.sum()
        return r.reshape([1] * x.dim()) if a.get('keepdim') else r
    return x.sum(dim=d, keepdim=a.get('keepdim', False))


def t_mean(x, a):
    d = a.get('dim')
    if d is None:
        r = x.mean()
        return r.reshape([1] * x.dim()) if a.get('keepdim') else r
    return x.mean(dim=d, keepdim=a.get('keepdim', False))


def t_prod(x, a):
    d = a.get('dim')
    if d is None:
        r = x.prod()
        return r.reshape([1] * x.dim()) if a.get('keepdim') else r
    if isinstance(d, list):
        r = x
        for dd in sorted([dd % x.dim() for dd in d], reverse=True):
            r = r.prod(dim=dd, keepdim=a.get('keepdim', False))
        return r
    return x.prod(dim=d, keepdim=a.get('keepdim', False))


def t_logsumexp(x, a):
    d = a.get('dim')
    if d is None:
        d = list(range(x.dim()))
    return torch.logsumexp(x, dim=d, keepdim=a.get('keepdim', False))


def t_var(x, a, std=False):
    fn = torch.std if std else torch.var
    return fn(x, dim=a.get('dim'), correction=a.get('correction', 1), keepdim=a.get('keepdim', False))


def t_maxmin(x, a, is_max):
    fn = torch.max if is_max else torch.min
    if 'dim' not in a:
        return fn(x)
    r = fn(x, dim=a['dim'], keepdim=a.get('keepdim', False))
    return [r.values, r.indices]


def t_arg(x, a, is_max):
    fn = torch.argmax if is_max else torch.argmin
    if 'dim' not in a:
        return fn(x)
    return fn(x, dim=a['dim'], keepdim=a.get('keepdim', False))


def t_num(v):
    return v


def binary_operand(v):
    return v


def to_tensor(v, like):
    return v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=torch.float32)


TORCH = {
    # unary
    'neg': lambda i, a: torch.neg(i[0]),
    'abs': lambda i, a: torch.abs(i[0]),
    'exp': lambda i, a: torch.exp(i[0]),
    'log': lambda i, a: torch.log(i[0]),
    'sqrt': lambda i, a: torch.sqrt(i[0]),
    'rsqrt': lambda i, a: torch.rsqrt(i[0]),
    'sigmoid': lambda i, a: torch.sigmoid(i[0]),
    'tanh': lambda i, a: torch.tanh(i[0]),
    'relu': lambda i, a: torch.relu(i[0]),
    'square': lambda i, a: torch.square(i[0]),
    'reciprocal': lambda i, a: torch.reciprocal(i[0]),
    'sign': lambda i, a: torch.sign(i[0]),
    'floor': lambda i, a: torch.floor(i[0]),
    'ceil': lambda i, a: torch.ceil(i[0]),
    'round': lambda i, a: torch.round(i[0]),
    'trunc': lambda i, a: torch.trunc(i[0]),
    'sin': lambda i, a: torch.sin(i[0]),
    'cos': lambda i, a: torch.cos(i[0]),
    'log1p': lambda i, a: torch.log1p(i[0]),
    'expm1': lambda i, a: torch.expm1(i[0]),
    'erf': lambda i, a: torch.erf(i[0]),
    'gelu': lambda i, a: F.gelu(i[0], approximate=a.get('approximate', 'none')),
    'silu': lambda i, a: F.silu(i[0]),
    'softplus': lambda i, a: F.softplus(i[0], beta=a.get('beta', 1), threshold=a.get('threshold', 20)),
    'clamp': lambda i, a: torch.clamp(i[0], min=a.get('min'), max=a.get('max')),
    'leakyRelu': lambda i, a: F.leaky_relu(i[0], a.get('slope', 0.01)),
    'elu': lambda i, a: F.elu(i[0], a.get('alpha', 1.0)),
    'hardtanh': lambda i, a: F.hardtanh(i[0], a.get('min', -1.0), a.get('max', 1.0)),
    # binary
    'add': lambda i, a: torch.add(i[0], i[1], alpha=a.get('alpha', 1)) if isinstance(i[0], torch.Tensor) else torch.add(i[1], i[0]),
    'sub': lambda i, a: (torch.sub(i[0], i[1], alpha=a.get('alpha', 1)) if isinstance(i[0], torch.Tensor)
                         else torch.rsub(i[1], i[0])),
    'mul': lambda i, a: torch.mul(i[0], i[1]) if isinstance(i[0], torch.Tensor) else torch.mul(i[1], i[0]),
    'div': lambda i, a: torch.div(i[0], i[1]) if isinstance(i[0], torch.Tensor) else torch.div(torch.tensor(i[0], dtype=torch.float32), i[1]),
    'pow': lambda i, a: torch.pow(i[0], i[1]),
    'maximum': lambda i, a: torch.maximum(to_tensor(i[0], i[1]), to_tensor(i[1], i[0])),
    'minimum': lambda i, a: torch.minimum(to_tensor(i[0], i[1]), to_tensor(i[1], i[0])),
    'eq': lambda i, a: torch.eq(i[0], i[1]),
    'ne': lambda i, a: torch.ne(i[0], i[1]),
    'lt': lambda i, a: torch.lt(i[0], i[1]),
    'le': lambda i, a: torch.le(i[0], i[1]),
    'gt': lambda i, a: torch.gt(i[0], i[1]),
    'ge': lambda i, a: torch.ge(i[0], i[1]),
    'where': lambda i, a: torch.where(i[0] != 0, to_tensor(i[1], None), to_tensor(i[2], None)),
    # reductions
    'sum': lambda i, a: t_sum(i[0], a),
    'mean': lambda i, a: t_mean(i[0], a),
    'prod': lambda i, a: t_prod(i[0], a),
    'max': lambda i, a: t_maxmin(i[0], a, True),
    'min': lambda i, a: t_maxmin(i[0], a, False),
    'argmax': lambda i, a: t_arg(i[0], a, True),
    'argmin': lambda i, a: t_arg(i[0], a, False),
    'logsumexp': lambda i, a: t_logsumexp(i[0], a),
    'var': lambda i, a: t_var(i[0], a),
    'std': lambda i, a: t_var(i[0], a, std=True),
    'softmax': lambda i, a: torch.softmax(i[0], a['dim']),
    'logSoftmax': lambda i, a: torch.log_softmax(i[0], a['dim']),
    # matmul
    'matmul': lambda i, a: torch.matmul(i[0], i[1]),
    'mm': lambda i, a: torch.mm(i[0], i[1]),
    'bmm': lambda i, a: torch.bmm(i[0], i[1]),
    # shape
    'reshape': lambda i, a: i[0].reshape(a['shape']),
    'view': lambda i, a: i[0].view(a['shape']),
    'flatten': lambda i, a: torch.flatten(i[0], a.get('start', 0), a.get('end', -1)),
    'squeeze': lambda i, a: i[0].squeeze(a['dim']) if 'dim' in a else i[0].squeeze(),
    'unsqueeze': lambda i, a: i[0].unsqueeze(a['dim']),
    'expand': lambda i, a: i[0].expand(a['sizes']),
    'expandAs': lambda i, a: i[0].expand_as(i[1]),
    'permute': lambda i, a: i[0].permute(a['dims']),
    'transpose': lambda i, a: i[0].transpose(a['dim0'], a['dim1']),
    't': lambda i, a: i[0].t(),
    'contiguous': lambda i, a: i[0].contiguous(),
    'clone': lambda i, a: i[0].clone(),
    'detach': lambda i, a: i[0].detach(),
    'slice': lambda i, a: i[0][(slice(None),) * (a['dim'] % i[0].dim()) + (slice(a.get('start'), a.get('end'), a.get('step', 1)),)],
    'narrow': lambda i, a: i[0].narrow(a['dim'], a['start'], a['length']),
    'cat': lambda i, a: torch.cat(i, a.get('dim', 0)),
    'stack': lambda i, a: torch.stack(i, a.get('dim', 0)),
    'split': lambda i, a: list(torch.split(i[0], a['size'], a.get('dim', 0))),
    'chunk': lambda i, a: list(torch.chunk(i[0], a['chunks'], a.get('dim', 0))),
    'indexSelect': lambda i, a: torch.index_select(i[0], a['dim'], i[1].long()),
    'gather': lambda i, a: torch.gather(i[0], a['dim'], i[1].long()),
    'pad': lambda i, a: F.pad(i[0], a['pad'], value=a.get('value', 0.0)),
    'to': lambda i, a: i[0].to(torch.int32 if a['dtype'] == 'int32' else torch.float32),
}

# ---------------------------------------------------------------- case builder

FAMILIES = {}
POOLS = {}      # family -> (list of tensors, {json key: index}): inputs and upstreams stored once per file
UPSTREAMS = {}  # shape -> the upstream gradient used for every output of that shape


def pool_ref(family, tensor):
    items, index = POOLS.setdefault(family, ([], {}))
    key = json.dumps(tensor, sort_keys=True)
    if key not in index:
        index[key] = len(items)
        items.append(tensor)
    return index[key]


def upstream_for(shape):
    key = tuple(shape)
    if key not in UPSTREAMS:
        UPSTREAMS[key] = rnd(shape, decimals=2)
    return UPSTREAMS[key]


def case(family, name, op, inputs, args=None, tol=EXACT, gtol=None, backward=True):
    args = args or {}
    inputs = [x if isinstance(x, (Inp, Num)) else Inp(x) for x in inputs]
    leaves, call_args = [], []
    for x in inputs:
        if isinstance(x, Num):
            leaves.append(None)
            call_args.append(x.v)
            continue
        leaf = x.t.detach().clone().requires_grad_(backward and x.grad)
        leaves.append(leaf)
        v = leaf
        if x.pre is not None:
            if x.pre[0] == 'expand':
                v = v.expand(x.pre[1])
            else:
                raise ValueError(x.pre)
        call_args.append(v)
    result = TORCH[op](call_args, args)
    outs = result if isinstance(result, (list, tuple)) else [result]
    # Values checked with a relative tolerance of 1e-5 or more need no more than 6 digits.
    digits = 6 if tol[1] >= 1e-5 else None
    entry = {'name': name, 'op': op, **({'args': args} if args else {}), 'inputs': [], 'outputs': [enc_output(o, digits) for o in outs], 'tol': tol}
    for x in inputs:
        if isinstance(x, Num):
            entry['inputs'].append({'number': f32(x.v) if isinstance(x.v, float) else x.v})
        else:
            e = {'ref': pool_ref(family, enc_output(x.t))}
            if backward and x.grad:
                e['grad'] = True
            if x.pre is not None:
                e['pre'] = x.pre
            entry['inputs'].append(e)
    grad_leaves = [l for l in leaves if l is not None and l.requires_grad]
    if backward and grad_leaves:
        ups, loss = [], None
        for o in outs:
            if o.dtype != torch.float32 or not o.requires_grad:
                ups.append(None)
                continue
            u = upstream_for(list(o.shape))
            ups.append({'ref': pool_ref(family, enc_output(u))})
            term = (o * u).sum()
            loss = term if loss is None else loss + term
        entry['upstream'] = ups
        grads = torch.autograd.grad(loss, grad_leaves, allow_unused=True) if loss is not None else [None] * len(grad_leaves)
        gi = iter(grads)
        entry['grads'] = []
        for l in leaves:
            if l is None or not l.requires_grad:
                entry['grads'].append(None)
                continue
            g = next(gi)
            entry['grads'].append(None if g is None else enc_tensor(g))
        entry['gtol'] = gtol if gtol is not None else [max(tol[0], 1e-6), max(tol[1], 1e-5)]
        gdigits = 6 if entry['gtol'][1] >= 1e-5 else None
        # A gradient has its input's shape and is float32: only the flat values are stored.
        entry['grads'] = [None if g is None else [v if isinstance(v, str) or gdigits is None else float('%.*g' % (gdigits, v))
                                                  for v in g['values']] for g in entry['grads']]
    FAMILIES.setdefault(family, []).append(entry)


NAN, INF = float('nan'), float('inf')

# ---------------------------------------------------------------- unary


def unary_cases():
    fam = 'unary'
    std = rnd([2, 5])
    pos = rnd([2, 5], 0.2, 3.0)
    # kinks at 0 kept away for abs/relu/sign/...; floor family away from integers and halves
    nz = away(rnd([3, 4]), (0.0,))
    frac = torch.floor(rnd([3, 4]) * 3) + torch.tensor([0.2, 0.3, 0.7, 0.8]).repeat(3, 1)
    specs = [
        ('neg', std, {}, ARITH), ('abs', nz, {}, EXACT), ('exp', std, {}, TRANS), ('log', pos, {}, TRANS),
        ('sqrt', pos, {}, TRANS), ('rsqrt', pos, {}, TRANS), ('sigmoid', rnd([2, 5]) * 3, {}, TRANS),
        ('tanh', rnd([2, 5]) * 2, {}, TRANS), ('relu', nz, {}, EXACT), ('square', std, {}, ARITH),
        ('reciprocal', away(rnd([2, 5]), (0.0,), 0.3), {}, TRANS), ('sign', nz, {}, EXACT), ('floor', frac, {}, EXACT),
        ('ceil', frac, {}, EXACT), ('round', frac, {}, EXACT), ('trunc', frac, {}, EXACT),
        ('sin', rnd([2, 5]) * 3, {}, TRANS), ('cos', rnd([2, 5]) * 3, {}, TRANS), ('log1p', rnd([2, 5], -0.8, 3.0), {}, TRANS),
        ('expm1', rnd([2, 5]), {}, TRANS), ('erf', rnd([2, 5]) * 1.5, {}, TRANS),
        ('gelu', rnd([2, 5]) * 2, {}, TRANS), ('gelu', rnd([2, 5]) * 2, {'approximate': 'tanh'}, TRANS),
        ('silu', rnd([2, 5]) * 2, {}, TRANS), ('softplus', rnd([2, 5]) * 3, {}, TRANS),
        ('softplus', torch.tensor([-3.0, -1.2, 0.3, 1.7, 2.4, 2.6, 3.9]), {'beta': 2, 'threshold': 5}, TRANS),
        ('clamp', away(rnd([3, 4]), (-0.5, 0.8)), {'min': -0.5, 'max': 0.8}, EXACT),
        ('clamp', away(rnd([3, 4]), (0.1,)), {'min': 0.1}, EXACT), ('clamp', away(rnd([3, 4]), (-0.2,)), {'max': -0.2}, EXACT),
        ('leakyRelu', nz, {}, ARITH), ('leakyRelu', nz, {'slope': 0.2}, ARITH), ('elu', nz, {}, TRANS),
        ('elu', nz, {'alpha': 0.5}, TRANS), ('hardtanh', away(rnd([3, 4]) * 2, (-1.0, 1.0)), {}, EXACT),
        ('hardtanh', away(rnd([3, 4]) * 2, (-0.5, 1.5)), {'min': -0.5, 'max': 1.5}, EXACT),
    ]
    counts = {}
    for op, x, args, tol in specs:
        counts[op] = counts.get(op, 0) + 1
        name = f'{op} {json.dumps(args)} {list(x.shape)}' if args else f'{op} {list(x.shape)}'
        gtol = TRANS if tol is TRANS else [1e-6, 1e-5]
        case(fam, name, op, [x], args, tol, gtol)
    # shapes: 0-d, empty, 3-D, an expanded (non-contiguous) input, a vector longer than a SIMD register
    case(fam, 'exp 0-d', 'exp', [torch.tensor(0.7)], tol=TRANS)
    case(fam, 'tanh 3-D [2,3,4]', 'tanh', [rnd([2, 3, 4])], tol=TRANS, gtol=TRANS)
    case(fam, 'sigmoid [37] (SIMD tail)', 'sigmoid', [rnd([37]) * 4], tol=TRANS, gtol=TRANS)
    case(fam, 'exp [35] (SIMD tail)', 'exp', [rnd([35]) * 5], tol=TRANS, gtol=TRANS)
    case(fam, 'gelu [35]', 'gelu', [rnd([35]) * 3], tol=TRANS, gtol=TRANS)
    case(fam, 'erf [35] wide', 'erf', [rnd([35]) * 3], tol=TRANS, gtol=TRANS)
    case(fam, 'sin [35] wide', 'sin', [rnd([35]) * 8], tol=TRANS, gtol=TRANS)
    case(fam, 'log [35] wide', 'log', [rnd([35], 1e-3, 50.0, 4)], tol=TRANS, gtol=TRANS)
    case(fam, 'exp on expanded [3,1]->[3,4]', 'exp', [Inp(rnd([3, 1]), pre=['expand', [3, 4]])], tol=TRANS, gtol=TRANS)
    case(fam, 'relu on expanded [1,5]->[2,5]', 'relu', [Inp(away(rnd([1, 5])), pre=['expand', [2, 5]])])
    case(fam, 'exp empty [0,3]', 'exp', [torch.zeros([0, 3])], tol=TRANS)
    case(fam, 'neg empty [0]', 'neg', [torch.zeros([0])])
    # int32 inputs: torch keeps int32 for these
    iv = T([-3, 0, 7, -12, 5], dtype='int32')
    case(fam, 'neg int32', 'neg', [iv])
    case(fam, 'abs int32', 'abs', [iv])
    case(fam, 'relu int32', 'relu', [iv])
    case(fam, 'clamp int32', 'clamp', [iv], {'min': -2, 'max': 6})
    case(fam, 'exp int32 -> float32', 'exp', [T([-1, 0, 2], dtype='int32')], tol=TRANS)
    # round half to even, as torch
    case(fam, 'round halves (to even)', 'round', [T([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.49999997, 1e7 + 1, -7.5])],
         backward=False)
    case(fam, 'floor/ceil/trunc negatives: floor', 'floor', [T([-1.5, -0.2, -0.0, 0.0, 2.0, 2.7, -3.0])], backward=False)
    case(fam, 'ceil negatives', 'ceil', [T([-1.5, -0.2, -0.0, 0.0, 2.0, 2.7, -3.0])], backward=False)
    case(fam, 'trunc negatives', 'trunc', [T([-1.5, -0.2, -0.0, 0.0, 2.0, 2.7, -3.0])], backward=False)
    # non-finite forward-only checks
    special = T([NAN, INF, -INF, 0.0, -0.0, -1.0, 1.0, 1e-30, 100.0, -100.0])
    for op in ['relu', 'exp', 'log', 'sqrt', 'abs', 'neg', 'sigmoid', 'tanh', 'expm1', 'log1p', 'reciprocal', 'floor', 'round',
               'square', 'softplus', 'silu', 'gelu', 'erf', 'rsqrt']:
        case(fam, f'{op} non-finite & extremes', op, [special], tol=TRANS, backward=False)
    case(fam, 'sign non-finite', 'sign', [T([INF, -INF, 0.0, -0.0, -1.0, 1.0, 1e-30])], backward=False)
    case(fam, 'log of negatives and zero', 'log', [T([-1.0, -0.0, 0.0, -INF, 1.0])], tol=TRANS, backward=False)
    case(fam, 'exp overflow/underflow', 'exp', [T([88.0, 89.0, -87.0, -104.0, -110.0, 50.0])], tol=TRANS, backward=False)
    case(fam, 'sigmoid saturation', 'sigmoid', [T([-90.0, -30.0, -15.0, 15.0, 30.0, 90.0])], tol=TRANS, backward=False)
    case(fam, 'tanh saturation', 'tanh', [T([-20.0, -9.0, -5e-4, 5e-4, 9.0, 20.0])], tol=TRANS, backward=False)
    case(fam, 'clamp NaN passes through', 'clamp', [T([NAN, -3.0, 3.0, 0.5])], {'min': -1.0, 'max': 1.0}, backward=False)
    case(fam, 'expm1 tiny', 'expm1', [T([1e-7, -1e-7, 1e-4, -3e-5])], tol=TRANS, backward=False)
    case(fam, 'log1p tiny', 'log1p', [T([1e-7, -1e-7, 1e-4, -3e-5])], tol=TRANS, backward=False)
    case(fam, 'softplus large (linear) region grad', 'softplus', [T([25.0, 30.0, -30.0, 19.5])], tol=TRANS, gtol=TRANS)


# ---------------------------------------------------------------- binary


def binary_cases():
    fam = 'binary'
    a23, b23 = rnd([2, 3]), rnd([2, 3])
    pairs = [
        ('same [2,3]', a23, b23),
        ('[3,1] with [1,4]', rnd([3, 1]), rnd([1, 4])),
        ('[2,3,4] with [4]', rnd([2, 3, 4]), rnd([4])),
        ('[4] with [2,3,4]', rnd([4]), rnd([2, 3, 4])),
        ('[2,3] with 0-d', rnd([2, 3]), rnd([])),
        ('0-d with 0-d', rnd([]), rnd([])),
        ('[2,1,3] with [4,1]', rnd([2, 1, 3]), rnd([4, 1])),
        ('[19] with [19] (SIMD tail)', rnd([19]), rnd([19])),
    ]
    for label, a, b in pairs:
        case(fam, f'add {label}', 'add', [a, b], tol=ARITH)
        few = a.numel() + b.numel() <= 12  # the bigger shapes only for add/mul/div/maximum, to keep files small
        if few or label.startswith('[19]'):
            case(fam, f'sub {label}', 'sub', [a, b], tol=ARITH)
        case(fam, f'mul {label}', 'mul', [a, b], tol=ARITH)
        case(fam, f'div {label}', 'div', [a, away(b, (0.0,), 0.3)], tol=ARITH, gtol=TRANS)
        case(fam, f'maximum {label}', 'maximum', [a, b])
        if few or label.startswith('[19]'):
            case(fam, f'minimum {label}', 'minimum', [a, b])
    case(fam, 'add alpha=2.5', 'add', [a23, b23], {'alpha': 2.5}, ARITH)
    case(fam, 'sub alpha=-0.5 broadcast', 'sub', [rnd([3, 1]), rnd([4])], {'alpha': -0.5}, ARITH)
    case(fam, 'add number', 'add', [a23, Num(1.5)], tol=ARITH)
    case(fam, 'add number first', 'add', [Num(-2.25), a23], tol=ARITH)
    case(fam, 'sub number', 'sub', [a23, Num(0.75)], tol=ARITH)
    case(fam, 'sub number first (rsub)', 'sub', [Num(3.0), a23], tol=ARITH)
    case(fam, 'mul number', 'mul', [a23, Num(-1.5)], tol=ARITH)
    case(fam, 'mul number first', 'mul', [Num(0.3), a23], tol=ARITH)
    case(fam, 'div number', 'div', [a23, Num(4.0)], tol=ARITH)
    case(fam, 'div number first', 'div', [Num(2.0), away(a23, (0.0,), 0.3)], tol=ARITH, gtol=TRANS)
    case(fam, 'maximum number', 'maximum', [away(a23, (0.1,)), Num(0.1)])
    case(fam, 'minimum number', 'minimum', [away(a23, (0.1,)), Num(0.1)])
    # pow
    pb = rnd([2, 3], 0.3, 2.5)
    case(fam, 'pow tensor^tensor', 'pow', [pb, rnd([2, 3], -2.0, 3.0)], tol=TRANS, gtol=TRANS)
    case(fam, 'pow broadcast [3,1]^[1,4]', 'pow', [rnd([3, 1], 0.5, 2.0), rnd([1, 4], -1.5, 2.5)], tol=TRANS, gtol=TRANS)
    case(fam, 'pow tensor^3', 'pow', [rnd([2, 3]), Num(3.0)], tol=TRANS, gtol=TRANS)
    case(fam, 'pow tensor^2', 'pow', [rnd([2, 3]), Num(2.0)], tol=ARITH)
    case(fam, 'pow tensor^0.5', 'pow', [pb, Num(0.5)], tol=TRANS, gtol=TRANS)
    case(fam, 'pow tensor^-1.5', 'pow', [pb, Num(-1.5)], tol=TRANS, gtol=TRANS)
    case(fam, 'pow 2^tensor', 'pow', [Num(2.0), rnd([2, 3])], tol=TRANS, gtol=TRANS)
    case(fam, 'pow 0.5^tensor', 'pow', [Num(0.5), rnd([2, 3])], tol=TRANS, gtol=TRANS)
    case(fam, 'pow zero base, positive exponents', 'pow', [T([0.0, 0.0, 2.0, 1.5]), T([2.5, 1.0, 2.0, 3.0])], tol=TRANS, gtol=TRANS)
    case(fam, 'pow negative base integral exponents', 'pow', [T([-2.0, -1.5, -3.0, -0.5]), T([2.0, 3.0, -1.0, 4.0])],
         tol=TRANS, backward=False)
    case(fam, 'pow negative base ^3 (scalar)', 'pow', [T([-2.0, -1.5, 0.5, -0.25]), Num(3.0)], tol=TRANS, gtol=TRANS)
    case(fam, 'pow negative base fractional -> NaN', 'pow', [T([-2.0, -0.5, 4.0]), Num(0.5)], tol=TRANS, backward=False)
    case(fam, 'pow x^0 and 0^0', 'pow', [T([0.0, 2.0, -3.0, NAN]), T([0.0, 0.0, 0.0, 0.0])], tol=TRANS, backward=False)
    # ties and NaN for maximum/minimum
    case(fam, 'maximum ties split gradient', 'maximum', [T([1.0, 2.0, 3.0, -1.0]), T([1.0, 5.0, 3.0, -2.0])])
    case(fam, 'minimum ties split gradient', 'minimum', [T([1.0, 2.0, 3.0, -1.0]), T([1.0, 5.0, 3.0, -2.0])])
    case(fam, 'maximum NaN propagates', 'maximum', [T([NAN, 1.0, NAN, INF, -INF]), T([1.0, NAN, NAN, 2.0, 3.0])], backward=False)
    case(fam, 'minimum NaN propagates', 'minimum', [T([NAN, 1.0, NAN, INF, -INF]), T([1.0, NAN, NAN, 2.0, 3.0])], backward=False)
    case(fam, 'div by zero', 'div', [T([1.0, -1.0, 0.0, 2.0]), T([0.0, 0.0, 0.0, -0.0])], backward=False)
    case(fam, 'add inf', 'add', [T([INF, INF, NAN, 1.0]), T([-INF, INF, 1.0, -INF])], backward=False)
    case(fam, 'mul 0*inf', 'mul', [T([0.0, -0.0, 2.0]), T([INF, 1.0, -INF])], backward=False)
    # int32 arithmetic and promotion
    ia = T([[3, -7, 0], [12, 5, -2]], dtype='int32')
    ib = T([[2, 3, -4], [5, -5, 7]], dtype='int32')
    case(fam, 'add int32+int32', 'add', [ia, ib])
    case(fam, 'sub int32-int32 broadcast', 'sub', [ia, T([1, 2, 3], dtype='int32')])
    case(fam, 'mul int32*int32', 'mul', [ia, ib])
    case(fam, 'div int32/int32 -> float32', 'div', [ia, ib], tol=ARITH)
    case(fam, 'maximum int32', 'maximum', [ia, ib])
    case(fam, 'add int32 + integer number stays int32', 'add', [ia, Num(2)])
    case(fam, 'mul int32 * 2.5 -> float32', 'mul', [ia, Num(2.5)], tol=ARITH)
    case(fam, 'add int32 + float32 -> float32', 'add', [ia, rnd([2, 3])], tol=ARITH)
    case(fam, 'mul float32 * int32 broadcast', 'mul', [rnd([2, 1]), ib], tol=ARITH)
    case(fam, 'add empty [0,3] + [3]', 'add', [torch.zeros([0, 3]), rnd([3])])
    # comparisons
    ca = T([1.0, 2.0, NAN, -INF, 0.0, -0.0, 3.5])
    cb = T([1.0, 3.0, NAN, -INF, -0.0, 1.0, 2.5])
    for op in ['eq', 'ne', 'lt', 'le', 'gt', 'ge']:
        case(fam, f'{op} with NaN/inf/-0', op, [ca, cb], backward=False)
        case(fam, f'{op} broadcast [3,1] vs [1,4]', op, [T([[0.5], [1.0], [2.0]]), T([[0.5, 1.0, 1.5, 2.0]])], backward=False)
        case(fam, f'{op} number', op, [T([0.5, 1.0, 1.5, NAN]), Num(1.0)], backward=False)
        case(fam, f'{op} int32', op, [ia, ib], backward=False)
    # where
    cond = T([[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]], dtype='int32')
    case(fam, 'where same shape', 'where', [cond, rnd([3, 4]), rnd([3, 4])])
    case(fam, 'where broadcast cond [3,1], a [1,4], b [4]', 'where', [T([[1], [0], [1]], dtype='int32'), rnd([1, 4]), rnd([4])])
    case(fam, 'where with number other', 'where', [cond, rnd([3, 4]), Num(-1.5)])
    case(fam, 'where with number input', 'where', [cond, Num(2.0), rnd([3, 4])])
    case(fam, 'where int32 values', 'where', [cond, T([1, 2, 3, 4], dtype='int32'), T([[-1], [-2], [-3]], dtype='int32')])


# ---------------------------------------------------------------- reductions


def reduce_cases():
    fam = 'reduce'
    x = rnd([2, 3, 4])
    big = rnd([8, 33])
    for label, args in [('all', {}), ('dim 0', {'dim': 0}), ('dim 1', {'dim': 1}), ('dim -1 keepdim', {'dim': -1, 'keepdim': True}),
                        ('dims [0,2]', {'dim': [0, 2]}), ('dims [0,1] keepdim', {'dim': [0, 1], 'keepdim': True}),
                        ('all keepdim', {'keepdim': True})]:
        case(fam, f'sum [2,3,4] {label}', 'sum', [x], args, TRANS)
        case(fam, f'mean [2,3,4] {label}', 'mean', [x], args, TRANS)
        if label in ('dim 1', 'dims [0,2]', 'dim -1 keepdim', 'all'):
            case(fam, f'logsumexp [2,3,4] {label}', 'logsumexp', [x], args, TRANS, TRANS)
            case(fam, f'var [2,3,4] {label}', 'var', [x], args, TRANS, TRANS)
        if label in ('dim 0', 'dims [0,1] keepdim', 'dim -1 keepdim', 'all keepdim'):
            case(fam, f'std [2,3,4] {label}', 'std', [x], args, TRANS, TRANS)
        if label in ('all', 'dim 1', 'dim -1 keepdim'):
            case(fam, f'prod [2,3,4] {label}', 'prod', [away(rnd([2, 3, 4], 0.5, 1.5), (1.0,), 0.0)], args, TRANS, TRANS)
    case(fam, 'prod dims [0,2]', 'prod', [rnd([2, 3, 4], 0.6, 1.4)], {'dim': [0, 2]}, TRANS, TRANS)
    case(fam, 'sum [8,33] all', 'sum', [big], {}, ACCUM)
    case(fam, 'sum [8,33] dim 1', 'sum', [big], {'dim': 1}, ACCUM)
    small = rnd([3, 33])
    case(fam, 'mean [3,33] dim 0', 'mean', [small], {'dim': 0}, ACCUM)
    case(fam, 'logsumexp [8,33] dim 1', 'logsumexp', [big], {'dim': 1}, ACCUM, ACCUM)
    case(fam, 'var [3,33] dim 1', 'var', [small], {'dim': 1}, ACCUM, ACCUM)
    case(fam, 'std [3,33] dim 0', 'std', [small], {'dim': 0}, ACCUM, ACCUM)
    case(fam, 'sum [200] long row', 'sum', [rnd([200], 0.0, 1.0, 2)], {}, ACCUM)
    case(fam, 'var correction 0', 'var', [x], {'dim': 1, 'correction': 0}, TRANS, TRANS)
    case(fam, 'std correction 0 keepdim', 'std', [x], {'dim': 2, 'correction': 0, 'keepdim': True}, TRANS, TRANS)
    case(fam, 'var all correction 0', 'var', [rnd([4, 6])], {'correction': 0}, TRANS, TRANS)
    case(fam, 'var of one element (correction 1 -> NaN)', 'var', [T([2.0])], {}, TRANS, backward=False)
    case(fam, 'sum on expanded [3,1]->[3,4] dim 1', 'sum', [Inp(rnd([3, 1]), pre=['expand', [3, 4]])], {'dim': 1}, TRANS)
    case(fam, 'sum on expanded [1,4]->[3,4] dim 0', 'sum', [Inp(rnd([1, 4]), pre=['expand', [3, 4]])], {'dim': 0}, TRANS)
    case(fam, 'mean on expanded [1,4]->[3,4] all', 'mean', [Inp(rnd([1, 4]), pre=['expand', [3, 4]])], {}, TRANS)
    case(fam, 'sum 0-d', 'sum', [torch.tensor(1.25)], {}, EXACT)
    case(fam, 'sum int32 (torch gives int64)', 'sum', [T([[1, -2, 3], [40, 5, 6]], dtype='int32')], {'dim': 1})
    case(fam, 'sum int32 all', 'sum', [T([[1, -2, 3], [40, 5, 6]], dtype='int32')], {})
    case(fam, 'sum empty all -> 0', 'sum', [torch.zeros([0, 3])], {})
    case(fam, 'sum empty dim 0 -> zeros [3]', 'sum', [torch.zeros([0, 3])], {'dim': 0})
    case(fam, 'sum empty dim 1 -> [0]', 'sum', [torch.zeros([0, 3])], {'dim': 1})
    case(fam, 'prod empty -> 1', 'prod', [torch.zeros([0])], {})
    case(fam, 'mean empty -> NaN', 'mean', [torch.zeros([0])], {}, backward=False)
    case(fam, 'sum with NaN/inf', 'sum', [T([[1.0, NAN, 2.0], [INF, 1.0, 2.0], [INF, -INF, 0.0]])], {'dim': 1}, backward=False)
    case(fam, 'prod with one zero (gradient)', 'prod', [T([2.0, 0.0, 3.0, -1.5])], {}, TRANS, TRANS)
    case(fam, 'prod dim with a zero (gradient)', 'prod', [T([[2.0, 0.0, 3.0], [1.5, -2.0, 0.5]])], {'dim': 1}, TRANS, TRANS)
    case(fam, 'logsumexp large values', 'logsumexp', [T([[1000.0, 1000.0, 999.0], [-1000.0, -1001.0, -999.5]])], {'dim': 1}, TRANS, TRANS)
    case(fam, 'logsumexp with -inf entries', 'logsumexp', [T([[-INF, 0.0, 1.0], [-INF, -INF, 2.0]])], {'dim': 1}, TRANS, backward=False)
    case(fam, 'logsumexp all -inf row', 'logsumexp', [T([[-INF, -INF], [0.0, 1.0]])], {'dim': 1}, TRANS, backward=False)
    # max/min/argmax/argmin
    dx = distinct([3, 5])
    for op in ['max', 'min']:
        case(fam, f'{op} all', op, [dx])
        case(fam, f'{op} dim 0', op, [dx], {'dim': 0})
        case(fam, f'{op} dim 1 keepdim', op, [dx], {'dim': 1, 'keepdim': True})
        case(fam, f'{op} dim -1 [2,3,4]', op, [distinct([2, 3, 4])], {'dim': -1})
        case(fam, f'{op} dim 1 [2,3,4]', op, [distinct([2, 3, 4])], {'dim': 1})
        case(fam, f'{op} [4,33] dim 1', op, [distinct([4, 33])], {'dim': 1})
        case(fam, f'{op} [35] all (SIMD tail)', op, [distinct([35])])
        case(fam, f'{op} with NaN all', op, [T([1.0, NAN, 3.0, -2.0])], backward=False)
        case(fam, f'{op} with NaN dim 1', op, [T([[1.0, NAN, 3.0], [-2.0, 5.0, 4.0]])], {'dim': 1}, backward=False)
        case(fam, f'{op} with inf', op, [T([[1.0, INF, -INF], [-INF, -INF, -INF]])], {'dim': 1}, backward=False)
        case(fam, f'{op} 0-d', op, [torch.tensor(2.5)])
    case(fam, 'max all with ties (torch splits the gradient evenly)', 'max', [T([1.0, 3.0, 3.0, -2.0])])
    case(fam, 'min all with ties (torch splits the gradient evenly)', 'min', [T([1.0, -3.0, 2.0, -3.0])])
    case(fam, 'max int32 dim 1', 'max', [T([[3, -7, 9], [12, 5, -2]], dtype='int32')], {'dim': 1})
    for op in ['argmax', 'argmin']:
        case(fam, f'{op} all', op, [dx], backward=False)
        case(fam, f'{op} dim 0', op, [dx], {'dim': 0}, backward=False)
        case(fam, f'{op} dim 1 keepdim', op, [dx], {'dim': 1, 'keepdim': True}, backward=False)
        case(fam, f'{op} [2,3,4] dim 1', op, [distinct([2, 3, 4])], {'dim': 1}, backward=False)
        case(fam, f'{op} ties -> first', op, [T([[1.0, 3.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0]])], {'dim': 1}, backward=False)
        case(fam, f'{op} ties all -> first', op, [T([0.0, 5.0, -5.0, 5.0, -5.0])], backward=False)
        case(fam, f'{op} with NaN', op, [T([[1.0, NAN, 3.0], [NAN, 2.0, NAN]])], {'dim': 1}, backward=False)
        case(fam, f'{op} int32', op, [T([[3, -7, 9], [12, 5, -2]], dtype='int32')], {'dim': 0}, backward=False)
        case(fam, f'{op} [35] (SIMD tail)', op, [distinct([35])], backward=False)


def softmax_cases():
    fam = 'softmax'
    x = rnd([2, 3, 4]) * 2
    wide = rnd([3, 33]) * 3
    for op in ['softmax', 'logSoftmax']:
        for d in [0, 1, 2, -1]:
            case(fam, f'{op} [2,3,4] dim {d}', op, [x], {'dim': d}, TRANS, TRANS)
        case(fam, f'{op} 1-D', op, [rnd([7])], {'dim': 0}, TRANS, TRANS)
        case(fam, f'{op} [3,33] dim 1', op, [wide], {'dim': 1}, TRANS, TRANS)
        case(fam, f'{op} [3,33] dim 0', op, [wide], {'dim': 0}, TRANS, TRANS)
        case(fam, f'{op} large values', op, [T([[1000.0, 999.0, 998.0], [-1000.0, -1000.0, -998.0]])], {'dim': 1}, TRANS, TRANS)
        case(fam, f'{op} 0-d', op, [torch.tensor(0.3)], {'dim': 0}, TRANS, TRANS)
        case(fam, f'{op} with -inf', op, [T([[-INF, 0.0, 1.0], [2.0, -INF, -INF]])], {'dim': 1}, TRANS, backward=False)
        case(fam, f'{op} empty [0,3]', op, [torch.zeros([0, 3])], {'dim': 1}, TRANS)
        case(fam, f'{op} on expanded [3,1]->[3,4] dim 1', op, [Inp(rnd([3, 1]), pre=['expand', [3, 4]])], {'dim': 1}, TRANS, TRANS)


def matmul_cases():
    fam = 'matmul'
    case(fam, 'matmul 1-D . 1-D', 'matmul', [rnd([5]), rnd([5])], tol=TRANS)
    case(fam, 'matmul 1-D x 2-D', 'matmul', [rnd([3]), rnd([3, 4])], tol=TRANS)
    case(fam, 'matmul 2-D x 1-D', 'matmul', [rnd([4, 3]), rnd([3])], tol=TRANS)
    case(fam, 'matmul 2-D x 2-D', 'matmul', [rnd([3, 4]), rnd([4, 5])], tol=TRANS)
    case(fam, 'matmul [8,33] x [33,5]', 'matmul', [rnd([8, 33]), rnd([33, 5])], tol=ACCUM, gtol=ACCUM)
    case(fam, 'matmul [15,3] x [3,17] (kernel edges)', 'matmul', [rnd([15, 3]), rnd([3, 17])], tol=TRANS, gtol=TRANS)
    case(fam, 'matmul batched [2,3,4] x [4,5]', 'matmul', [rnd([2, 3, 4]), rnd([4, 5])], tol=TRANS)
    case(fam, 'matmul batched [3,4] x [2,4,5]', 'matmul', [rnd([3, 4]), rnd([2, 4, 5])], tol=TRANS)
    case(fam, 'matmul batched [2,3,4] x [2,4,2]', 'matmul', [rnd([2, 3, 4]), rnd([2, 4, 2])], tol=TRANS)
    case(fam, 'matmul broadcast [2,1,3,4] x [3,4,2]', 'matmul', [rnd([2, 1, 3, 4]), rnd([3, 4, 2])], tol=TRANS)
    case(fam, 'matmul broadcast [2,1,3,4] x [1,2,4,2]', 'matmul', [rnd([2, 1, 3, 4]), rnd([1, 2, 4, 2])], tol=TRANS)
    case(fam, 'matmul batched x 1-D', 'matmul', [rnd([2, 3, 4]), rnd([4])], tol=TRANS)
    case(fam, 'matmul 1-D x batched', 'matmul', [rnd([3]), rnd([2, 3, 4])], tol=TRANS)
    case(fam, 'matmul K=0 -> zeros', 'matmul', [torch.zeros([2, 0]), torch.zeros([0, 3])])
    case(fam, 'matmul M=0', 'matmul', [torch.zeros([0, 3]), rnd([3, 2])])
    case(fam, 'matmul with inf/NaN', 'matmul', [T([[1.0, INF], [NAN, 1.0], [1.0, 2.0]]), T([[1.0, 0.0], [2.0, 3.0]])], backward=False)
    case(fam, 'mm', 'mm', [rnd([4, 6]), rnd([6, 3])], tol=TRANS)
    case(fam, 'bmm', 'bmm', [rnd([3, 2, 5]), rnd([3, 5, 4])], tol=TRANS)


def shape_cases():
    fam = 'shape'
    x = rnd([2, 3, 4], decimals=2)
    m = rnd([3, 4], decimals=2)
    case(fam, 'reshape [2,3,4] -> [4,-1]', 'reshape', [x], {'shape': [4, -1]})
    case(fam, 'reshape to 0-d', 'reshape', [T([2.5])], {'shape': []})
    case(fam, 'reshape of expanded (copy)', 'reshape', [Inp(rnd([3, 1]), pre=['expand', [3, 4]])], {'shape': [12]})
    case(fam, 'view [2,3,4] -> [6,4]', 'view', [x], {'shape': [6, 4]})
    case(fam, 'flatten all', 'flatten', [x])
    case(fam, 'flatten 1', 'flatten', [x], {'start': 1})
    case(fam, 'flatten 0..1', 'flatten', [x], {'start': 0, 'end': 1})
    case(fam, 'flatten 0-d', 'flatten', [torch.tensor(1.5)])
    y = rnd([2, 1, 3, 1], decimals=2)
    case(fam, 'squeeze all', 'squeeze', [y])
    case(fam, 'squeeze dim 1', 'squeeze', [y], {'dim': 1})
    case(fam, 'squeeze dim -1', 'squeeze', [y], {'dim': -1})
    case(fam, 'squeeze non-1 dim is a no-op', 'squeeze', [y], {'dim': 0})
    case(fam, 'unsqueeze 0', 'unsqueeze', [m], {'dim': 0})
    case(fam, 'unsqueeze -1', 'unsqueeze', [m], {'dim': -1})
    case(fam, 'unsqueeze 1', 'unsqueeze', [m], {'dim': 1})
    case(fam, 'expand [3,1] -> [3,4]', 'expand', [rnd([3, 1])], {'sizes': [3, 4]})
    case(fam, 'expand [3,1] -> [2,3,-1] (new lead)', 'expand', [rnd([3, 1])], {'sizes': [2, 3, -1]})
    case(fam, 'expand 0-d -> [2,3]', 'expand', [torch.tensor(0.5)], {'sizes': [2, 3]})
    case(fam, 'expandAs', 'expandAs', [rnd([1, 4]), Inp(rnd([3, 4]), grad=False)])
    case(fam, 'permute [2,0,1]', 'permute', [x], {'dims': [2, 0, 1]})
    case(fam, 'permute negative dims', 'permute', [x], {'dims': [-1, -3, -2]})
    case(fam, 'transpose 0,2', 'transpose', [x], {'dim0': 0, 'dim1': 2})
    case(fam, 'transpose -1,-2', 'transpose', [x], {'dim0': -1, 'dim1': -2})
    case(fam, 't 2-D', 't', [m])
    case(fam, 't 1-D', 't', [rnd([4])])
    case(fam, 'contiguous of expanded', 'contiguous', [Inp(rnd([1, 4]), pre=['expand', [3, 4]])])
    case(fam, 'contiguous of contiguous', 'contiguous', [m])
    case(fam, 'clone', 'clone', [m])
    case(fam, 'clone int32', 'clone', [T([1, 2, 3], dtype='int32')])
    case(fam, 'detach (no gradient)', 'detach', [m])
    case(fam, 'slice dim 1 1:3', 'slice', [x], {'dim': 1, 'start': 1, 'end': 3})
    case(fam, 'slice dim -1 step 2', 'slice', [x], {'dim': -1, 'start': 0, 'end': 4, 'step': 2})
    case(fam, 'slice dim 2 step 3 from 1', 'slice', [rnd([2, 9])], {'dim': 1, 'start': 1, 'step': 3})
    case(fam, 'slice negative start', 'slice', [m], {'dim': 0, 'start': -2})
    case(fam, 'slice negative end', 'slice', [m], {'dim': 1, 'start': 1, 'end': -1})
    case(fam, 'slice out of range clamps', 'slice', [m], {'dim': 1, 'start': 2, 'end': 100})
    case(fam, 'slice empty result', 'slice', [m], {'dim': 1, 'start': 3, 'end': 1})
    case(fam, 'narrow', 'narrow', [x], {'dim': 2, 'start': 1, 'length': 2})
    case(fam, 'narrow negative start', 'narrow', [m], {'dim': 0, 'start': -2, 'length': 2})
    case(fam, 'cat dim 0', 'cat', [rnd([2, 3]), rnd([1, 3]), rnd([3, 3])], {'dim': 0})
    case(fam, 'cat dim 1', 'cat', [rnd([2, 3]), rnd([2, 1])], {'dim': 1})
    case(fam, 'cat dim -1 3-D', 'cat', [rnd([2, 2, 2]), rnd([2, 2, 3])], {'dim': -1})
    case(fam, 'cat with an empty piece', 'cat', [rnd([2, 3]), torch.zeros([0, 3]), rnd([1, 3])], {'dim': 0})
    case(fam, 'cat int32', 'cat', [T([[1, 2]], dtype='int32'), T([[3, 4], [5, 6]], dtype='int32')], {'dim': 0})
    case(fam, 'cat with a non-grad input', 'cat', [rnd([2]), Inp(rnd([3]), grad=False)], {'dim': 0})
    case(fam, 'stack dim 0', 'stack', [rnd([2, 3]), rnd([2, 3])], {'dim': 0})
    case(fam, 'stack dim 1', 'stack', [rnd([2, 3]), rnd([2, 3]), rnd([2, 3])], {'dim': 1})
    case(fam, 'stack dim -1', 'stack', [rnd([2, 3]), rnd([2, 3])], {'dim': -1})
    case(fam, 'stack 0-d', 'stack', [torch.tensor(1.0), torch.tensor(2.0)], {'dim': 0})
    case(fam, 'split size 2 dim 1 (uneven)', 'split', [rnd([2, 5])], {'size': 2, 'dim': 1})
    case(fam, 'split sections [1,3,1]', 'split', [rnd([5, 2])], {'size': [1, 3, 1], 'dim': 0})
    case(fam, 'split sections with 0', 'split', [rnd([4])], {'size': [0, 4], 'dim': 0})
    case(fam, 'chunk 3 of 5', 'chunk', [rnd([5, 2])], {'chunks': 3, 'dim': 0})
    case(fam, 'chunk 4 of 6', 'chunk', [rnd([2, 6])], {'chunks': 4, 'dim': 1})
    case(fam, 'chunk 2 of 4 dim -1', 'chunk', [rnd([3, 4])], {'chunks': 2, 'dim': -1})
    case(fam, 'indexSelect dim 0 repeats', 'indexSelect', [m, T([2, 0, 2, 1], dtype='int32')], {'dim': 0})
    case(fam, 'indexSelect dim 1', 'indexSelect', [x, T([2, 1], dtype='int32')], {'dim': 1})
    case(fam, 'indexSelect dim -1 [2,3,4]', 'indexSelect', [x, T([0, 0, 3], dtype='int32')], {'dim': -1})
    case(fam, 'indexSelect empty index', 'indexSelect', [m, torch.zeros([0], dtype=torch.int32)], {'dim': 0})
    case(fam, 'indexSelect int32 source', 'indexSelect', [T([[1, 2], [3, 4], [5, 6]], dtype='int32'), T([2, 0], dtype='int32')], {'dim': 0})
    case(fam, 'gather dim 1 repeats', 'gather', [m, T([[0, 0, 3], [1, 2, 1], [3, 3, 3]], dtype='int32')], {'dim': 1})
    case(fam, 'gather dim 0', 'gather', [m, T([[2, 0, 1, 2], [0, 0, 0, 1]], dtype='int32')], {'dim': 0})
    case(fam, 'gather dim -1 3-D', 'gather', [x, torch.randint(0, 4, [2, 3, 2], dtype=torch.int32)], {'dim': -1})
    case(fam, 'pad last dim [1,2]', 'pad', [m], {'pad': [1, 2]})
    case(fam, 'pad last two dims value 1.5', 'pad', [m], {'pad': [1, 1, 2, 0], 'value': 1.5})
    case(fam, 'pad 3-D all dims', 'pad', [x], {'pad': [0, 1, 1, 0, 1, 1]})
    case(fam, 'pad zero padding', 'pad', [m], {'pad': [0, 0]})
    case(fam, 'to int32 truncates', 'to', [T([-1.7, -0.5, 0.0, 0.5, 1.7, 2.99, -2.99, 1e6])], {'dtype': 'int32'}, backward=False)
    case(fam, 'to float32 from int32', 'to', [T([-3, 0, 7, 123456], dtype='int32')], {'dtype': 'float32'}, backward=False)
    case(fam, 'to float32 of float32 (identity)', 'to', [m], {'dtype': 'float32'})


def main():
    unary_cases()
    binary_cases()
    reduce_cases()
    softmax_cases()
    matmul_cases()
    shape_cases()
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for fam, cases in FAMILIES.items():
        names = [c['name'] for c in cases]
        dup = {n for n in names if names.count(n) > 1}
        assert not dup, f'duplicate case names in {fam}: {dup}'
        doc = {'generator': 'scripts/gen_fixtures.py', 'torch': torch.__version__, 'family': fam,
               'tensors': POOLS.get(fam, ([], {}))[0], 'cases': cases}
        path = os.path.join(OUT_DIR, f'{fam}.json')
        with open(path, 'w') as f:
            json.dump(doc, f, separators=(',', ':'), allow_nan=False)
            f.write('\n')
        size = os.path.getsize(path)
        total += size
        print(f'{path}: {len(cases)} cases, {size} bytes')
    print(f'total {sum(len(c) for c in FAMILIES.values())} cases, {total} bytes')


if __name__ == '__main__':
    main()
