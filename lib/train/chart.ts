// Training curves as a standalone SVG (hand-written, no dependencies) or an HTML page with the
// SVG and a table of the numbers: loss and accuracy per epoch, train against validation, the best
// validation epoch marked, so over- and underfitting show at a glance. Written after each epoch
// by fit({ curves }), atomically, so a browser reloading the file never sees half of it.
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { describeValue, typeError } from '../validate.js';

/** One epoch of a training run, as fit() records it. */
export interface EpochRecord {
  /** Epoch number (fit counts from 1). */
  epoch: number;
  /** Mean training loss over the epoch. */
  trainLoss: number;
  /** Fraction in [0, 1]. */
  trainAccuracy?: number;
  valLoss?: number;
  /** Fraction in [0, 1]. */
  valAccuracy?: number;
  /** Learning rate of the first parameter group. */
  lr?: number;
  /** Wall time of the epoch, validation included. */
  seconds?: number;
  /** Training throughput. */
  samplesPerSecond?: number;
  /** Validation top-k accuracy by k (fit's topK option). */
  valTopK?: Record<number, number>;
}

export interface CurvesOptions {
  /** Heading of the chart and page (default 'Training curves'); escaped, so any text is safe. */
  title?: string;
}

// ---- input ----------------------------------------------------------------------------------

const FIELDS = ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy', 'lr', 'seconds', 'samplesPerSecond'] as const;

/**
 * Checks the history and returns it sorted by epoch. `null` is read as NaN: JSON, which resumed
 * runs come back through, writes NaN and Infinity as null, and a gap in the curve is the truth.
 */
function checkHistory(op: string, history: readonly EpochRecord[]): EpochRecord[] {
  if (!Array.isArray(history)) throw typeError(op, 'an array of epoch records', 'history', history);
  const out = history.map((r, i) => {
    if (r === null || typeof r !== 'object') throw typeError(op, 'an epoch record object', `history[${i}]`, r);
    if (typeof r.epoch !== 'number' || !Number.isFinite(r.epoch)) throw typeError(op, 'a finite number', `history[${i}].epoch`, r.epoch);
    const rec: EpochRecord = { ...r };
    for (const key of FIELDS) {
      const v = (r as unknown as Record<string, unknown>)[key];
      if (v === null) (rec as unknown as Record<string, number>)[key] = NaN;
      else if (v !== undefined && typeof v !== 'number') throw typeError(op, 'a number', `history[${i}].${key}`, v);
    }
    if (rec.trainLoss === undefined) throw typeError(op, 'a number', `history[${i}].trainLoss`, r.trainLoss);
    return rec;
  });
  return out.map((r, i) => [r, i] as const).sort((a, b) => a[0].epoch - b[0].epoch || a[1] - b[1]).map(([r]) => r);
}

/** Escapes text for XML and HTML content and attribute values. */
function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// ---- scales ---------------------------------------------------------------------------------

/** The 1-2-2.5-5 step nearest above span / target (Heckbert's "nice numbers"). */
function niceStep(span: number, target: number): number {
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
}

interface Axis {
  lo: number;
  hi: number;
  ticks: number[];
  step: number;
}

/**
 * A nice domain around [min, max] and its ticks. A flat series (or one point) gets a margin of
 * 10% of its value (or 1 at zero) instead of a zero-width domain; non-negative data never gets
 * a negative axis, and `cap` (accuracy: 1) is never exceeded by padding.
 */
function niceAxis(min: number, max: number, target: number, cap?: number): Axis {
  const nonNeg = min >= 0;
  const capped = cap !== undefined && max <= cap;
  if (!(max - min > Math.max(Math.abs(min), Math.abs(max)) * 1e-9)) {
    const pad = Math.abs(max) > 0 ? Math.abs(max) * 0.1 : 1;
    min -= pad;
    max += pad;
    if (nonNeg) min = Math.max(min, 0);
    if (capped) max = Math.min(max, cap);
  }
  const step = niceStep(max - min, target);
  let lo = Math.floor(min / step + 1e-9) * step;
  let hi = Math.ceil(max / step - 1e-9) * step;
  if (capped && hi > cap) hi = cap;
  if (nonNeg && lo < 0) lo = 0;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(k * step);
  return { lo, hi, ticks, step };
}

/** Tick labels with as many decimals as the step needs. */
function tickFormatter(step: number, percent: boolean): (v: number) => string {
  const s = percent ? step * 100 : step;
  if (s < 1e-4 || s >= 1e6) return (v) => (percent ? v * 100 : v).toPrecision(3) + (percent ? '%' : '');
  // The fewest decimals that write the step exactly (0.25 needs 2, 25 needs 0).
  let decimals = 0;
  while (decimals < 8 && Math.abs(s * 10 ** decimals - Math.round(s * 10 ** decimals)) > 1e-6 * s * 10 ** decimals) decimals++;
  return (v) => {
    const text = (percent ? v * 100 : v).toFixed(decimals);
    return (/^-0(\.0*)?$/.test(text) ? text.slice(1) : text) + (percent ? '%' : '');
  };
}

function formatValue(v: number, percent: boolean): string {
  if (!Number.isFinite(v)) return String(v);
  if (percent) return `${(v * 100).toFixed(2)}%`;
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

// ---- drawing --------------------------------------------------------------------------------

const COLORS = { train: '#1f77b4', val: '#ff7f0e', best: '#2ca02c', bad: '#d62728', grid: '#e5e5e5', axis: '#444', text: '#222', muted: '#666' };
const PANEL_W = 470, PANEL_H = 300;
const MARGIN = { left: 62, right: 18, top: 30, bottom: 56 };
const HEADER_H = 64;
/** Points get a dot up to this many epochs; beyond it the dots crowd the line. */
const MAX_DOTS = 40;

const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

interface Series {
  name: 'train' | 'val';
  points: [number, number | undefined][];
}

interface Panel {
  title: string;
  yLabel: string;
  series: Series[];
  /** Which validation value is best. */
  better: 'min' | 'max';
  percent: boolean;
}

/** The best finite validation value (first epoch on ties), if any. */
function bestPoint(panel: Panel): [number, number] | undefined {
  const val = panel.series.find((s) => s.name === 'val');
  let best: [number, number] | undefined;
  for (const [e, v] of val?.points ?? []) {
    if (v === undefined || !Number.isFinite(v)) continue;
    if (best === undefined || (panel.better === 'min' ? v < best[1] : v > best[1])) best = [e, v];
  }
  return best;
}

function drawPanel(panel: Panel, x0: number, y0: number, xAxis: Axis): string {
  const pw = PANEL_W - MARGIN.left - MARGIN.right, ph = PANEL_H - MARGIN.top - MARGIN.bottom;
  const left = x0 + MARGIN.left, top = y0 + MARGIN.top, bottom = top + ph, right = left + pw;
  const inset = 8; // keeps end points and markers off the axes
  const finite = panel.series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const hasData = finite.length > 0;
  const allUnit = finite.every((v) => v >= 0 && v <= 1);
  const percent = panel.percent && allUnit;
  const yAxis = hasData ? niceAxis(finite.reduce((a, b) => Math.min(a, b)), finite.reduce((a, b) => Math.max(a, b)), 5, percent ? 1 : undefined) : niceAxis(0, 1, 5);
  const sx = (e: number): number => left + inset + ((e - xAxis.lo) / (xAxis.hi - xAxis.lo)) * (pw - 2 * inset);
  const sy = (v: number): number => bottom - ((v - yAxis.lo) / (yAxis.hi - yAxis.lo)) * ph;
  const fmtY = tickFormatter(yAxis.step, percent);
  const fmtX = tickFormatter(xAxis.step, false);
  const out: string[] = [`<g class="panel" data-metric="${escapeXml(panel.yLabel)}">`];
  out.push(`<text x="${f1(left)}" y="${f1(y0 + 18)}" font-size="14" font-weight="600" fill="${COLORS.text}">${escapeXml(panel.title)}</text>`);
  // Grid and ticks.
  for (const t of yAxis.ticks) {
    const y = f1(sy(t));
    out.push(`<line x1="${f1(left)}" x2="${f1(right)}" y1="${y}" y2="${y}" stroke="${COLORS.grid}"/>`);
    out.push(`<text x="${f1(left - 6)}" y="${y}" dy="0.32em" text-anchor="end" fill="${COLORS.muted}">${fmtY(t)}</text>`);
  }
  for (const t of xAxis.ticks) {
    const x = f1(sx(t));
    out.push(`<line x1="${x}" x2="${x}" y1="${f1(bottom)}" y2="${f1(bottom + 5)}" stroke="${COLORS.axis}"/>`);
    out.push(`<text x="${x}" y="${f1(bottom + 18)}" text-anchor="middle" fill="${COLORS.muted}">${fmtX(t)}</text>`);
  }
  out.push(`<path d="M${f1(left)},${f1(top)}V${f1(bottom)}H${f1(right)}" fill="none" stroke="${COLORS.axis}"/>`);
  out.push(`<text x="${f1((left + right) / 2)}" y="${f1(bottom + 36)}" text-anchor="middle" fill="${COLORS.text}">epoch</text>`);
  out.push(`<text transform="translate(${f1(x0 + 16)},${f1((top + bottom) / 2)}) rotate(-90)" text-anchor="middle" fill="${COLORS.text}">${escapeXml(panel.yLabel)}${percent ? ' (%)' : ''}</text>`);
  if (!hasData) {
    out.push(`<text x="${f1((left + right) / 2)}" y="${f1((top + bottom) / 2)}" text-anchor="middle" fill="${COLORS.muted}">no finite values yet</text>`);
  }
  // Best validation epoch: a guide line first, so the curves draw over it.
  const best = bestPoint(panel);
  if (best !== undefined) {
    const x = f1(sx(best[0]));
    out.push(`<line class="best-guide" x1="${x}" x2="${x}" y1="${f1(top)}" y2="${f1(bottom)}" stroke="${COLORS.best}" stroke-dasharray="4 3"/>`);
  }
  // Curves: undefined (not measured that epoch) is bridged; NaN / Infinity (diverged) breaks the
  // line and is flagged with a red cross on the top edge.
  const bad = new Set<number>();
  for (const s of panel.series) {
    const color = COLORS[s.name];
    const segments: [number, number][][] = [[]];
    for (const [e, v] of s.points) {
      if (v === undefined) continue;
      if (!Number.isFinite(v)) {
        bad.add(e);
        if (segments[segments.length - 1].length > 0) segments.push([]);
        continue;
      }
      segments[segments.length - 1].push([sx(e), sy(v)]);
    }
    const measured = s.points.filter((p) => p[1] !== undefined && Number.isFinite(p[1])).length;
    for (const seg of segments) {
      if (seg.length === 0) continue;
      out.push(`<polyline class="series ${s.name}" points="${seg.map(([x, y]) => `${f1(x)},${f1(y)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`);
      // A lone point is invisible as a line; every point gets a dot while they do not crowd.
      if (seg.length === 1 || measured <= MAX_DOTS) {
        for (const [x, y] of seg) out.push(`<circle class="point ${s.name}" cx="${f1(x)}" cy="${f1(y)}" r="2.5" fill="${color}"/>`);
      }
    }
  }
  for (const e of [...bad].sort((a, b) => a - b)) {
    const x = sx(e), y = top + 6;
    out.push(`<path class="non-finite" d="M${f1(x - 4)},${f1(y - 4)}L${f1(x + 4)},${f1(y + 4)}M${f1(x - 4)},${f1(y + 4)}L${f1(x + 4)},${f1(y - 4)}" stroke="${COLORS.bad}" stroke-width="2"/>`);
  }
  if (best !== undefined) {
    const x = sx(best[0]), y = sy(best[1]);
    out.push(`<circle class="best" cx="${f1(x)}" cy="${f1(y)}" r="6" fill="none" stroke="${COLORS.best}" stroke-width="2.5"/>`);
    // Label along the guide line at the far end from the best value: curves sit low where the
    // loss is best and high where the accuracy is, so that end is usually empty.
    const anchor = x > left + pw / 2 ? 'end' : 'start';
    const lx = anchor === 'end' ? x - 6 : x + 6;
    const ly = panel.better === 'min' ? top + 24 : bottom - 10;
    out.push(`<text class="best-label" x="${f1(lx)}" y="${f1(ly)}" text-anchor="${anchor}" fill="${COLORS.best}" font-weight="600" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">best val ${formatValue(best[1], percent)} @ ${fmtEpoch(best[0])}</text>`);
  }
  if (bad.size > 0) {
    const epochs = [...bad].sort((a, b) => a - b).map(fmtEpoch);
    const list = epochs.length > 6 ? `${epochs.slice(0, 6).join(', ')}, …` : epochs.join(', ');
    out.push(`<text class="non-finite-note" x="${f1(right)}" y="${f1(bottom + 36)}" text-anchor="end" fill="${COLORS.bad}" font-size="11">NaN/Inf at epoch ${list}</text>`);
  }
  out.push('</g>');
  return out.join('\n');
}

function fmtEpoch(e: number): string {
  return Number.isInteger(e) ? String(e) : String(Math.round(e * 1000) / 1000);
}

function legend(x: number, y: number, items: { label: string; draw: string }[]): string {
  let cx = x;
  const out: string[] = ['<g class="legend">'];
  for (const it of items) {
    out.push(it.draw.replaceAll('{x}', f1(cx)).replaceAll('{y}', f1(y)).replaceAll('{x2}', f1(cx + 22)).replaceAll('{xm}', f1(cx + 11)));
    out.push(`<text x="${f1(cx + 28)}" y="${f1(y)}" dy="0.32em" fill="${COLORS.text}">${escapeXml(it.label)}</text>`);
    cx += 36 + it.label.length * 6.5;
  }
  out.push('</g>');
  return out.join('\n');
}

/**
 * Loss and accuracy per epoch as a standalone SVG document: train against validation, the
 * best validation epoch circled, NaN / Infinity values left out (with a red cross at their
 * epoch). Accuracy gets its panel only when some epoch records one.
 *
 * @example
 * const svg = keel.train.renderCurvesSvg(result.history, { title: 'resnet20 / CIFAR-10' });
 */
export function renderCurvesSvg(history: readonly EpochRecord[], options: CurvesOptions = {}): string {
  return svgFor(checkHistory('renderCurvesSvg', history), checkTitle('renderCurvesSvg', options));
}

function checkTitle(op: string, options: CurvesOptions): string {
  if (options === null || typeof options !== 'object') throw typeError(op, 'an options object', 'options', options);
  const { title = 'Training curves' } = options;
  if (typeof title !== 'string') throw typeError(op, 'a string', 'title', title);
  return title;
}

function svgFor(records: EpochRecord[], title: string): string {
  const epochs = records.map((r) => r.epoch);
  const series = (key: keyof EpochRecord): [number, number | undefined][] => records.map((r) => [r.epoch, r[key] as number | undefined]);
  const has = (key: keyof EpochRecord): boolean => records.some((r) => r[key] !== undefined);
  const panels: Panel[] = [{
    title: 'Loss', yLabel: 'loss', better: 'min', percent: false,
    series: [{ name: 'train', points: series('trainLoss') }, ...(has('valLoss') ? [{ name: 'val' as const, points: series('valLoss') }] : [])],
  }];
  if (has('trainAccuracy') || has('valAccuracy')) {
    panels.push({
      title: 'Accuracy', yLabel: 'accuracy', better: 'max', percent: true,
      series: [
        ...(has('trainAccuracy') ? [{ name: 'train' as const, points: series('trainAccuracy') }] : []),
        ...(has('valAccuracy') ? [{ name: 'val' as const, points: series('valAccuracy') }] : []),
      ],
    });
  }
  // Epochs are whole numbers in practice: integer ticks then, at least 1 apart.
  let xAxis: Axis;
  if (epochs.length === 0) xAxis = { lo: 0, hi: 2, ticks: [1], step: 1 };
  else {
    const lo = epochs[0], hi = epochs[epochs.length - 1]; // sorted
    if (lo === hi) xAxis = { lo: lo - 1, hi: hi + 1, ticks: [lo], step: 1 };
    else {
      const step = epochs.every(Number.isInteger) ? Math.max(1, Math.round(niceStep(hi - lo, 8))) : niceStep(hi - lo, 8);
      const ticks: number[] = [];
      for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9; k++) ticks.push(k * step);
      xAxis = { lo, hi, ticks, step };
    }
  }
  const width = panels.length * PANEL_W, height = HEADER_H + PANEL_H;
  const hasVal = panels.some((p) => p.series.some((s) => s.name === 'val'));
  const items = [{ label: 'train', draw: `<line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="${COLORS.train}" stroke-width="2"/>` }];
  if (hasVal) {
    items.push({ label: 'validation', draw: `<line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="${COLORS.val}" stroke-width="2"/>` });
    items.push({ label: 'best validation epoch', draw: `<circle cx="{xm}" cy="{y}" r="5" fill="none" stroke="${COLORS.best}" stroke-width="2.5"/>` });
  }
  if (records.length === 0) items.length = 0;
  const subtitle = records.length === 0 ? 'no epochs yet' : `${records.length} epoch${records.length === 1 ? '' : 's'}`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text class="title" x="${MARGIN.left}" y="26" font-size="17" font-weight="700" fill="${COLORS.text}">${escapeXml(title)}</text>`,
    `<text x="${width - MARGIN.right}" y="26" text-anchor="end" fill="${COLORS.muted}">${subtitle}</text>`,
    legend(MARGIN.left, 48, items),
    ...panels.map((p, i) => drawPanel(p, i * PANEL_W, HEADER_H, xAxis)),
    '</svg>',
  ];
  return out.join('\n') + '\n';
}

// ---- HTML -----------------------------------------------------------------------------------

/**
 * A self-contained HTML page (no scripts, no external files): the curves SVG, a summary of the
 * best validation epochs, and a table of every epoch's numbers.
 *
 * @example
 * writeFileSync('curves.html', keel.train.renderCurvesHtml(result.history, { title: 'mnist mlp' }));
 */
export function renderCurvesHtml(history: readonly EpochRecord[], options: CurvesOptions = {}): string {
  const op = 'renderCurvesHtml';
  const records = checkHistory(op, history);
  const title = checkTitle(op, options);
  const has = (key: keyof EpochRecord): boolean => records.some((r) => r[key] !== undefined);
  const topKs = [...new Set(records.flatMap((r) => Object.keys(r.valTopK ?? {}).map(Number)))].filter((k) => k !== 1).sort((a, b) => a - b);
  const bestOf = (key: 'valLoss' | 'valAccuracy', better: 'min' | 'max'): EpochRecord | undefined => {
    let best: EpochRecord | undefined;
    for (const r of records) {
      const v = r[key];
      if (v === undefined || !Number.isFinite(v)) continue;
      if (best === undefined || (better === 'min' ? v < best[key]! : v > best[key]!)) best = r;
    }
    return best;
  };
  const bestLoss = bestOf('valLoss', 'min'), bestAcc = bestOf('valAccuracy', 'max');
  const num = (v: number | undefined, f: (v: number) => string): string => (v === undefined ? '' : Number.isFinite(v) ? f(v) : `<span class="bad">${v}</span>`);
  const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
  const loss = (v: number): string => formatValue(v, false);
  type Column = { head: string; cell: (r: EpochRecord) => string; show: boolean };
  const allColumns: Column[] = [
    { head: 'epoch', cell: (r) => escapeXml(fmtEpoch(r.epoch)), show: true },
    { head: 'train loss', cell: (r) => num(r.trainLoss, loss), show: true },
    { head: 'train acc', cell: (r) => num(r.trainAccuracy, pct), show: has('trainAccuracy') },
    { head: 'val loss', cell: (r) => (r === bestLoss ? `<b>${num(r.valLoss, loss)}</b>` : num(r.valLoss, loss)), show: has('valLoss') },
    { head: 'val acc', cell: (r) => (r === bestAcc ? `<b>${num(r.valAccuracy, pct)}</b>` : num(r.valAccuracy, pct)), show: has('valAccuracy') },
    ...topKs.map((k) => ({ head: `val top-${k}`, cell: (r: EpochRecord) => num(r.valTopK?.[k], pct), show: true })),
    { head: 'lr', cell: (r) => num(r.lr, (v) => v.toExponential(2)), show: has('lr') },
    { head: 'seconds', cell: (r) => num(r.seconds, (v) => v.toFixed(1)), show: has('seconds') },
    { head: 'samples/s', cell: (r) => num(r.samplesPerSecond, (v) => Math.round(v).toLocaleString('en-US')), show: has('samplesPerSecond') },
  ];
  const columns = allColumns.filter((c) => c.show);
  const highlight = bestLoss ?? bestAcc;
  const rows = records.map((r) => `<tr${r === highlight ? ' class="best"' : ''}>${columns.map((c) => `<td>${c.cell(r)}</td>`).join('')}</tr>`);
  const summary: string[] = [];
  if (bestLoss) summary.push(`best validation loss <b>${formatValue(bestLoss.valLoss!, false)}</b> at epoch ${escapeXml(fmtEpoch(bestLoss.epoch))}`);
  if (bestAcc) summary.push(`best validation accuracy <b>${pct(bestAcc.valAccuracy!)}</b> at epoch ${escapeXml(fmtEpoch(bestAcc.epoch))}`);
  const last = records[records.length - 1];
  if (last && (bestLoss || bestAcc) && (highlight!.epoch !== last.epoch)) {
    summary.push(`${escapeXml(fmtEpoch(last.epoch - highlight!.epoch))} epoch(s) since the best`);
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>
body { font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 12px; }
.chart svg { max-width: 100%; height: auto; border: 1px solid #eee; }
p.summary { margin: 12px 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { padding: 4px 10px; text-align: right; border-bottom: 1px solid #eee; }
th { background: #f6f6f6; position: sticky; top: 0; }
tr.best td { background: #e8f5e9; }
.bad { color: #d62728; }
</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<div class="chart">
${svgFor(records, title).trimEnd()}
</div>
<p class="summary">${summary.length > 0 ? summary.join('; ') + '.' : records.length === 0 ? 'No epochs yet.' : 'No validation data.'}</p>
<table>
<thead><tr>${columns.map((c) => `<th>${escapeXml(c.head)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</body>
</html>
`;
}

/**
 * Writes the curves to `path`: an SVG for `.svg`, an HTML page for `.html` / `.htm`. The file is
 * written beside the target and renamed over it, so a reader sees the old or the new file, never
 * a partial one.
 *
 * @example
 * await keel.train.writeCurves('runs/mnist/curves.html', history, { title: 'mnist' });
 */
export async function writeCurves(path: string, history: readonly EpochRecord[], options: CurvesOptions = {}): Promise<void> {
  const op = 'writeCurves';
  if (typeof path !== 'string' || path === '') throw typeError(op, 'a file path', 'path', path);
  const ext = extname(path).toLowerCase();
  let text: string;
  if (ext === '.svg') text = svgFor(checkHistory(op, history), checkTitle(op, options));
  else if (ext === '.html' || ext === '.htm') text = renderCurvesHtml(history, options);
  else throw new RangeError(`${op}: cannot tell the format of '${path}' from its extension ${describeValue(ext || '(none)')}; use .svg or .html`);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new Error(`${op}: cannot write '${path}': ${(err as Error).message}`);
  }
}
