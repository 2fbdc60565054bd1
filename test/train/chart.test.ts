// Training-curve charts: well-formed SVG / HTML (balanced tags, finite coordinates, escaped text),
// one polyline per series run, the best validation epoch marked, and the edge cases a real run
// produces: NaN / Infinity, null from JSON, one epoch, no validation, no accuracy, flat curves,
// no epochs yet. writeCurves picks the format by extension and replaces the file atomically.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCurvesHtml, renderCurvesSvg, writeCurves } from '../../lib/train/chart.js';
import type { EpochRecord } from '../../lib/train/chart.js';

const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/**
 * Throws unless every tag is closed in order, no '<' or '>' is left in text, and every '&'
 * starts an entity: enough to catch broken markup and unescaped user text.
 */
function checkWellFormed(doc: string): void {
  const body = doc.replace(/^<!DOCTYPE html>/i, '');
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m !== null; m = tag.exec(body)) {
    const text = body.slice(last, m.index);
    if (/[<>]/.test(text)) throw new Error(`stray '<' or '>' in text before offset ${m.index}: ${JSON.stringify(text.slice(0, 80))}`);
    if (/&(?!(amp|lt|gt|quot|#39);)/.test(text + m[3])) throw new Error(`bare '&' near offset ${m.index}`);
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (selfClose || (!close && VOID.has(name.toLowerCase()))) continue;
    if (!close) stack.push(name);
    else if (stack.pop() !== name) throw new Error(`</${name}> at offset ${m.index} closes the wrong element (open: ${stack.join(' > ')})`);
  }
  if (/[<>]/.test(body.slice(last))) throw new Error('stray < or > after the last tag');
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(' > ')}`);
}

/** Every numeric attribute (coordinates, sizes, points) must be a finite number. */
function checkCoordinates(svg: string): void {
  for (const m of svg.matchAll(/\s(x|y|x1|x2|y1|y2|cx|cy|r|width|height)="([^"]*)"/g)) {
    expect(Number.isFinite(Number(m[2])), `${m[1]}="${m[2]}"`).toBe(true);
  }
  for (const m of svg.matchAll(/points="([^"]*)"/g)) {
    for (const pair of m[1].split(' ')) for (const v of pair.split(',')) expect(Number.isFinite(Number(v)), `points ${m[1]}`).toBe(true);
  }
  for (const m of svg.matchAll(/\sd="([^"]*)"/g)) expect(m[1]).not.toMatch(/NaN|Infinity/);
}

function polylines(svg: string, series: 'train' | 'val'): string[][] {
  return [...svg.matchAll(new RegExp(`<polyline class="series ${series}" points="([^"]*)"`, 'g'))].map((m) => m[1].split(' '));
}

function panels(svg: string): string[] {
  return svg.split('<g class="panel"').slice(1);
}

function check(svg: string): void {
  checkWellFormed(svg);
  checkCoordinates(svg);
}

// Over-fitting run: validation loss bottoms out at epoch 3, accuracy peaks at epoch 4.
const run: EpochRecord[] = [
  { epoch: 1, trainLoss: 1.2, trainAccuracy: 0.6, valLoss: 1.0, valAccuracy: 0.7, lr: 0.1, seconds: 3.2, samplesPerSecond: 1234.5, valTopK: { 1: 0.7, 5: 0.95 } },
  { epoch: 2, trainLoss: 0.6, trainAccuracy: 0.8, valLoss: 0.5, valAccuracy: 0.85, lr: 0.1, seconds: 3.1, samplesPerSecond: 1300, valTopK: { 1: 0.85, 5: 0.97 } },
  { epoch: 3, trainLoss: 0.3, trainAccuracy: 0.9, valLoss: 0.2, valAccuracy: 0.9, lr: 0.01, seconds: 3.0, samplesPerSecond: 1310, valTopK: { 1: 0.9, 5: 0.99 } },
  { epoch: 4, trainLoss: 0.1, trainAccuracy: 0.97, valLoss: 0.35, valAccuracy: 0.91, lr: 0.01, seconds: 3.0, samplesPerSecond: 1320, valTopK: { 1: 0.91, 5: 0.99 } },
  { epoch: 5, trainLoss: 0.05, trainAccuracy: 0.99, valLoss: 0.6, valAccuracy: 0.88, lr: 0.001, seconds: 3.1, samplesPerSecond: 1290, valTopK: { 1: 0.88, 5: 0.98 } },
];

describe('renderCurvesSvg', () => {
  it('draws loss and accuracy, train and validation, and marks the best validation epochs', () => {
    const svg = renderCurvesSvg(run, { title: 'mnist mlp' });
    check(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<title>mnist mlp</title>');
    const [loss, acc] = panels(svg);
    expect(panels(svg)).toHaveLength(2);
    for (const p of [loss, acc]) {
      expect(polylines(p, 'train')).toHaveLength(1);
      expect(polylines(p, 'val')).toHaveLength(1);
      expect(polylines(p, 'train')[0]).toHaveLength(5);
      expect(p.match(/<circle class="best"/g)).toHaveLength(1);
      expect(p).toContain('class="best-guide"');
    }
    expect(loss).toContain('best val 0.2000 @ 3');
    expect(acc).toContain('best val 91.00% @ 4');
    expect(acc).toContain('accuracy (%)');
    // The best loss epoch is circled at the lowest validation point, which is drawn lowest (max y).
    const valPts = polylines(loss, 'val')[0].map((p) => p.split(',').map(Number));
    const lowest = valPts.reduce((a, b) => (b[1] > a[1] ? b : a));
    const circle = /<circle class="best" cx="([^"]+)" cy="([^"]+)"/.exec(loss)!;
    expect([Number(circle[1]), Number(circle[2])]).toEqual(lowest);
    // x grows with the epoch, in both panels alike.
    const xs = valPts.map((p) => p[0]);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect(svg).toMatch(/>train</);
    expect(svg).toMatch(/>validation</);
    expect(svg).toMatch(/>epoch</);
  });

  it('sorts the records by epoch', () => {
    expect(renderCurvesSvg([...run].reverse())).toBe(renderCurvesSvg(run));
  });

  it('breaks the line at NaN / Infinity (and JSON null), bridges epochs not measured', () => {
    const h: EpochRecord[] = run.map((r) => ({ ...r }));
    h[1].trainLoss = NaN;
    h[3].trainLoss = Infinity;
    (h[2] as any).valLoss = null; // NaN after a JSON round trip
    delete h[1].valAccuracy; // validation skipped that epoch
    const svg = renderCurvesSvg(h);
    check(svg);
    const [loss, acc] = panels(svg);
    expect(polylines(loss, 'train').map((l) => l.length)).toEqual([1, 1, 1]);
    expect(polylines(loss, 'val').map((l) => l.length)).toEqual([2, 2]);
    expect(polylines(acc, 'val').map((l) => l.length)).toEqual([4]);
    expect(loss.match(/class="non-finite"/g)).toHaveLength(3);
    expect(loss).toContain('NaN/Inf at epoch 2, 3, 4');
    expect(loss).toContain('best val 0.3500 @ 4'); // the NaN epoch is not "best"
    expect(acc).not.toContain('non-finite');
  });

  it('one epoch: a dot, and a sane axis', () => {
    const svg = renderCurvesSvg([{ epoch: 1, trainLoss: 0.7, valLoss: 0.8, trainAccuracy: 0.5, valAccuracy: 0.4 }]);
    check(svg);
    for (const p of panels(svg)) {
      expect(polylines(p, 'train')).toEqual([[expect.any(String)]]);
      expect(p).toMatch(/<circle class="point train"/);
      expect(p).toMatch(/<circle class="best"/);
    }
    expect(svg).toContain('1 epoch<');
  });

  it('no validation, no accuracy: one loss panel, no best marker', () => {
    const svg = renderCurvesSvg([{ epoch: 1, trainLoss: 2 }, { epoch: 2, trainLoss: 1 }, { epoch: 3, trainLoss: 0.5 }]);
    check(svg);
    expect(panels(svg)).toHaveLength(1);
    expect(svg).toContain('width="470"');
    expect(polylines(svg, 'train')).toHaveLength(1);
    expect(polylines(svg, 'val')).toHaveLength(0);
    expect(svg).not.toContain('class="best');
    expect(svg).not.toMatch(/>validation</);
  });

  it('flat curves and all-equal epochs do not divide by zero', () => {
    const flat = [1, 2, 3].map((epoch) => ({ epoch, trainLoss: 0, valLoss: 0, trainAccuracy: 1, valAccuracy: 1 }));
    const svg = renderCurvesSvg(flat);
    check(svg);
    const [, acc] = panels(svg);
    expect(acc).toContain('>100%<');
    expect(acc).not.toContain('>110%<'); // padding never pushes accuracy past 100%
    check(renderCurvesSvg([{ epoch: 2, trainLoss: 5 }, { epoch: 2, trainLoss: 5 }]));
    check(renderCurvesSvg([{ epoch: 1, trainLoss: 1e-12 }, { epoch: 2, trainLoss: 1e-12 * (1 + 1e-15) }]));
    check(renderCurvesSvg([{ epoch: 1, trainLoss: 3e7 }, { epoch: 2, trainLoss: 1e8 }]));
    check(renderCurvesSvg([{ epoch: 0.5, trainLoss: -1 }, { epoch: 1.25, trainLoss: -2 }]));
  });

  it('every value non-finite, or no epochs yet: empty axes with a note', () => {
    const svg = renderCurvesSvg([{ epoch: 1, trainLoss: NaN }, { epoch: 2, trainLoss: Infinity }]);
    check(svg);
    expect(svg).toContain('no finite values yet');
    const empty = renderCurvesSvg([]);
    check(empty);
    expect(empty).toContain('no epochs yet');
    expect(polylines(empty, 'train')).toHaveLength(0);
  });

  it('many epochs: ticks stay few and dots are dropped', () => {
    const long = Array.from({ length: 500 }, (_, i) => ({ epoch: i + 1, trainLoss: 1 / (i + 1), valLoss: 1.5 / (i + 1) }));
    const svg = renderCurvesSvg(long);
    check(svg);
    expect(svg).not.toContain('class="point');
    expect((svg.match(/text-anchor="middle" fill="#666">\d+</g) ?? []).length).toBeLessThanOrEqual(12);
    expect(svg).toContain('>100<'); // integer epochs, no '100.0'
    expect(svg).not.toMatch(/text-anchor="middle" fill="#666">\d+\.\d+</);
    // A 2.5-step axis keeps the decimal it needs and no more.
    const fine = renderCurvesSvg([{ epoch: 1, trainLoss: 0.9, trainAccuracy: 0.88 }, { epoch: 2, trainLoss: 1, trainAccuracy: 0.99 }]);
    expect(fine).toContain('>92.5%<');
    expect(fine).toContain('>95.0%<');
  });

  it('escapes the title', () => {
    const title = `<script>alert("x")</script> & 'co'`;
    const svg = renderCurvesSvg(run, { title });
    check(svg);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
  });

  it('checks its input', () => {
    expect(() => renderCurvesSvg({} as any)).toThrow('renderCurvesSvg: expected an array of epoch records for history but received an object');
    expect(() => renderCurvesSvg([{ epoch: NaN, trainLoss: 1 }])).toThrow('renderCurvesSvg: expected a finite number for history[0].epoch but received NaN of type number');
    expect(() => renderCurvesSvg([{ epoch: 1, trainLoss: 1 }, { epoch: 2, trainLoss: 1, valLoss: '0.5' as any }])).toThrow("expected a number for history[1].valLoss but received '0.5' of type string");
    expect(() => renderCurvesSvg([{ epoch: 1 } as any])).toThrow('expected a number for history[0].trainLoss but received undefined');
    expect(() => renderCurvesSvg([], { title: 3 as any })).toThrow('expected a string for title');
  });
});

describe('renderCurvesHtml', () => {
  it('is a self-contained page with the chart and a table of every epoch', () => {
    const html = renderCurvesHtml(run, { title: 'run <1>' });
    checkWellFormed(html);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|href=/);
    expect(html).toContain('<title>run &lt;1&gt;</title>');
    expect(html).toContain('<h1>run &lt;1&gt;</h1>');
    expect(html).toContain('<svg xmlns');
    const head = /<thead><tr>(.*)<\/tr><\/thead>/.exec(html)![1];
    expect([...head.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1])).toEqual(['epoch', 'train loss', 'train acc', 'val loss', 'val acc', 'val top-5', 'lr', 'seconds', 'samples/s']);
    const rows = [...html.matchAll(/<tr( class="best")?><td>/g)];
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => Boolean(r[1]))).toEqual([false, false, true, false, false]);
    expect(html).toContain('<tr class="best"><td>3</td><td>0.3000</td><td>90.00%</td><td><b>0.2000</b></td><td>90.00%</td><td>99.00%</td><td>1.00e-2</td><td>3.0</td><td>1,310</td></tr>');
    expect(html).toContain('best validation loss <b>0.2000</b> at epoch 3; best validation accuracy <b>91.00%</b> at epoch 4; 2 epoch(s) since the best.');
  });

  it('shows missing values as empty cells and non-finite ones flagged', () => {
    const html = renderCurvesHtml([{ epoch: 1, trainLoss: NaN }, { epoch: 2, trainLoss: 0.5, lr: 0.1 }]);
    checkWellFormed(html);
    expect(html).toContain('<td>1</td><td><span class="bad">NaN</span></td><td></td>');
    expect(html).toContain('No validation data.');
    expect(renderCurvesHtml([])).toContain('No epochs yet.');
  });

  it('escapes the title', () => {
    const html = renderCurvesHtml(run, { title: '</title><script>alert(1)</script>' });
    checkWellFormed(html);
    expect(html).not.toContain('<script');
  });
});

const dir = mkdtempSync(join(tmpdir(), 'keel-chart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeCurves', () => {
  it('picks SVG or HTML by extension and replaces the file, leaving no temporary file', async () => {
    const svgPath = join(dir, 'curves.svg'), htmlPath = join(dir, 'Curves.HTML');
    writeFileSync(svgPath, 'old');
    await writeCurves(svgPath, run, { title: 't' });
    await writeCurves(htmlPath, run, { title: 't' });
    expect(readFileSync(svgPath, 'utf8')).toBe(renderCurvesSvg(run, { title: 't' }));
    expect(readFileSync(htmlPath, 'utf8')).toBe(renderCurvesHtml(run, { title: 't' }));
    await writeCurves(svgPath, run.slice(0, 2));
    expect(readFileSync(svgPath, 'utf8')).toBe(renderCurvesSvg(run.slice(0, 2)));
    expect(readdirSync(dir).sort()).toEqual(['Curves.HTML', 'curves.svg']);
  });

  it('rejects other extensions and reports write failures', async () => {
    await expect(writeCurves(join(dir, 'c.png'), run)).rejects.toThrow(`writeCurves: cannot tell the format of '${join(dir, 'c.png')}' from its extension '.png' of type string; use .svg or .html`);
    await expect(writeCurves(join(dir, 'curves'), run)).rejects.toThrow(/use \.svg or \.html/);
    const missing = join(dir, 'no', 'such', 'dir', 'c.svg');
    await expect(writeCurves(missing, run)).rejects.toThrow(`writeCurves: cannot write '${missing}'`);
    expect(existsSync(join(dir, 'no'))).toBe(false);
    await expect(writeCurves(join(dir, 'x.svg'), [{ epoch: 'a' } as any])).rejects.toThrow('writeCurves: expected a finite number for history[0].epoch');
  });
});

const hasSharp = (() => {
  try {
    createRequire(import.meta.url).resolve('sharp');
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasSharp)('renderCurvesSvg with a real SVG renderer (librsvg, through sharp)', () => {
  it('rasterizes at the declared size, with ink in both panels', async () => {
    const { default: sharp } = await import('sharp');
    const svg = renderCurvesSvg(run);
    const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([940, 364]);
    // The validation orange (#ff7f0e) is drawn in both halves.
    const orange = (x0: number, x1: number): number => {
      let n = 0;
      for (let y = 0; y < info.height; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * info.width + x) * 3;
          if (data[i] > 230 && Math.abs(data[i + 1] - 127) < 30 && data[i + 2] < 60) n++;
        }
      }
      return n;
    };
    expect(orange(0, 470)).toBeGreaterThan(50);
    expect(orange(470, 940)).toBeGreaterThan(50);
  });
});
