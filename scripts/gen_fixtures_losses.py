#!/usr/bin/python3
"""Generates PyTorch reference fixtures for Keel's loss functions (test/losses/losses.test.ts).

Run with Debian's interpreter, which has torch:

    /usr/bin/python3 scripts/gen_fixtures_losses.py

Writes test/fixtures/losses/losses.json, committed; the tests never run Python.

Case format:
  name      unique label
  fn        Keel function name in lib/nn/losses.ts (mseLoss, crossEntropy, ...)
  options   the call's options with camelCase names; tensor options (weight, posWeight) are
            {"tensor": <spec>}
  input     {shape, dtype?, values} the first argument (float32, requires grad)
  target    the second argument (float32 or int32)
  targetGrad  true when the target requires grad too (regression losses)
  upstream  the gradient fed to backward() (a spec of the output's shape)
  output    the loss, flattened
  grads     {input: [...], target?: [...]} the gradients, or null when not compared
  gradcheck whether the Keel test also runs keel.gradcheck on it
Values are float32 in shortest round-trip form; non-finite as "NaN", "Infinity", "-Infinity".
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'losses', 'losses.json')


def f32(v):
    v = np.float32(v)
    if np.isnan(v):
        return 'NaN'
    if np.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return float(str(v))


def spec(t):
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        return {'shape': list(t.shape), 'dtype': 'int32', 'values': [int(v) for v in t.reshape(-1).tolist()]}
    return {'shape': list(t.shape), 'values': [f32(v) for v in t.to(torch.float32).reshape(-1).numpy()]}


def rnd(*shape, scale=1.0):
    return torch.round(torch.randn(shape) * scale * 1000) / 1000


CASES = []

TORCH = {
    'mseLoss': lambda i, t, o: F.mse_loss(i, t, **o),
    'l1Loss': lambda i, t, o: F.l1_loss(i, t, **o),
    'smoothL1Loss': lambda i, t, o: F.smooth_l1_loss(i, t, **o),
    'huberLoss': lambda i, t, o: F.huber_loss(i, t, **o),
    'binaryCrossEntropy': lambda i, t, o: F.binary_cross_entropy(i, t, **o),
    'binaryCrossEntropyWithLogits': lambda i, t, o: F.binary_cross_entropy_with_logits(i, t, **o),
    'crossEntropy': lambda i, t, o: F.cross_entropy(i, t, **o),
    'nllLoss': lambda i, t, o: F.nll_loss(i, t, **o),
    'klDiv': lambda i, t, o: F.kl_div(i, t, **o),
}

CAMEL = {'pos_weight': 'posWeight', 'ignore_index': 'ignoreIndex', 'label_smoothing': 'labelSmoothing',
         'log_target': 'logTarget'}


def case(name, fn, inp, target, options=None, target_grad=False, grads=True, gradcheck=True):
    options = options or {}
    x = inp.clone().requires_grad_(True)
    tgt = target.clone()
    if target_grad:
        tgt.requires_grad_(True)
    t_opts = dict(options)
    out = TORCH[fn](x, tgt.long() if tgt.dtype == torch.int32 else tgt, t_opts)
    upstream = torch.round(torch.rand(out.shape) * 2000 - 1000) / 1000 if out.dim() > 0 else torch.tensor(1.0)
    out.backward(upstream)
    js_opts = {}
    for k, v in options.items():
        key = CAMEL.get(k, k)
        js_opts[key] = {'tensor': spec(v)} if isinstance(v, torch.Tensor) else v
    c = {
        'name': name, 'fn': fn, 'options': js_opts, 'input': spec(inp), 'target': spec(target),
        'upstream': spec(upstream), 'output': spec(out),
        'grads': None, 'gradcheck': gradcheck,
    }
    if target_grad:
        c['targetGrad'] = True
    if grads:
        g = {'input': spec(x.grad)['values']}
        if target_grad:
            g['target'] = spec(tgt.grad)['values']
        c['grads'] = g
    CASES.append(c)


RED = ['none', 'mean', 'sum']

# ---- regression
for fn in ['mseLoss', 'l1Loss']:
    for r in RED:
        case(f'{fn} {r}', fn, rnd(3, 4), rnd(3, 4), {'reduction': r}, target_grad=True)
for r in RED:
    d = rnd(3, 5, scale=1.5)
    case(f'smoothL1Loss {r}', 'smoothL1Loss', d, rnd(3, 5), {'reduction': r}, target_grad=True)
    case(f'huberLoss {r}', 'huberLoss', rnd(3, 5, scale=1.5), rnd(3, 5), {'reduction': r}, target_grad=True)
case('smoothL1Loss beta 0.5', 'smoothL1Loss', rnd(4, 4), rnd(4, 4), {'beta': 0.5}, target_grad=True)
case('smoothL1Loss beta 2 sum', 'smoothL1Loss', rnd(4, 4, scale=2), rnd(4, 4), {'beta': 2.0, 'reduction': 'sum'})
case('smoothL1Loss beta 0 (L1)', 'smoothL1Loss', rnd(4, 4), rnd(4, 4), {'beta': 0.0})
case('huberLoss delta 0.5', 'huberLoss', rnd(4, 4), rnd(4, 4), {'delta': 0.5}, target_grad=True)
case('huberLoss delta 2.5 none', 'huberLoss', rnd(4, 4, scale=3), rnd(4, 4), {'delta': 2.5, 'reduction': 'none'})

# ---- binary cross entropy
def probs(*shape):
    return torch.round(torch.sigmoid(torch.randn(shape) * 1.5) * 900 + 50) / 1000  # in [0.05, 0.95]


for r in RED:
    case(f'binaryCrossEntropy {r}', 'binaryCrossEntropy', probs(3, 4), torch.rand(3, 4).round(decimals=2), {'reduction': r})
case('binaryCrossEntropy hard targets', 'binaryCrossEntropy', probs(6), torch.tensor([0., 1., 1., 0., 1., 0.]))
case('binaryCrossEntropy weight [4]', 'binaryCrossEntropy', probs(3, 4), torch.rand(3, 4).round(decimals=2),
     {'weight': torch.tensor([0.5, 1.0, 2.0, 0.25])})
case('binaryCrossEntropy weight [3,4] sum', 'binaryCrossEntropy', probs(3, 4), torch.rand(3, 4).round(decimals=2),
     {'weight': torch.rand(3, 4).round(decimals=2), 'reduction': 'sum'})
case('binaryCrossEntropy target grad', 'binaryCrossEntropy', probs(2, 5), torch.rand(2, 5).round(decimals=2), target_grad=True)
case('binaryCrossEntropy input 0 and 1 (log clamped at -100)', 'binaryCrossEntropy',
     torch.tensor([0., 1., 0., 1., 0.5]), torch.tensor([1., 0., 0., 1., 0.3]), {'reduction': 'none'}, gradcheck=False)

for r in RED:
    case(f'binaryCrossEntropyWithLogits {r}', 'binaryCrossEntropyWithLogits', rnd(3, 4, scale=2), torch.rand(3, 4).round(decimals=2),
         {'reduction': r})
case('binaryCrossEntropyWithLogits weight', 'binaryCrossEntropyWithLogits', rnd(3, 4, scale=2), torch.rand(3, 4).round(decimals=2),
     {'weight': torch.tensor([0.5, 1.0, 2.0, 0.25])})
case('binaryCrossEntropyWithLogits posWeight', 'binaryCrossEntropyWithLogits', rnd(3, 4, scale=2), torch.rand(3, 4).round(decimals=2),
     {'pos_weight': torch.tensor([3.0, 1.0, 0.5, 2.0])})
case('binaryCrossEntropyWithLogits posWeight + weight none', 'binaryCrossEntropyWithLogits', rnd(3, 4, scale=2),
     torch.rand(3, 4).round(decimals=2),
     {'pos_weight': torch.tensor([3.0, 1.0, 0.5, 2.0]), 'weight': torch.rand(3, 1).round(decimals=2), 'reduction': 'none'})
case('binaryCrossEntropyWithLogits extreme logits', 'binaryCrossEntropyWithLogits',
     torch.tensor([100., -100., 100., -100., 50., -50., 30., -30., 0.]), torch.tensor([1., 0., 0., 1., 0.3, 0.7, 1., 0., 0.5]),
     {'reduction': 'none'}, gradcheck=False)
case('binaryCrossEntropyWithLogits extreme logits posWeight sum', 'binaryCrossEntropyWithLogits',
     torch.tensor([100., -100., 100., -100.]), torch.tensor([1., 0., 0., 1.]),
     {'pos_weight': torch.tensor([2.0]), 'reduction': 'sum'}, gradcheck=False)

# ---- cross entropy / nll
def labels(n, c, ignore=None, every=3):
    t = torch.randint(0, c, (n,), dtype=torch.int32)
    if ignore is not None:
        t[::every] = ignore
    return t


W5 = torch.tensor([0.2, 1.0, 2.5, 0.7, 1.3])
for r in RED:
    case(f'crossEntropy {r}', 'crossEntropy', rnd(6, 5), labels(6, 5), {'reduction': r})
    case(f'crossEntropy weight {r}', 'crossEntropy', rnd(6, 5), labels(6, 5), {'weight': W5, 'reduction': r})
    case(f'crossEntropy ignoreIndex -100 {r}', 'crossEntropy', rnd(6, 5), labels(6, 5, ignore=-100), {'reduction': r})
    case(f'crossEntropy weight + ignoreIndex 2 {r}', 'crossEntropy', rnd(7, 5), labels(7, 5, ignore=2, every=2),
         {'weight': W5, 'ignore_index': 2, 'reduction': r})
    case(f'crossEntropy labelSmoothing {r}', 'crossEntropy', rnd(6, 5), labels(6, 5), {'label_smoothing': 0.1, 'reduction': r})
    case(f'crossEntropy labelSmoothing + weight + ignoreIndex {r}', 'crossEntropy', rnd(6, 5), labels(6, 5, ignore=-100),
         {'label_smoothing': 0.2, 'weight': W5, 'reduction': r})
    probs_t = torch.softmax(torch.randn(6, 5) * 2, 1)
    case(f'crossEntropy probabilities {r}', 'crossEntropy', rnd(6, 5), probs_t, {'reduction': r})
    case(f'crossEntropy probabilities weight + labelSmoothing {r}', 'crossEntropy', rnd(6, 5), probs_t,
         {'weight': W5, 'label_smoothing': 0.15, 'reduction': r})
case('crossEntropy [N,C,d1,d2] indices', 'crossEntropy', rnd(2, 3, 2, 2), torch.randint(0, 3, (2, 2, 2), dtype=torch.int32))
case('crossEntropy [N,C,d1] indices weight ignore none', 'crossEntropy', rnd(2, 3, 4),
     torch.tensor([[0, 2, -100, 1], [1, -100, 2, 0]], dtype=torch.int32), {'weight': torch.tensor([0.5, 2.0, 1.0]), 'reduction': 'none'})
case('crossEntropy [N,C,d1] indices labelSmoothing', 'crossEntropy', rnd(2, 3, 4),
     torch.tensor([[0, 2, -100, 1], [1, -100, 2, 0]], dtype=torch.int32), {'label_smoothing': 0.3})
case('crossEntropy [N,C,d1,d2] probabilities', 'crossEntropy', rnd(2, 3, 2, 2), torch.softmax(torch.randn(2, 3, 2, 2), 1))
case('crossEntropy unbatched [C]', 'crossEntropy', rnd(5), torch.tensor(3, dtype=torch.int32))
case('crossEntropy unbatched [C] none', 'crossEntropy', rnd(5), torch.tensor(1, dtype=torch.int32), {'reduction': 'none'})
case('crossEntropy unbatched probabilities', 'crossEntropy', rnd(5), torch.softmax(torch.randn(5), 0))
case('crossEntropy extreme logits', 'crossEntropy',
     torch.tensor([[100., -100., 0.], [-100., 100., 50.], [100., 100., -100.], [0., 0., 0.]]),
     torch.tensor([1, 1, 2, 0], dtype=torch.int32), {'reduction': 'none'}, gradcheck=False)
case('crossEntropy extreme logits labelSmoothing mean', 'crossEntropy',
     torch.tensor([[100., -100., 0.], [-100., 100., 50.], [100., 100., -100.]]),
     torch.tensor([1, 1, 2], dtype=torch.int32), {'label_smoothing': 0.1}, gradcheck=False)

for r in RED:
    lp = torch.log_softmax(torch.randn(6, 5), 1)
    case(f'nllLoss {r}', 'nllLoss', lp, labels(6, 5), {'reduction': r})
    case(f'nllLoss weight + ignoreIndex {r}', 'nllLoss', lp, labels(6, 5, ignore=-100), {'weight': W5, 'reduction': r})
case('nllLoss ignoreIndex 0', 'nllLoss', torch.log_softmax(torch.randn(6, 5), 1), torch.tensor([0, 1, 0, 3, 4, 2], dtype=torch.int32),
     {'ignore_index': 0})
case('nllLoss [N,C,d1] weight', 'nllLoss', torch.log_softmax(torch.randn(2, 3, 4), 1), torch.randint(0, 3, (2, 4), dtype=torch.int32),
     {'weight': torch.tensor([0.5, 2.0, 1.0])})

# ---- KL divergence
for r in RED + ['batchmean']:
    inp = torch.log_softmax(torch.randn(4, 5), 1)
    tgt = torch.softmax(torch.randn(4, 5) * 2, 1)
    tgt[0, 1] = 0.0
    tgt[2, 3] = 0.0
    # Zeros in the target: PyTorch's target gradient there is log(0) (not compared).
    case(f'klDiv {r}', 'klDiv', inp, tgt, {'reduction': r})
    case(f'klDiv logTarget {r}', 'klDiv', inp, torch.log_softmax(torch.randn(4, 5), 1), {'reduction': r, 'log_target': True},
         target_grad=True)

case('klDiv target grad', 'klDiv', torch.log_softmax(torch.randn(4, 5), 1), torch.softmax(torch.randn(4, 5), 1),
     {'reduction': 'batchmean'}, target_grad=True)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': CASES}, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {len(CASES)} cases to {os.path.relpath(OUT)}')
