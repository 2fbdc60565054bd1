// The suite's reports from a results document (run.mjs writes it): a Markdown table with the
// ratio Keel/peer per workload, and an SVG bar chart of the same ratios.
//
// Ratio Keel/peer is Keel's speed over the peer's: 2.0 means Keel does the work in half the
// time (or at twice the rate), 0.5 means the peer is twice as fast. For rows at 2 threads
// PyTorch's figure is the best of its three thread settings (named in the cell), since on two
// cores any of them may win; elsewhere every framework runs at the row's thread count.
//
// Run directly, it rewrites the .md and .svg of a results file:
//   node benchmarks/suite/report.mjs benchmarks/results/<date>.json
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { higherIsBetter } from './workloads.mjs';

export const FRAMEWORKS = [
  { id: 'keel', label: 'Keel', color: '#222222' },
  { id: 'pytorch', label: 'PyTorch', color: '#ee4c2c' },
  { id: 'numpy', label: 'NumPy (OpenBLAS)', color: '#4d77cf' },
  { id: 'onnxruntime', label: 'ONNX Runtime', color: '#7f7f7f' },
  { id: 'tfjs-node', label: 'TF.js node', color: '#ff8f00' },
  { id: 'tfjs-wasm', label: 'TF.js WASM', color: '#ffb74d' },
  { id: 'tfjs-cpu', label: 'TF.js CPU', color: '#e6c300' },
  { id: 'brainjs', label: 'brain.js', color: '#8e44ad' },
];

export function formatValue(v, metric) {
  if (v === null || !Number.isFinite(v)) return '?';
  if (metric === 'ms') return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
  return v >= 1000 ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function formatRatio(r) {
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

/** Rows (workload x threads) with each framework's chosen entry, ratios and notes. */
export function tableRows(doc) {
  const byKey = new Map();
  for (const r of doc.results) {
    const k = `${r.framework}|${r.workload}`;
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k).push(r);
  }
  const rows = [];
  for (const w of doc.workloads) {
    for (const threads of w.threads) {
      const better = (a, b) => (higherIsBetter(w) ? a.value > b.value : a.value < b.value);
      const cells = {};
      for (const f of FRAMEWORKS) {
        const entries = (byKey.get(`${f.id}|${w.name}`) ?? [])
          // PyTorch at 2 threads: the best of its settings, its 1-thread one included.
          .filter((e) => (f.id === 'pytorch' && threads === 2 ? e.threads <= 2 : e.threads === threads));
        if (!entries.length) continue;
        const measured = entries.filter((e) => e.value !== null);
        if (!measured.length) { cells[f.id] = { status: entries[0].status, reason: entries[0].reason }; continue; }
        // A copy: one entry can serve two rows (PyTorch 1T in both), each with its own ratio.
        cells[f.id] = { ...measured.reduce((best, e) => (better(e, best) ? e : best)) };
      }
      if (!cells.keel) continue;
      const keel = cells.keel.value ?? null;
      for (const [id, c] of Object.entries(cells)) {
        if (id === 'keel' || c.value == null || keel === null) continue;
        c.ratio = higherIsBetter(w) ? keel / c.value : c.value / keel;
      }
      rows.push({ workload: w, threads, cells });
    }
  }
  return rows;
}

function settingLabel(e) {
  return e.setting ? (e.framework === 'tfjs-node' ? '' : `, ${e.setting}`) : '';
}

export function markdownReport(doc) {
  const rows = tableRows(doc);
  const present = FRAMEWORKS.filter((f) => rows.some((r) => r.cells[f.id]));
  const peers = present.filter((f) => f.id !== 'keel');
  const notes = [];
  const note = (text) => {
    let i = notes.indexOf(text);
    if (i < 0) { notes.push(text); i = notes.length - 1; }
    return i + 1;
  };
  const cell = (c, metric, isKeel) => {
    if (!c) return '—';
    if (c.value == null) return `${c.status} [${note(c.reason)}]`;
    const warn = c.checkOk === false ? ' ⚠' : '';
    if (isKeel) return `**${formatValue(c.value, metric)}**`;
    return `${formatValue(c.value, metric)} (×${formatRatio(c.ratio)}${settingLabel(c)})${warn}`;
  };
  const m = doc.machine;
  const lines = [];
  lines.push(`## Keel benchmark suite — ${doc.run.date}${doc.run.full ? '' : doc.run.quick ? ' (quick subset)' : ` (workloads matching /${doc.run.filter}/)`}`);
  lines.push('');
  lines.push(`${m.cpu}, ${m.cpus} CPUs, ${m.memoryGiB} GiB, ${m.os}. Keel ${m.versions.keel}: ${m.isa.keel.split(';')[0]}.`);
  const label = (id) => FRAMEWORKS.find((f) => f.id === id)?.label ?? id;
  const vs = Object.entries(m.versions).filter(([k]) => k !== 'keel').map(([k, v]) => `${label(k)} ${v}`).join(', ');
  lines.push(`Versions: ${vs}.`);
  if (m.isa.pytorch || m.isa.openblas) lines.push(`Peers' ISA: PyTorch ${m.isa.pytorch ?? 'missing'}; ${m.isa.openblas ?? 'OpenBLAS unknown'}${m.isa['tfjs-wasm'] ? `; TF.js ${m.isa['tfjs-wasm']}` : ''}.`);
  lines.push(`Median of ${doc.run.repeats} interleaved repeats of ~${doc.run.secondsPerMeasurement} s each, after a warm-up (${doc.run.slowRule}).`);
  lines.push('');
  lines.push('Each cell: the figure, then (×Keel/peer): Keel\'s speed over the peer\'s, above 1 when Keel is faster. '
    + 'At 2 threads PyTorch shows the best of its three settings, named: `1T` (1 thread), `2T passive` (2 threads, '
    + '`OMP_WAIT_POLICY=PASSIVE`), `2T blas1` (2 threads, `OPENBLAS_NUM_THREADS=1`). Single-threaded frameworks '
    + '(TF.js CPU and WASM in Node, brain.js) appear in the 1-thread rows. — = not run there; ⚠ = its first result did '
    + 'not match Keel\'s (same data and weights).');
  lines.push('');
  lines.push(`| Workload | Threads | Metric | ${present.map((f) => f.label).join(' | ')} |`);
  lines.push(`|---|---:|---|${present.map(() => '---:').join('|')}|`);
  for (const r of rows) {
    const w = r.workload;
    lines.push(`| ${w.name} | ${r.threads} | ${w.metric} | ${present.map((f) => cell(r.cells[f.id], w.metric, f.id === 'keel')).join(' | ')} |`);
  }
  lines.push('');
  // Geometric means of the ratios, per peer and group.
  const groups = [...new Set(rows.map((r) => r.workload.group))];
  const gm = (xs) => (xs.length ? Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length) : null);
  lines.push('Keel/peer, geometric mean over the rows where both ran (count):');
  lines.push('');
  lines.push(`| Group | ${peers.map((f) => f.label).join(' | ')} |`);
  lines.push(`|---|${peers.map(() => '---:').join('|')}|`);
  for (const g of [...groups, 'all']) {
    const sel = rows.filter((r) => g === 'all' || r.workload.group === g);
    lines.push(`| ${g} | ${peers.map((f) => {
      const rs = sel.map((r) => r.cells[f.id]?.ratio).filter((x) => x !== undefined);
      return rs.length ? `×${formatRatio(gm(rs))} (${rs.length})` : '—';
    }).join(' | ')} |`);
  }
  lines.push('');
  // PyTorch's settings side by side.
  const torch = doc.results.filter((e) => e.framework === 'pytorch' && e.value !== null);
  if (torch.length) {
    const settings = [...new Set(torch.map((e) => e.setting))];
    lines.push('PyTorch by thread setting, beside Keel:');
    lines.push('');
    lines.push(`| Workload | Metric | Keel 1T | Keel 2T | ${settings.map((s) => `PyTorch ${s}`).join(' | ')} |`);
    lines.push(`|---|---|---:|---:|${settings.map(() => '---:').join('|')}|`);
    for (const w of doc.workloads) {
      const k = (t) => doc.results.find((e) => e.framework === 'keel' && e.workload === w.name && e.threads === t);
      const vals = settings.map((s) => torch.find((e) => e.workload === w.name && e.setting === s));
      if (!vals.some(Boolean)) continue;
      const f = (e) => (e && e.value !== null ? formatValue(e.value, w.metric) : '—');
      lines.push(`| ${w.name} | ${w.metric} | ${f(k(1))} | ${f(k(2))} | ${vals.map(f).join(' | ')} |`);
    }
    lines.push('');
  }
  const unavailable = doc.frameworks.filter((f) => f.status === 'missing');
  const seen = new Set();
  for (const f of unavailable) {
    if (seen.has(f.framework)) continue;
    seen.add(f.framework);
    lines.push(`- **${FRAMEWORKS.find((x) => x.id === f.framework)?.label ?? f.framework}: missing** — ${f.reason}`);
  }
  notes.forEach((n, i) => lines.push(`- [${i + 1}] ${n}`));
  lines.push('');
  lines.push('Workloads: ' + doc.workloads.map((w) => `\`${w.name}\`${w.note ? ` ${w.note}` : ''}`).join('; ') + '.');
  lines.push('');
  return lines.join('\n');
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars of Keel/peer per row, log scale, one colour per peer. */
export function svgChart(doc) {
  const rows = tableRows(doc);
  const peers = FRAMEWORKS.filter((f) => f.id !== 'keel' && rows.some((r) => r.cells[f.id]?.ratio));
  const bar = 7, gap = 10, labelW = 250, plotW = 560, top = 70, right = 40;
  const ratios = rows.flatMap((r) => peers.map((f) => r.cells[f.id]?.ratio).filter(Boolean));
  const lo = Math.min(0.1, ...ratios.map((x) => x / 1.5)), hi = Math.max(10, ...ratios.map((x) => x * 1.5));
  const lmin = Math.floor(Math.log10(lo)), lmax = Math.ceil(Math.log10(hi));
  const x = (v) => labelW + ((Math.log10(v) - lmin) / (lmax - lmin)) * plotW;
  const rowH = (r) => Math.max(1, peers.filter((f) => r.cells[f.id]?.ratio).length) * bar + gap;
  const height = top + rows.reduce((a, r) => a + rowH(r), 0) + 40;
  const width = labelW + plotW + right;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${labelW}" y="18" font-size="14" font-weight="bold">Keel / peer speed ratio (log scale; right of 1 = Keel faster) — ${esc(doc.run.date)}</text>`);
  let lx = labelW;
  for (const f of peers) {
    out.push(`<rect x="${lx}" y="30" width="10" height="10" fill="${f.color}"/><text x="${lx + 14}" y="39">${esc(f.label)}</text>`);
    lx += 24 + f.label.length * 6.5;
  }
  const plotBottom = height - 30;
  for (let e = lmin; e <= lmax; e++) {
    const v = 10 ** e;
    out.push(`<line x1="${x(v)}" y1="${top - 8}" x2="${x(v)}" y2="${plotBottom}" stroke="${e === 0 ? '#000' : '#ddd'}" stroke-width="${e === 0 ? 1.5 : 1}"/>`);
    out.push(`<text x="${x(v)}" y="${plotBottom + 14}" text-anchor="middle">${v >= 1 ? v : v.toPrecision(1)}×</text>`);
  }
  let y = top;
  let group = null;
  for (const r of rows) {
    if (r.workload.group !== group) {
      group = r.workload.group;
      out.push(`<line x1="10" y1="${y - gap / 2}" x2="${width - 10}" y2="${y - gap / 2}" stroke="#bbb" stroke-dasharray="3,3"/>`);
    }
    const h = rowH(r);
    out.push(`<text x="${labelW - 8}" y="${y + (h - gap) / 2 + 4}" text-anchor="end">${esc(r.workload.name)} @${r.threads}T</text>`);
    let by = y;
    for (const f of peers) {
      const c = r.cells[f.id];
      if (!c?.ratio) continue;
      const x1 = x(1), x2 = x(c.ratio);
      out.push(`<rect x="${Math.min(x1, x2).toFixed(1)}" y="${by}" width="${Math.max(1, Math.abs(x2 - x1)).toFixed(1)}" height="${bar - 1}" fill="${f.color}"><title>${esc(`${f.label}${c.setting ? ` (${c.setting})` : ''}: ×${formatRatio(c.ratio)}`)}</title></rect>`);
      by += bar;
    }
    y += h;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node benchmarks/suite/report.mjs benchmarks/results/<date>.json');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const base = file.replace(/\.json$/, '');
  writeFileSync(`${base}.md`, markdownReport(doc));
  writeFileSync(`${base}.svg`, svgChart(doc));
  console.log(`wrote ${base}.md and ${base}.svg`);
}
