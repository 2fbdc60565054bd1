#!/usr/bin/python3
"""Generates PyTorch reference fixtures for Keel's optimizers, gradient clipping and LR
schedulers (test/optim/*.test.ts).

Run with Debian's interpreter, which has torch:

    /usr/bin/python3 scripts/gen_fixtures_optim.py

Writes, all committed (the tests never run Python):
  test/fixtures/optim/optimizers.json  trajectories: {name, optimizer, options, groups?, init, grads, params}
      options  constructor options with camelCase names (betas as a list)
      groups   optional: [{params: [indices], ...per-group options}] instead of a flat parameter list
      init     the two parameters' starting values
      grads    per step, one gradient per parameter (null: that parameter has no grad this step)
      params   per step, the parameters' values after optimizer.step()
  test/fixtures/optim/schedulers.json  {name, scheduler, args, lrs (getLastLr() after construction and after each step)}
      for ReduceLROnPlateau also `metrics`, one per step; chained cases list several schedulers
  test/fixtures/optim/clip.json  {name, normType, maxNorm, grads (before), total, clipped (after)}
"""
import json
import math
import os

import numpy as np
import torch

torch.manual_seed(0)
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'optim')


def f32(v):
    v = np.float32(v)
    if np.isnan(v):
        return 'NaN'
    if np.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return float(str(v))


def spec(t):
    t = t.detach()
    return {'shape': list(t.shape), 'values': [f32(v) for v in t.to(torch.float32).reshape(-1).numpy()]}


def rnd(*shape, scale=1.0):
    return torch.round(torch.randn(shape) * scale * 1000) / 1000


CAMEL = {'weight_decay': 'weightDecay', 'lr_decay': 'lrDecay', 'initial_accumulator_value': 'initialAccumulatorValue'}


def camel(opts):
    return {CAMEL.get(k, k): (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()}


STEPS = 8
SHAPES = [(2, 3), (4,)]
INIT = [rnd(*s) for s in SHAPES]
# Fixed gradients per step; parameter 1 has no gradient at step 3 (it must be skipped).
GRADS = [[rnd(*s) for s in SHAPES] for _ in range(STEPS)]
GRADS[3][1] = None

OPTS = {'SGD': torch.optim.SGD, 'Adam': torch.optim.Adam, 'AdamW': torch.optim.AdamW,
        'Adagrad': torch.optim.Adagrad, 'RMSprop': torch.optim.RMSprop}


def trajectory(name, opt_name, options, groups=None):
    params = [p.clone().requires_grad_(True) for p in INIT]
    if groups is None:
        opt = OPTS[opt_name](params, **options)
    else:
        opt = OPTS[opt_name]([{**{k: v for k, v in g.items() if k != 'params'}, 'params': [params[i] for i in g['params']]}
                              for g in groups], **options)
    out = []
    for step in range(STEPS):
        for p, g in zip(params, GRADS[step]):
            p.grad = None if g is None else g.clone()
        opt.step()
        out.append([spec(p)['values'] for p in params])
    c = {'name': name, 'optimizer': opt_name, 'options': camel(options), 'params': out}
    if groups is not None:
        c['groups'] = [camel(g) for g in groups]
    return c


def optimizers():
    cases = []
    add = lambda *a, **k: cases.append(trajectory(*a, **k))
    add('SGD plain', 'SGD', {'lr': 0.1})
    add('SGD momentum', 'SGD', {'lr': 0.1, 'momentum': 0.9})
    add('SGD momentum dampening', 'SGD', {'lr': 0.1, 'momentum': 0.9, 'dampening': 0.5})
    add('SGD nesterov', 'SGD', {'lr': 0.1, 'momentum': 0.9, 'nesterov': True})
    add('SGD weightDecay', 'SGD', {'lr': 0.1, 'weight_decay': 0.1})
    add('SGD nesterov weightDecay', 'SGD', {'lr': 0.05, 'momentum': 0.8, 'nesterov': True, 'weight_decay': 0.01})
    add('SGD maximize momentum weightDecay', 'SGD', {'lr': 0.1, 'momentum': 0.9, 'weight_decay': 0.1, 'maximize': True})
    add('SGD param groups', 'SGD', {'lr': 0.1, 'momentum': 0.9},
        groups=[{'params': [0]}, {'params': [1], 'lr': 0.01, 'momentum': 0.5, 'dampening': 0.1}])
    add('Adam default', 'Adam', {'lr': 0.01})
    add('Adam amsgrad', 'Adam', {'lr': 0.01, 'amsgrad': True})
    add('Adam weightDecay', 'Adam', {'lr': 0.01, 'weight_decay': 0.1})
    add('Adam betas eps', 'Adam', {'lr': 0.05, 'betas': (0.8, 0.9), 'eps': 1e-3})
    add('Adam amsgrad weightDecay maximize', 'Adam', {'lr': 0.01, 'amsgrad': True, 'weight_decay': 0.1, 'maximize': True})
    add('Adam param groups', 'Adam', {'lr': 0.01}, groups=[{'params': [0], 'lr': 0.1, 'amsgrad': True}, {'params': [1]}])
    add('AdamW default', 'AdamW', {'lr': 0.01})
    add('AdamW weightDecay amsgrad', 'AdamW', {'lr': 0.01, 'weight_decay': 0.1, 'amsgrad': True})
    add('AdamW maximize', 'AdamW', {'lr': 0.02, 'weight_decay': 0.05, 'maximize': True})
    add('Adagrad default', 'Adagrad', {'lr': 0.1})
    add('Adagrad lrDecay', 'Adagrad', {'lr': 0.1, 'lr_decay': 0.1})
    add('Adagrad initialAccumulatorValue weightDecay', 'Adagrad',
        {'lr': 0.1, 'initial_accumulator_value': 0.5, 'weight_decay': 0.1, 'eps': 1e-6})
    add('RMSprop default', 'RMSprop', {'lr': 0.01})
    add('RMSprop centered', 'RMSprop', {'lr': 0.01, 'centered': True})
    add('RMSprop momentum', 'RMSprop', {'lr': 0.01, 'momentum': 0.9})
    add('RMSprop centered momentum weightDecay', 'RMSprop', {'lr': 0.01, 'centered': True, 'momentum': 0.5, 'weight_decay': 0.1})
    add('RMSprop alpha eps maximize', 'RMSprop', {'lr': 0.01, 'alpha': 0.9, 'eps': 1e-4, 'maximize': True})
    return {'torch': torch.__version__, 'init': [spec(p) for p in INIT],
            'grads': [[None if g is None else spec(g)['values'] for g in step] for step in GRADS], 'cases': cases}


# ---------------------------------------------------------------- schedulers

S = torch.optim.lr_scheduler
SCHED_STEPS = 25


def make_opt():
    ps = [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)]
    return torch.optim.SGD([{'params': [ps[0]], 'lr': 0.1}, {'params': [ps[1]], 'lr': 0.05}], lr=0.1)


def sched_case(name, specs, metrics=None):
    """specs: list of (keel class name, js args, torch constructor)."""
    opt = make_opt()
    scheds = [ctor(opt) for _, _, ctor in specs]
    lrs = [[g['lr'] for g in opt.param_groups]]
    for i in range(SCHED_STEPS):
        opt.step()
        for s in scheds:
            if metrics is not None:
                s.step(metrics[i])
            else:
                s.step()
        lrs.append([g['lr'] for g in opt.param_groups])
    c = {'name': name, 'schedulers': [{'scheduler': n, 'args': a} for n, a, _ in specs], 'lrs': lrs}
    if metrics is not None:
        c['metrics'] = metrics
    return c


def schedulers():
    cases = [
        sched_case('StepLR', [('StepLR', [3, {'gamma': 0.5}], lambda o: S.StepLR(o, 3, gamma=0.5))]),
        sched_case('StepLR default gamma', [('StepLR', [7, {}], lambda o: S.StepLR(o, 7))]),
        sched_case('MultiStepLR', [('MultiStepLR', [[2, 5, 5, 9], {'gamma': 0.3}], lambda o: S.MultiStepLR(o, [2, 5, 5, 9], gamma=0.3))]),
        sched_case('ExponentialLR', [('ExponentialLR', [0.9], lambda o: S.ExponentialLR(o, 0.9))]),
        sched_case('CosineAnnealingLR tMax 7 etaMin', [('CosineAnnealingLR', [7, {'etaMin': 0.001}],
                                                        lambda o: S.CosineAnnealingLR(o, 7, eta_min=0.001))]),
        sched_case('CosineAnnealingLR tMax 10', [('CosineAnnealingLR', [10, {}], lambda o: S.CosineAnnealingLR(o, 10))]),
        sched_case('LinearLR default', [('LinearLR', [{}], lambda o: S.LinearLR(o))]),
        sched_case('LinearLR warm-up', [('LinearLR', [{'startFactor': 0.25, 'totalIters': 6}],
                                         lambda o: S.LinearLR(o, start_factor=0.25, total_iters=6))]),
        sched_case('LinearLR decay', [('LinearLR', [{'startFactor': 1.0, 'endFactor': 0.1, 'totalIters': 10}],
                                       lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10))]),
        sched_case('LinearLR warm-up chained with CosineAnnealingLR', [
            ('LinearLR', [{'startFactor': 0.1, 'totalIters': 4}], lambda o: S.LinearLR(o, start_factor=0.1, total_iters=4)),
            ('CosineAnnealingLR', [20, {'etaMin': 0.0}], lambda o: S.CosineAnnealingLR(o, 20)),
        ]),
        sched_case('StepLR chained with ExponentialLR', [
            ('StepLR', [4, {'gamma': 0.5}], lambda o: S.StepLR(o, 4, gamma=0.5)),
            ('ExponentialLR', [0.95], lambda o: S.ExponentialLR(o, 0.95)),
        ]),
    ]
    m1 = [1.0, 0.9, 0.85, 0.86, 0.85, 0.87, 0.84, 0.8401, 0.8402, 0.85, 0.7, 0.71, 0.72, 0.73, 0.74, 0.69, 0.69, 0.7, 0.71,
          0.72, 0.5, 0.6, 0.6, 0.6, 0.6]
    m2 = [0.1, 0.2, 0.25, 0.24, 0.26, 0.26, 0.3, 0.29, 0.28, 0.35, 0.34, 0.33, 0.32, 0.31, 0.3, 0.4, 0.39, 0.38, 0.37, 0.36,
          0.35, 0.34, 0.33, 0.32, 0.31]
    cases += [
        sched_case('ReduceLROnPlateau min rel patience 2 cooldown 1',
                   [('ReduceLROnPlateau', [{'patience': 2, 'cooldown': 1}], lambda o: S.ReduceLROnPlateau(o, patience=2, cooldown=1))],
                   metrics=m1),
        sched_case('ReduceLROnPlateau max abs factor 0.5 threshold 0.02 minLr',
                   [('ReduceLROnPlateau', [{'mode': 'max', 'thresholdMode': 'abs', 'factor': 0.5, 'patience': 1, 'threshold': 0.02,
                                            'minLr': [0.02, 0.001]}],
                     lambda o: S.ReduceLROnPlateau(o, mode='max', threshold_mode='abs', factor=0.5, patience=1, threshold=0.02,
                                                   min_lr=[0.02, 0.001]))],
                   metrics=m2),
        sched_case('ReduceLROnPlateau min rel threshold 0.1 patience 0',
                   [('ReduceLROnPlateau', [{'patience': 0, 'threshold': 0.1, 'factor': 0.7}],
                     lambda o: S.ReduceLROnPlateau(o, patience=0, threshold=0.1, factor=0.7))],
                   metrics=m1),
    ]
    return {'torch': torch.__version__, 'cases': cases}


# ---------------------------------------------------------------- clipping

def clip():
    grads = [rnd(3, 4), rnd(5), rnd(2, 2, scale=3)]
    cases = []
    for norm_type, max_norm in [(2.0, 1.0), (2.0, 100.0), (1.0, 2.0), (1.0, 100.0), (math.inf, 0.5), (math.inf, 100.0), (3.0, 1.5)]:
        ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        cases.append({'name': f'normType {norm_type} maxNorm {max_norm}',
                      'normType': 'Infinity' if norm_type == math.inf else norm_type, 'maxNorm': max_norm,
                      'total': f32(total.item()), 'clipped': [spec(p.grad)['values'] for p in ps]})
    ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(ps, 0.5)
    return {'torch': torch.__version__, 'grads': [spec(g) for g in grads], 'cases': cases,
            'clipValue': {'clipValue': 0.5, 'clipped': [spec(p.grad)['values'] for p in ps]}}


os.makedirs(OUT_DIR, exist_ok=True)
for fname, data in [('optimizers.json', optimizers()), ('schedulers.json', schedulers()), ('clip.json', clip())]:
    with open(os.path.join(OUT_DIR, fname), 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {len(data["cases"])} cases to test/fixtures/optim/{fname}')
