// The `keel` command line, run in-process through main() (and once as a real process through
// bin/keel.mjs): train -> eval -> predict on the bundled MNIST digits, search, usage errors
// with exit code 2, and runtime errors with exit code 1.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../lib/index.js';
import { main, parseSpace } from '../../lib/cli/main.js';

const hasMnist = (() => {
  try {
    createRequire(import.meta.url).resolve('mnist');
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(join(tmpdir(), 'keel-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('keel usage errors exit with 2 and print the usage', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /Usage: keel <command>/],
    [['fly'], /unknown command 'fly'/],
    [['train', '--epochs', 'three'], /--epochs: expected an integer >= 1 but received 'three'/],
    [['train', '--epochs', '0'], /--epochs: expected an integer >= 1 but received '0'/],
    [['train', '--lr=-1'], /--lr: expected a number > 0 but received '-1'/],
    [['train', '--model', 'gpt'], /--model: expected one of mlp, lenet5/],
    [['train', '--dataset', 'imagenet'], /--dataset: expected one of mnist, fashion-mnist, cifar10, folder/],
    [['train', '--optimizer', 'lion'], /--optimizer: expected one of sgd, adam/],
    [['train', '--bogus'], /Unknown option '--bogus'/],
    [['train', 'extra'], /Unexpected argument 'extra'/],
    [['train', '--resume'], /--resume needs --checkpoint/],
    [['train', '--threads', '0'], /--threads: expected an integer >= 1/],
    [['predict'], /expected at least one image file/],
    [['train', '--schedule', 'linear'], /--schedule: expected one of cosine, step, none/],
    [['train', '--dataset', 'folder'], /pass --data <folder> with train\/ and test\//],
    [['search', '--space', 'speed=1,2'], /unknown hyperparameter 'speed'/],
    [['search', '--space', 'lr=1..0'], /bad range '1..0' for lr/],
    [['search', '--strategy', 'grid', '--space', 'lr=1e-4..1e-2:log'], /ranges need --strategy random/],
  ];
  for (const [argv, message] of cases) {
    it(`keel ${argv.join(' ') || '(nothing)'}`, async () => {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect([...r.err, ...r.out].join('\n')).toMatch(message);
      if (argv.length > 0) expect(r.err.join('\n')).toMatch(/Usage: keel/);
    });
  }

  it('models that cannot take the data are refused before training', async () => {
    const r = await run('train', '--model', 'alexnet', '--no-progress');
    if (!hasMnist) return;
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/alexnet takes 3-channel \(RGB\) input but the data has 1 channel/);
  });

  it('--help prints the command usage and exits with 0', async () => {
    for (const cmd of ['train', 'eval', 'predict', 'search']) {
      const r = await run(cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.out[0]).toContain(`Usage: keel ${cmd}`);
    }
    const models = await run('models');
    expect(models.code).toBe(0);
    expect(models.out[0]).toMatch(/lenet5/);
  });
});

describe('runtime failures exit with 1 and say why', () => {
  it('a missing dataset folder', async () => {
    const r = await run('train', '--dataset', 'fashion-mnist', '--data', join(dir, 'nope'), '--no-progress');
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/keel train: datasets.fashionMnist: folder '.*nope' not found/);
  });

  it('a model file that does not exist, or is not a model', async () => {
    const missing = await run('eval', '--model-path', join(dir, 'missing.safetensors'));
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toMatch(/does not exist/);
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, Buffer.from('not a safetensors file at all'));
    const r = await run('eval', '--model-path', junk);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain('junk.safetensors');
  });
});

describe('parseSpace', () => {
  it('reads lists and ranges', () => {
    expect(parseSpace('lr=1e-3,3e-3; batch-size=32,64;optimizer=sgd,adam')).toEqual({ lr: [1e-3, 3e-3], batchSize: [32, 64], optimizer: ['sgd', 'adam'] });
    expect(parseSpace('lr=1e-4..1e-2:log;dropout=0..0.5')).toEqual({ lr: { min: 1e-4, max: 1e-2, log: true, integer: false }, dropout: { min: 0, max: 0.5, log: false, integer: false } });
    expect(() => parseSpace('batch-size=1.5')).toThrow(/positive integer/);
    expect(() => parseSpace('optimizer=lion')).toThrow(/'lion' is not one of/);
    expect(() => parseSpace('')).toThrow(/no hyperparameters/);
  });
});

describe.skipIf(!hasMnist)('train -> eval -> predict on the bundled MNIST digits', () => {
  const model = join(dir, 'lenet.safetensors');
  let trainOut: string[] = [];

  beforeAll(async () => {
    const r = await run('train', '--epochs', '2', '--out', model, '--no-progress', '--json', '--threads', '2');
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    trainOut = r.out;
  });

  it('trains, saves the model and curves, and ends with one JSON line', () => {
    expect(trainOut[0]).toMatch(/keel train: lenet5 on mnist \(8,000 train \/ 2,000 test samples/);
    const summary = JSON.parse(trainOut[trainOut.length - 1]);
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['testAccuracy', 'testLoss', 'epochs', 'seconds', 'samplesPerSecond', 'modelPath']));
    expect(summary.epochs).toBe(2);
    expect(summary.testAccuracy).toBeGreaterThan(0.9);
    expect(summary.modelPath).toBe(resolve(model));
    expect(existsSync(model)).toBe(true);
    expect(readFileSync(summary.curvesPath, 'utf8')).toContain('<svg');
    expect(trainOut.filter((l) => /^ {2}epoch \d\/2/.test(l))).toHaveLength(2);
  });

  it('eval reproduces the test accuracy and prints a confusion matrix', async () => {
    const r = await run('eval', '--model-path', model, '--json');
    expect(r.code).toBe(0);
    const train = JSON.parse(trainOut[trainOut.length - 1]);
    const ev = JSON.parse(r.out[r.out.length - 1]);
    expect(ev.testAccuracy).toBe(train.testAccuracy);
    expect(ev.confusionMatrix).toHaveLength(10);
    expect(ev.confusionMatrix.flat().reduce((a: number, b: number) => a + b)).toBe(2000);
    expect(r.out.join('\n')).toMatch(/recall/);
    const wrongData = await run('eval', '--model-path', model, '--dataset', 'cifar10', '--data', dir);
    expect(wrongData.code).toBe(1);
  });

  it('predict classifies a digit image', async () => {
    const { default: sharp } = await import('sharp');
    const digits = createRequire(import.meta.url)('mnist') as Array<{ raw: number[]; length: number }>;
    // The last 7 in the package is in the test split.
    const seven = digits[7];
    const start = (seven.length - 1) * 784;
    const pixels = Buffer.from(seven.raw.slice(start, start + 784).map((v) => Math.round(v * 255)));
    const png = join(dir, 'seven.png');
    await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(png);
    const r = await run('predict', png, '--model-path', model, '--json', '--top', '2');
    expect(r.code).toBe(0);
    const { results } = JSON.parse(r.out[r.out.length - 1]);
    expect(results[0].predictions).toHaveLength(2);
    expect(results[0].predictions[0].class).toBe('7');
    expect(r.out[0]).toMatch(/^seven\.png: 7 \d+\.\d%/);
  });

  it('search ranks settings and saves the best model', async () => {
    const out = join(dir, 'best.safetensors');
    const r = await run('search', '--model', 'mlp', '--space', 'lr=0.001,0.00001', '--epochs', '1', '--out', out, '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out[r.out.length - 1]);
    expect(res.best).toEqual({ lr: 0.001 });
    expect(res.trials).toHaveLength(2);
    expect(existsSync(out)).toBe(true);
    expect(r.out.join('\n')).toMatch(/rank\s+trial\s+lr/);
  });
});

describe('train on an image folder', () => {
  it('decodes class folders with sharp, trains, and predicts with the same preprocessing', async () => {
    const { default: sharp } = await import('sharp');
    const root = join(dir, 'shapes');
    // Two classes told apart by brightness: dark and light 12x12 RGB squares with noise.
    for (const split of ['train', 'test']) {
      for (const [cls, base] of [['dark', 40], ['light', 200]] as const) {
        const folder = join(root, split, cls);
        mkdirSync(folder, { recursive: true });
        for (let i = 0; i < (split === 'train' ? 12 : 4); i++) {
          const px = Buffer.alloc(12 * 12 * 3, 0).map((_, k) => base + ((i * 7 + k * 13) % 40));
          await sharp(px, { raw: { width: 12, height: 12, channels: 3 } }).png().toFile(join(folder, `${i}.png`));
        }
      }
    }
    const out = join(dir, 'shapes.safetensors');
    const r = await run('train', '--dataset', 'folder', '--data', root, '--model', 'mlp', '--image-size', '8', '--epochs', '8', '--batch-size', '8',
      '--validation-split', '0', '--out', out, '--no-progress', '--json');
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/mlp on folder \(24 train \/ 8 test samples/);
    expect(JSON.parse(r.out[r.out.length - 1]).testAccuracy).toBe(1);
    const p = await run('predict', join(root, 'test', 'light', '0.png'), '--model-path', out, '--json');
    expect(p.code).toBe(0);
    expect(JSON.parse(p.out[p.out.length - 1]).results[0].predictions[0].class).toBe('light');
  });
});

describe.skipIf(!hasMnist || !existsSync(resolve('dist/cli/main.js')))('bin/keel.mjs as a process', () => {
  it('exits with 2 on bad arguments and 0 on --help', () => {
    const bad = spawnSync(process.execPath, ['bin/keel.mjs', 'train', '--epochs', 'x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--epochs: expected an integer/);
    const help = execFileSync(process.execPath, ['bin/keel.mjs', '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/Usage: keel <command>/);
  });
});
