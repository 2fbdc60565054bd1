// The data and weights every framework in the suite uses, generated identically in JavaScript
// (here) and Python (peers/torch_peer.py, same functions): a counter-based hash turns
// (name, index) into a float32 exactly, so Keel, TensorFlow.js, ONNX Runtime and PyTorch see
// bit-identical inputs and parameters without shipping any file. Identical weights are what let
// the coordinator check that every framework computes the same function before timing it.
//
// value(name, i) = lo + (hi - lo) * u,  u = (lowbias32(fnv1a(name) + i * 0x9E3779B1) >>> 8) / 2^24
// computed in float64 and rounded once to float32 (both languages do exactly these IEEE steps).

/** FNV-1a 32-bit hash of a string (UTF-16 code units; the suite's names are ASCII). */
export function fnv1a(name) {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Chris Wellons' lowbias32 integer hash: a good avalanche from two multiplies. */
function lowbias32(x) {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * n float32 values uniform in [lo, hi), determined by `name` alone.
 * @example uniform('mlp:x', 128 * 784, 0, 1)
 */
export function uniform(name, n, lo = -1, hi = 1) {
  const seed = fnv1a(name);
  const out = new Float32Array(n);
  const span = hi - lo;
  for (let i = 0; i < n; i++) {
    const x = lowbias32((seed + Math.imul(i, 0x9e3779b1)) >>> 0);
    out[i] = lo + span * ((x >>> 8) / 16777216);
  }
  return out;
}

/** n class labels in [0, classes), determined by `name`. */
export function labels(name, n, classes) {
  const u = uniform(name, n, 0, 1);
  return Int32Array.from(u, (v) => Math.min(classes - 1, Math.floor(v * classes)));
}

/**
 * A parameter or buffer of `model` under its PyTorch state_dict key, with the suite's init
 * rule (chosen so activations neither vanish nor explode, which keeps the cross-framework
 * checks meaningful): LSTM tensors U(±1/√H) as torch.nn.LSTM; BatchNorm running mean
 * U(±0.1), running var U(0.5, 1.5), weight U(0.9, 1.1); other biases U(±0.1); embeddings
 * U(±1); other weights He-uniform U(±√(6/fan_in)).
 */
export function initParam(model, key, shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const name = `${model}:${key}`;
  const leaf = key.slice(key.lastIndexOf('.') + 1);
  if (/^(weight|bias)_(ih|hh)_l\d+$/.test(leaf)) {
    const b = 1 / Math.sqrt(shape[0] / 4); // every LSTM tensor has 4H rows
    return uniform(name, n, -b, b);
  }
  if (leaf === 'running_mean') return uniform(name, n, -0.1, 0.1);
  if (leaf === 'running_var') return uniform(name, n, 0.5, 1.5);
  if (leaf === 'weight' && shape.length === 1) return uniform(name, n, 0.9, 1.1);
  if (leaf === 'bias') return uniform(name, n, -0.1, 0.1);
  if (key.startsWith('embed')) return uniform(name, n, -1, 1);
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const b = Math.sqrt(6 / fanIn);
  return uniform(name, n, -b, b);
}

/** Sum and sum of |x|: the fingerprint a framework reports for its first result. */
export function fingerprint(values) {
  let sum = 0, abs = 0;
  for (const v of values) { sum += v; abs += Math.abs(v); }
  return { sum, abs };
}
