// Interop with PyTorch through committed fixtures (scripts/gen_safetensors_fixtures.py writes
// them with a hand-written, spec-following writer; torch 1.13 computes the expected values).
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import { bitwiseDiff, fixture, fixturePath } from './helpers.js';

const { io, nn } = keel;

/** The Keel twin of the generator's torch.nn.Sequential: the same state_dict keys. */
function buildModel(): keel.nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(64, 5));
}

describe('a PyTorch state_dict saved as safetensors', () => {
  it('loads into the Keel model with the same keys and gives torch\'s outputs', () => {
    const model = buildModel();
    const header = io.readSafetensorsHeader(fixturePath('torch_model.safetensors'));
    // Mixed dtypes as torch stored them; the keys are exactly Keel's stateDict keys.
    expect(Object.fromEntries([...header.tensors].map(([k, e]) => [k, e.dtype]))).toEqual({
      '0.weight': 'F16', '0.bias': 'BF16', '1.weight': 'F32', '1.bias': 'F64', '1.running_mean': 'F32',
      '1.running_var': 'BF16', '1.num_batches_tracked': 'I64', '5.weight': 'F32', '5.bias': 'F16',
    });
    const keys = [...model.stateDict({ keepVars: true }).keys()];
    expect([...header.tensors.keys()].sort()).toEqual([...keys].sort());

    const result = io.loadModelWeights(fixturePath('torch_model.safetensors'), model);
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [], metadata: { format: 'pt' } });
    const bn = model.getSubmodule('1') as keel.nn.BatchNorm2d;
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    expect(bn.numBatchesTracked!.item()).toBe(3);

    const { tensors: expected } = io.parseSafetensors(fixture('torch_expected.safetensors'));
    model.eval();
    const y = keel.noGrad(() => model.forward(expected.get('input')!)) as keel.Tensor;
    expect(y.shape).toEqual([2, 5]);
    const got = y.toFloat32Array();
    const want = expected.get('output')!.toFloat32Array();
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `output ${i}`).toBeLessThan(1e-5 + 1e-5 * Math.abs(want[i]));
    keel.dispose([y, expected]);
    model.dispose();
  });

  it('reads the model info of a file Keel did not write', () => {
    expect(io.readModelInfo(fixturePath('torch_model.safetensors'))).toEqual({
      architecture: null, config: null, version: null, kind: null, metadata: { format: 'pt' },
    });
  });
});

describe('dtype conversions match torch\'s .float() and .int()', () => {
  const { tensors } = io.parseSafetensors(fixture('torch_dtypes.safetensors'));

  it.each(['f16', 'bf16', 'f64', 'i64', 'i32', 'f32'])('%s', (name) => {
    const t = tensors.get(name)!;
    const want = tensors.get(`${name}.expected`)!;
    expect(t.dtype).toBe(name.startsWith('i') ? 'int32' : 'float32');
    expect(bitwiseDiff(t, want)).toBeNull();
  });

  it('spot values: half subnormals and overflow, bfloat16 subnormals, float64 rounding to even and to inf', () => {
    const f16 = tensors.get('f16')!.toFloat32Array();
    expect([f16[4], f16[5], f16[8], f16[9]]).toEqual([65504, 2 ** -24, Infinity, -Infinity]);
    expect(Object.is(f16[1], -0)).toBe(true);
    expect(Number.isNaN(f16[10])).toBe(true);
    const bf16 = tensors.get('bf16')!.toFloat32Array();
    expect(bf16[3]).toBe(-3.140625);
    expect(bf16[6]).toBeGreaterThan(0);
    const f64 = tensors.get('f64')!.toFloat32Array();
    expect([f64[2], f64[3], f64[4], f64[5]]).toEqual([Infinity, -Infinity, 0, Infinity]);
    expect([f64[6], f64[7]]).toEqual([1, 1 + 4 * 2 ** -24]); // ties to even
  });

  it('an empty and a 0-d tensor', () => {
    expect(tensors.get('empty')!.shape).toEqual([0, 3]);
    expect(tensors.get('scalar')!.shape).toEqual([]);
    expect(tensors.get('scalar')!.item()).toBe(-2.75);
  });
});
