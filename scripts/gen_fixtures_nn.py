#!/usr/bin/python3
"""Generates PyTorch reference fixtures for Keel's nn tests (test/nn/*.test.ts).

Run with Debian's interpreter, which has torch:

    /usr/bin/python3 scripts/gen_fixtures_nn.py

Writes test/fixtures/nn/layers.json and test/fixtures/nn/models.json (committed; the tests never
run Python).

A module is described by a spec that both sides build: {"ctor": "Conv2d", "args": [3, 4, 3],
"opts": {"stride": 2}} is `new nn.Conv2d(3, 4, 3, {stride: 2})` in Keel and
`torch.nn.Conv2d(3, 4, 3, stride=2)` here (option names camelCase -> snake_case). Containers:
Sequential's args are child specs; {"ctor": "Sequential", "named": {"features": spec, ...}} is the
OrderedDict form.

layers.json cases:
  name, spec, train (mode for forward), tol [atol, rtol]
  state     PyTorch state_dict (loaded into the Keel module with loadStateDict)
  input     {shape, dtype?, values}; float inputs require grad
  output    forward result
  upstream  gradient fed to backward (output's shape)
  inputGrad gradient of the input (null for int inputs)
  paramGrads  name -> gradient (named_parameters order), null where torch has none
  stateAfter  state_dict after the forward (running stats, num_batches_tracked)
models.json: name, spec, keys (state_dict keys in order), shapes, numParameters, parameterNames.
"""
import json
import os
import zlib
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'nn')

TOL = [1e-5, 1e-4]
CONV_TOL = [5e-5, 2e-4]


def f32(v):
    v = np.float32(v)
    if np.isnan(v):
        return 'NaN'
    if np.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return float(str(v))


def enc(t):
    if t is None:
        return None
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32, torch.bool, torch.uint8):
        return {'shape': list(t.shape), 'dtype': 'int32', 'values': [int(v) for v in t.reshape(-1).tolist()]}
    return {'shape': list(t.shape), 'values': [f32(v) for v in t.float().reshape(-1).tolist()]}


def snake(name):
    return ''.join('_' + c.lower() if c.isupper() else c for c in name)


def tup(v):
    return tuple(v) if isinstance(v, list) else v


def build(spec):
    ctor = spec['ctor']
    if ctor == 'Sequential':
        if 'named' in spec:
            return nn.Sequential(OrderedDict((k, build(v)) for k, v in spec['named'].items()))
        return nn.Sequential(*[build(s) for s in spec.get('args', [])])
    args = [tup(a) for a in spec.get('args', [])]
    kwargs = {snake(k): tup(v) for k, v in spec.get('opts', {}).items()}
    return getattr(nn, ctor)(*args, **kwargs)


def S(ctor, *args, **opts):
    spec = {'ctor': ctor}
    if args:
        spec['args'] = list(args)
    if opts:
        spec['opts'] = opts
    return spec


def randomize(module):
    """Non-trivial BatchNorm affine parameters and running statistics."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                if m.weight is not None:
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
                if m.running_mean is not None:
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 1.5)
                    m.num_batches_tracked.fill_(3)


def layer_case(name, spec, input_shape, train=False, tol=TOL, int_input=None):
    torch.manual_seed(zlib.crc32(name.encode()))
    m = build(spec)
    randomize(m)
    m.train(train)
    state = OrderedDict((k, enc(v)) for k, v in m.state_dict().items())
    if int_input is not None:
        x = torch.tensor(int_input, dtype=torch.int64)
    else:
        x = torch.randn(*input_shape).requires_grad_(True)
    out = m(x)
    g = torch.randn(*out.shape)
    out.backward(g)
    return {
        'name': name,
        'spec': spec,
        'train': train,
        'tol': tol,
        'state': state,
        'input': enc(x),
        'output': enc(out),
        'upstream': enc(g),
        'inputGrad': enc(x.grad) if int_input is None else None,
        'paramGrads': OrderedDict((k, enc(p.grad)) for k, p in m.named_parameters()),
        'stateAfter': OrderedDict((k, enc(v)) for k, v in m.state_dict().items()),
    }


def layer_cases():
    cases = []
    add = lambda *a, **k: cases.append(layer_case(*a, **k))
    # linear and embedding
    add('Linear(5, 3)', S('Linear', 5, 3), [4, 5])
    add('Linear(5, 3, bias=false) on 3-D input', S('Linear', 5, 3, bias=False), [2, 3, 5])
    add('Identity', S('Identity'), [2, 3])
    add('Embedding(10, 4)', S('Embedding', 10, 4), None, int_input=[[1, 2, 9], [2, 2, 0]])
    add('Embedding(10, 4, paddingIdx=0)', S('Embedding', 10, 4, paddingIdx=0), None, int_input=[[0, 3, 0, 7]])
    # activations
    for spec in [S('ReLU'), S('ReLU6'), S('Sigmoid'), S('Tanh'), S('SiLU'), S('LeakyReLU', 0.2), S('ELU', 0.5), S('GELU'),
                 S('GELU', approximate='tanh'), S('Softplus', beta=2), S('Hardtanh', -0.5, 0.5), S('Softmax', 1), S('LogSoftmax', -1)]:
        label = spec['ctor'] + ('(' + ', '.join(map(str, spec.get('args', []))) + ', '.join(f'{k}={v}' for k, v in spec.get('opts', {}).items()) + ')')
        add(label, spec, [3, 5] if spec['ctor'] not in ('ReLU6', 'Hardtanh') else [3, 5])
    add('PReLU()', S('PReLU'), [2, 3, 4])
    add('PReLU(3, 0.1)', S('PReLU', 3, 0.1), [2, 3, 4])
    add('Dropout(0.3) in eval mode', S('Dropout', 0.3), [4, 6], train=False)
    add('Flatten()', S('Flatten'), [2, 3, 2, 2])
    add('Flatten(0, 1)', S('Flatten', 0, 1), [2, 3, 2])
    add('Sequential(Linear, ReLU, Linear)', S('Sequential', S('Linear', 6, 8), S('ReLU'), S('Linear', 8, 3)), [4, 6])
    # convolution
    add('Conv2d(3, 4, 3)', S('Conv2d', 3, 4, 3), [2, 3, 6, 6], tol=CONV_TOL)
    add('Conv2d(4, 6, 3, stride=2, padding=1, groups=2)', S('Conv2d', 4, 6, 3, stride=2, padding=1, groups=2), [2, 4, 7, 7], tol=CONV_TOL)
    add("Conv2d(2, 3, [3, 2], padding='same', dilation=2)", S('Conv2d', 2, 3, [3, 2], padding='same', dilation=2), [1, 2, 6, 5], tol=CONV_TOL)
    add('Conv2d(3, 2, 1, bias=false)', S('Conv2d', 3, 2, 1, bias=False), [2, 3, 4, 4], tol=CONV_TOL)
    add('Conv2d(3, 4, 3) unbatched', S('Conv2d', 3, 4, 3, padding=[1, 0]), [3, 5, 5], tol=CONV_TOL)
    # stride-1 convolutions on the direct kernels (native/kernels/conv/conv_direct.h): LeNet's two
    # layers (5 samples: a run of 4 and one more in the weight gradient), 'same' padding (the
    # direct input gradient too) and dilation
    add('Conv2d(1, 6, 5, padding=2) LeNet layer 1', S('Conv2d', 1, 6, 5, padding=2), [5, 1, 12, 12], tol=CONV_TOL)
    add('Conv2d(6, 16, 5) LeNet layer 2', S('Conv2d', 6, 16, 5), [5, 6, 14, 14], tol=CONV_TOL)
    add('Conv2d(8, 5, 3, padding=1)', S('Conv2d', 8, 5, 3, padding=1), [3, 8, 9, 7], tol=CONV_TOL)
    add('Conv2d(4, 6, [3, 5], padding=2, dilation=[2, 1])', S('Conv2d', 4, 6, [3, 5], padding=2, dilation=[2, 1]), [2, 4, 7, 9], tol=CONV_TOL)
    add('Conv1d(3, 4, 3, padding=1)', S('Conv1d', 3, 4, 3, padding=1), [2, 3, 7], tol=CONV_TOL)
    add('Conv1d(2, 4, 2, stride=2, groups=2)', S('Conv1d', 2, 4, 2, stride=2, groups=2), [2, 2, 8], tol=CONV_TOL)
    # pooling
    add('MaxPool2d(2)', S('MaxPool2d', 2), [2, 3, 6, 6])
    add('MaxPool2d(3, stride=2, padding=1)', S('MaxPool2d', 3, stride=2, padding=1), [2, 2, 7, 7])
    add('MaxPool2d(2, ceilMode=true)', S('MaxPool2d', 2, ceilMode=True), [1, 2, 5, 5])
    add('AvgPool2d(2)', S('AvgPool2d', 2), [2, 3, 6, 6])
    add('AvgPool2d(3, stride=2, padding=1, countIncludePad=false)', S('AvgPool2d', 3, stride=2, padding=1, countIncludePad=False), [1, 2, 7, 7])
    add('AdaptiveAvgPool2d([3, 2])', S('AdaptiveAvgPool2d', [3, 2]), [2, 3, 7, 5])
    add('AdaptiveAvgPool2d(1)', S('AdaptiveAvgPool2d', 1), [2, 3, 4, 4])
    add('MaxPool1d(2)', S('MaxPool1d', 2), [2, 3, 8])
    add('AvgPool1d(3, stride=2)', S('AvgPool1d', 3, stride=2), [2, 3, 9])
    # batch norm
    add('BatchNorm2d(3) train', S('BatchNorm2d', 3), [4, 3, 3, 3], train=True)
    add('BatchNorm2d(3) eval', S('BatchNorm2d', 3), [4, 3, 3, 3], train=False)
    add('BatchNorm1d(4) train on [N, C]', S('BatchNorm1d', 4), [5, 4], train=True)
    add('BatchNorm1d(4) train on [N, C, L]', S('BatchNorm1d', 4), [3, 4, 6], train=True)
    add('BatchNorm1d(4) eval on [N, C, L]', S('BatchNorm1d', 4), [3, 4, 6], train=False)
    add('BatchNorm2d(3, affine=false) train', S('BatchNorm2d', 3, affine=False), [2, 3, 4, 4], train=True)
    add('BatchNorm2d(3, momentum=null) train', S('BatchNorm2d', 3, momentum=None), [2, 3, 4, 4], train=True)
    add('BatchNorm2d(3, trackRunningStats=false) eval', S('BatchNorm2d', 3, trackRunningStats=False), [2, 3, 4, 4], train=False)
    # a small CNN end to end
    add('small CNN train', CNN, [2, 1, 8, 8], train=True, tol=CONV_TOL)
    add('small CNN eval', CNN, [2, 1, 8, 8], train=False, tol=CONV_TOL)
    return cases


CNN = {'ctor': 'Sequential', 'named': OrderedDict([
    ('features', S('Sequential', S('Conv2d', 1, 4, 3), S('BatchNorm2d', 4), S('ReLU'), S('MaxPool2d', 2))),
    ('classifier', S('Sequential', S('Flatten'), S('Linear', 36, 5))),
])}


def model_cases():
    models = [
        ('Linear(784, 512)', S('Linear', 784, 512)),
        ('small CNN', CNN),
        ('LeNet-ish', {'ctor': 'Sequential', 'named': OrderedDict([
            ('features', S('Sequential', S('Conv2d', 1, 6, 5), S('ReLU'), S('MaxPool2d', 2), S('Conv2d', 6, 16, 5), S('BatchNorm2d', 16), S('ReLU'),
                           S('MaxPool2d', 2))),
            ('classifier', S('Sequential', S('Flatten'), S('Linear', 256, 120), S('ReLU'), S('Dropout', 0.5), S('Linear', 120, 10))),
        ])}),
        ('embedding model', S('Sequential', S('Embedding', 100, 8, paddingIdx=0), S('Flatten'), S('Linear', 24, 2))),
        ('BatchNorm1d(10, affine=false)', S('BatchNorm1d', 10, affine=False)),
        ('BatchNorm2d(4, trackRunningStats=false)', S('BatchNorm2d', 4, trackRunningStats=False)),
        ('PReLU(5)', S('PReLU', 5)),
        ('grouped conv', S('Conv2d', 8, 16, [3, 5], groups=4, bias=False)),
        ('Conv1d(3, 8, 4)', S('Conv1d', 3, 8, 4)),
    ]
    out = []
    for name, spec in models:
        m = build(spec)
        sd = m.state_dict()
        out.append({
            'name': name,
            'spec': spec,
            'keys': list(sd.keys()),
            'shapes': [list(v.shape) for v in sd.values()],
            'parameterNames': [k for k, _ in m.named_parameters()],
            'numParameters': sum(p.numel() for p in m.parameters()),
        })
    return out


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for fname, data in [('layers.json', {'cases': layer_cases()}), ('models.json', {'models': model_cases()})]:
        data = {'generator': 'scripts/gen_fixtures_nn.py', 'torch': torch.__version__, **data}
        path = os.path.join(OUT_DIR, fname)
        with open(path, 'w') as f:
            json.dump(data, f, separators=(',', ':'))
        print(f'wrote {path} ({os.path.getsize(path)} bytes)')


if __name__ == '__main__':
    main()
