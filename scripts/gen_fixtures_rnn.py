#!/usr/bin/python3
"""Generates PyTorch reference fixtures for Keel's recurrent layers (test/nn/rnn.test.ts).

Run with Debian's interpreter, which has torch:

    /usr/bin/python3 scripts/gen_fixtures_rnn.py

Writes test/fixtures/rnn/cases.json (committed; the tests never run Python).

A module is a spec both sides build: {"ctor": "LSTM", "args": [3, 4], "opts": {"numLayers": 2}}
is `new nn.LSTM(3, 4, {numLayers: 2})` in Keel and `torch.nn.LSTM(3, 4, num_layers=2)` here.
The reference runs in float64 on the float32 parameters and inputs, so it is the exact answer
the float32 implementation is compared against.

cases: name, spec, train (always false: dropout is random), tol [atol, rtol]
  state      PyTorch state_dict (loaded into the Keel module with loadStateDict)
  input      {shape, values}
  hx         initial states ([h0, c0] for LSTM / LSTMCell, [h0] for GRU / GRUCell) or null
  lengths    per-sequence lengths (pack_padded_sequence(enforce_sorted=False) + pad_packed_sequence
             with total_length T) or null
  outputs    LSTM [output, hN, cN], GRU [output, hN], LSTMCell [h, c], GRUCell [h]
  upstreams  one random tensor per output; the loss is sum_k (outputs[k] * upstreams[k]).sum()
  inputGrad, hxGrads, paramGrads (named_parameters order)
models: name, spec, keys (state_dict keys in order), shapes, numParameters.
"""
import json
import os
import zlib
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'rnn')
TOL = [1e-5, 1e-4]


def f32(v):
    # 8 significant digits: far inside the tests' tolerance, and a smaller file.
    return float('%.8g' % np.float32(v))


def enc(t):
    if t is None:
        return None
    t = t.detach()
    return {'shape': list(t.shape), 'values': [f32(v) for v in t.float().reshape(-1).tolist()]}


def snake(name):
    return ''.join('_' + c.lower() if c.isupper() else c for c in name)


def S(ctor, *args, **opts):
    spec = {'ctor': ctor, 'args': list(args)}
    if opts:
        spec['opts'] = opts
    return spec


def build(spec):
    kwargs = {snake(k): v for k, v in spec.get('opts', {}).items()}
    return getattr(nn, spec['ctor'])(*spec['args'], **kwargs)


def rand64(*shape):
    """float32-representable values, in float64."""
    return torch.randn(*shape).double()


def case(name, spec, input_shape, with_hx=False, lengths=None):
    torch.manual_seed(zlib.crc32(name.encode()))
    m = build(spec)
    state = OrderedDict((k, enc(v)) for k, v in m.state_dict().items())
    m = m.double().eval()
    ctor = spec['ctor']
    is_cell = ctor.endswith('Cell')
    x = rand64(*input_shape).requires_grad_(True)
    H = spec['args'][1]
    opts = spec.get('opts', {})
    proj = opts.get('projSize', 0)
    hx = None
    if with_hx:
        if is_cell:
            shp = [H] if len(input_shape) == 1 else [input_shape[0], H]
            hx = [rand64(*shp).requires_grad_(True) for _ in range(2 if ctor == 'LSTMCell' else 1)]
        else:
            D = 2 if opts.get('bidirectional') else 1
            L = opts.get('numLayers', 1)
            batched = len(input_shape) == 3
            B = (input_shape[0] if opts.get('batchFirst') else input_shape[1]) if batched else None
            lead = [D * L] + ([B] if batched else [])
            h0 = rand64(*lead, proj or H).requires_grad_(True)
            hx = [h0]
            if ctor == 'LSTM':
                hx.append(rand64(*lead, H).requires_grad_(True))
    hx_arg = None if hx is None else (tuple(hx) if ctor in ('LSTM', 'LSTMCell') else hx[0])
    if is_cell:
        res = m(x, hx_arg)
        outputs = list(res) if ctor == 'LSTMCell' else [res]
    else:
        bf = opts.get('batchFirst', False)
        if lengths is not None:
            T = input_shape[1] if bf else input_shape[0]
            packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=bf, enforce_sorted=False)
            out, st = m(packed, hx_arg)
            out, _ = pad_packed_sequence(out, batch_first=bf, total_length=T)
        else:
            out, st = m(x, hx_arg)
        outputs = [out] + (list(st) if ctor == 'LSTM' else [st])
    ups = [rand64(*o.shape) for o in outputs]
    loss = sum((o * u).sum() for o, u in zip(outputs, ups))
    loss.backward()
    return {
        'name': name,
        'spec': spec,
        'train': False,
        'tol': TOL,
        'state': state,
        'input': enc(x),
        'hx': None if hx is None else [enc(h) for h in hx],
        'lengths': lengths,
        'outputs': [enc(o) for o in outputs],
        'upstreams': [enc(u) for u in ups],
        'inputGrad': enc(x.grad),
        'hxGrads': None if hx is None else [enc(h.grad) for h in hx],
        'paramGrads': OrderedDict((k, enc(p.grad)) for k, p in m.named_parameters()),
    }


def cases():
    out = []
    add = lambda *a, **k: out.append(case(*a, **k))
    for R in ('LSTM', 'GRU'):
        add(f'{R}(3, 4)', S(R, 3, 4), [5, 2, 3])
        add(f'{R}(3, 4) with hx', S(R, 3, 4), [5, 2, 3], with_hx=True)
        add(f'{R}(3, 4, numLayers=2) with hx', S(R, 3, 4, numLayers=2), [4, 3, 3], with_hx=True)
        add(f'{R}(3, 4, bidirectional)', S(R, 3, 4, bidirectional=True), [4, 2, 3])
        add(f'{R}(2, 3, numLayers=2, bidirectional, batchFirst) with hx', S(R, 2, 3, numLayers=2, bidirectional=True, batchFirst=True), [2, 4, 2], with_hx=True)
        add(f'{R}(3, 4, numLayers=2, bias=false)', S(R, 3, 4, numLayers=2, bias=False), [3, 2, 3])
        add(f'{R}(3, 4, numLayers=2, dropout=0.5) in eval mode', S(R, 3, 4, numLayers=2, dropout=0.5), [3, 2, 3])
        add(f'{R}(3, 4) unbatched with hx', S(R, 3, 4), [5, 3], with_hx=True)
        add(f'{R}(3, 4, batchFirst) unbatched', S(R, 3, 4, batchFirst=True), [5, 3])
        add(f'{R}(2, 3, numLayers=2, bidirectional) lengths with hx', S(R, 2, 3, numLayers=2, bidirectional=True), [5, 3, 2], with_hx=True, lengths=[5, 2, 3])
        add(f'{R}(3, 4, batchFirst, bidirectional) lengths shorter than T', S(R, 3, 4, batchFirst=True, bidirectional=True), [3, 5, 3], lengths=[2, 4, 1])
        # 29 hidden units: two of the fused kernels' 28-unit blocks, the second partial.
        add(f'{R}(2, 29, bidirectional) lengths with hx', S(R, 2, 29, bidirectional=True), [4, 3, 2], with_hx=True, lengths=[4, 1, 3])
    add('LSTM(3, 4, projSize=2)', S('LSTM', 3, 4, projSize=2), [4, 2, 3], with_hx=True)
    add('LSTM(2, 3, projSize=2, numLayers=2, bidirectional) lengths', S('LSTM', 2, 3, projSize=2, numLayers=2, bidirectional=True), [4, 3, 2], with_hx=True, lengths=[1, 4, 3])
    for C in ('LSTMCell', 'GRUCell'):
        add(f'{C}(3, 4)', S(C, 3, 4), [2, 3])
        add(f'{C}(3, 4) with hx', S(C, 3, 4), [2, 3], with_hx=True)
        add(f'{C}(3, 4, bias=false) with hx', S(C, 3, 4, bias=False), [2, 3], with_hx=True)
        add(f'{C}(3, 4) unbatched with hx', S(C, 3, 4), [3], with_hx=True)
    return out


def models():
    specs = [
        S('LSTM', 10, 20),
        S('LSTM', 10, 20, numLayers=3, bidirectional=True),
        S('LSTM', 10, 20, numLayers=2, bias=False),
        S('LSTM', 10, 20, numLayers=2, bidirectional=True, projSize=5),
        S('LSTM', 10, 20, projSize=7, bias=False),
        S('GRU', 10, 20),
        S('GRU', 7, 3, numLayers=2, bidirectional=True),
        S('GRU', 7, 3, numLayers=3, bias=False),
        S('LSTMCell', 10, 20),
        S('LSTMCell', 10, 20, bias=False),
        S('GRUCell', 10, 20),
        S('GRUCell', 10, 20, bias=False),
    ]
    out = []
    for spec in specs:
        m = build(spec)
        sd = m.state_dict()
        out.append({
            'name': spec['ctor'] + json.dumps(spec.get('opts', {})),
            'spec': spec,
            'keys': list(sd.keys()),
            'shapes': [list(v.shape) for v in sd.values()],
            'numParameters': sum(p.numel() for p in m.parameters()),
        })
    return out


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    data = {'torch': torch.__version__, 'cases': cases(), 'models': models()}
    path = os.path.join(OUT_DIR, 'cases.json')
    with open(path, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
    print(f'wrote {path} ({os.path.getsize(path)} bytes, {len(data["cases"])} cases, {len(data["models"])} models)')


if __name__ == '__main__':
    main()
