// Reduction and softmax kernels, written once and compiled per ISA (see reduce_*.cc), like the
// elementwise family. Contiguous sums (inner == 1) keep 16 partial sums combined in a fixed
// tree, which the vectorizer maps onto SIMD lanes and which gives the same bits on every ISA;
// strided ones (inner > 1) vectorize across inner.
//
// Expects <cmath>, <cstdint>, <cstring>, "reduce.h" and the vmath functions before it.

constexpr std::size_t kLanes = 16;

inline float combineLanes(float* acc) {
  for (std::size_t w = kLanes / 2; w > 0; w /= 2)
    for (std::size_t i = 0; i < w; i++) acc[i] += acc[i + w];
  return acc[0];
}

float sumContiguous(const float* x, std::size_t n) {
  float acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t l = 0; l < kLanes; l++) acc[l] += x[i + l];
  for (std::size_t l = 0; i < n; i++, l++) acc[l] += x[i];
  return combineLanes(acc);
}

float prodContiguous(const float* x, std::size_t n) {
  float acc[kLanes];
  for (std::size_t l = 0; l < kLanes; l++) acc[l] = 1.0f;
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t l = 0; l < kLanes; l++) acc[l] *= x[i + l];
  for (std::size_t l = 0; i < n; i++, l++) acc[l] *= x[i];
  for (std::size_t w = kLanes / 2; w > 0; w /= 2)
    for (std::size_t l = 0; l < w; l++) acc[l] *= acc[l + w];
  return acc[0];
}

// Max/min that let NaN win, as torch.max does.
inline float pickMax(float best, float v) { return ((v > best) | (v != v)) ? v : best; }
inline float pickMin(float best, float v) { return ((v < best) | (v != v)) ? v : best; }

// GCC does not vectorize a NaN-aware max loop on its own, so this one is written with generic
// vector types (GCC/Clang lower them to whatever the unit's flags allow: 4 SSE lanes, 2x8 AVX,
// one 16-lane AVX-512 register). NaNs are tracked in a lane mask and win at the end, as in
// torch.max.
// KEEL_VECTOR_BYTES is the unit's native width (set before including this file): wider
// generic vectors than the ISA has get lowered badly.
typedef float KeelF32xN __attribute__((vector_size(KEEL_VECTOR_BYTES)));
typedef int32_t KeelI32xN __attribute__((vector_size(KEEL_VECTOR_BYTES)));
constexpr std::size_t kVectorLanes = KEEL_VECTOR_BYTES / 4;

template <bool kIsMax>
float extremeContiguous(const float* x, std::size_t n) {
  KeelF32xN acc;
  for (std::size_t l = 0; l < kVectorLanes; l++) acc[l] = x[0];
  KeelI32xN nan = {};
  std::size_t i = 0;
  for (; i + kVectorLanes <= n; i += kVectorLanes) {
    KeelF32xN v;
    std::memcpy(&v, x + i, sizeof v);
    acc = kIsMax ? (v > acc ? v : acc) : (v < acc ? v : acc);
    nan |= (v != v);
  }
  bool any_nan = false;
  float best = acc[0];
  for (std::size_t l = 0; l < kVectorLanes; l++) {
    any_nan = any_nan || nan[l] != 0;
    best = kIsMax ? (acc[l] > best ? acc[l] : best) : (acc[l] < best ? acc[l] : best);
  }
  for (; i < n; i++) {
    const float v = x[i];
    any_nan = any_nan || v != v;
    best = kIsMax ? (v > best ? v : best) : (v < best ? v : best);
  }
  return any_nan ? NAN : best;
}

float maxContiguous(const float* x, std::size_t n, bool is_max) {
  return is_max ? extremeContiguous<true>(x, n) : extremeContiguous<false>(x, n);
}

float logSumExpContiguous(const float* x, std::size_t n) {
  const float m = maxContiguous(x, n, true);
  if (m != m) return m;
  // All -inf (or a +inf): the shift would make NaN; the answer is m itself.
  if (std::isinf(m)) return m;
  float acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t l = 0; l < kLanes; l++) acc[l] += vexp(x[i + l] - m);
  for (std::size_t l = 0; i < n; i++, l++) acc[l] += vexp(x[i] - m);
  return m + vlog(combineLanes(acc));
}

void reduceSlabF32(ReduceOp op, float* out, const float* in, std::size_t r, std::size_t inner, std::size_t stride) {
  if (r == 0) {
    const float identity = op == ReduceOp::kProd ? 1.0f : (op == ReduceOp::kLogSumExp ? -INFINITY : 0.0f);
    for (std::size_t j = 0; j < inner; j++) out[j] = identity;
    return;
  }
  if (inner == 1 && stride == 1) {
    switch (op) {
      case ReduceOp::kSum: out[0] = sumContiguous(in, r); return;
      case ReduceOp::kProd: out[0] = prodContiguous(in, r); return;
      case ReduceOp::kMax: out[0] = maxContiguous(in, r, true); return;
      case ReduceOp::kMin: out[0] = maxContiguous(in, r, false); return;
      case ReduceOp::kLogSumExp: out[0] = logSumExpContiguous(in, r); return;
      default: return;
    }
  }
  std::memcpy(out, in, inner * sizeof(float));
  switch (op) {
    case ReduceOp::kSum:
      for (std::size_t p = 1; p < r; p++)
        for (std::size_t j = 0; j < inner; j++) out[j] += in[p * stride + j];
      return;
    case ReduceOp::kProd:
      for (std::size_t p = 1; p < r; p++)
        for (std::size_t j = 0; j < inner; j++) out[j] *= in[p * stride + j];
      return;
    case ReduceOp::kMax:
      for (std::size_t p = 1; p < r; p++)
        for (std::size_t j = 0; j < inner; j++) out[j] = pickMax(out[j], in[p * stride + j]);
      return;
    case ReduceOp::kMin:
      for (std::size_t p = 1; p < r; p++)
        for (std::size_t j = 0; j < inner; j++) out[j] = pickMin(out[j], in[p * stride + j]);
      return;
    case ReduceOp::kLogSumExp: {
      for (std::size_t p = 1; p < r; p++)
        for (std::size_t j = 0; j < inner; j++) out[j] = pickMax(out[j], in[p * stride + j]);
      // out holds the max; accumulate the shifted exponentials in a second pass per column.
      for (std::size_t j = 0; j < inner; j++) {
        const float m = out[j];
        if (m != m || std::isinf(m)) continue;
        float s = 0.0f;
        for (std::size_t p = 0; p < r; p++) s += vexp(in[p * stride + j] - m);
        out[j] = m + vlog(s);
      }
      return;
    }
    default:
      return;
  }
}

void reduceSlabI32(ReduceOp op, int32_t* out, const int32_t* in, std::size_t r, std::size_t inner, std::size_t stride) {
  for (std::size_t j = 0; j < inner; j++) {
    // Sums and products wrap modulo 2^32 (computed unsigned: no signed-overflow UB).
    uint32_t acc = op == ReduceOp::kProd ? 1u : 0u;
    int32_t best = r > 0 ? in[j] : 0;
    for (std::size_t p = 0; p < r; p++) {
      const int32_t v = in[p * stride + j];
      if (op == ReduceOp::kSum) acc += static_cast<uint32_t>(v);
      else if (op == ReduceOp::kProd) acc *= static_cast<uint32_t>(v);
      else if (op == ReduceOp::kMax) best = v > best ? v : best;
      else if (op == ReduceOp::kMin) best = v < best ? v : best;
    }
    out[j] = (op == ReduceOp::kSum || op == ReduceOp::kProd) ? static_cast<int32_t>(acc) : best;
  }
}

void softmaxSlabF32(bool log, float* out, const float* in, std::size_t r, std::size_t inner) {
  if (r == 0) return;
  if (inner == 1) {
    const float m = maxContiguous(in, r, true);
    const float shift = std::isinf(m) ? 0.0f : m;
    float acc[kLanes] = {};
    std::size_t i = 0;
    if (log) {
      for (; i + kLanes <= r; i += kLanes)
        for (std::size_t l = 0; l < kLanes; l++) acc[l] += vexp(in[i + l] - shift);
      for (std::size_t l = 0; i < r; i++, l++) acc[l] += vexp(in[i] - shift);
      const float lse = shift + vlog(combineLanes(acc));
      for (std::size_t p = 0; p < r; p++) out[p] = in[p] - lse;
    } else {
      // Exponentials and their sum in one pass, the sum in fixed lanes as sumContiguous does.
      for (; i + kLanes <= r; i += kLanes)
        for (std::size_t l = 0; l < kLanes; l++) {
          const float e = vexp(in[i + l] - shift);
          out[i + l] = e;
          acc[l] += e;
        }
      for (std::size_t l = 0; i < r; i++, l++) {
        const float e = vexp(in[i] - shift);
        out[i] = e;
        acc[l] += e;
      }
      const float inv = 1.0f / combineLanes(acc);
      for (std::size_t p = 0; p < r; p++) out[p] *= inv;
    }
    return;
  }
  // Strided: columns share nothing, so walk r row by row with up to 256 columns at a time,
  // their max and sum kept on the stack.
  for (std::size_t j0 = 0; j0 < inner; j0 += 256) {
    const std::size_t w = inner - j0 < 256 ? inner - j0 : 256;
    float m[256], s[256];
    for (std::size_t j = 0; j < w; j++) m[j] = in[j0 + j];
    for (std::size_t p = 1; p < r; p++)
      for (std::size_t j = 0; j < w; j++) m[j] = pickMax(m[j], in[p * inner + j0 + j]);
    for (std::size_t j = 0; j < w; j++) {
      m[j] = std::isinf(m[j]) ? 0.0f : m[j];
      s[j] = 0.0f;
    }
    for (std::size_t p = 0; p < r; p++)
      for (std::size_t j = 0; j < w; j++) {
        const float e = vexp(in[p * inner + j0 + j] - m[j]);
        s[j] += e;
        if (!log) out[p * inner + j0 + j] = e;
      }
    if (log) {
      for (std::size_t j = 0; j < w; j++) s[j] = m[j] + vlog(s[j]);
      for (std::size_t p = 0; p < r; p++)
        for (std::size_t j = 0; j < w; j++) out[p * inner + j0 + j] = in[p * inner + j0 + j] - s[j];
    } else {
      for (std::size_t j = 0; j < w; j++) s[j] = 1.0f / s[j];
      for (std::size_t p = 0; p < r; p++)
        for (std::size_t j = 0; j < w; j++) out[p * inner + j0 + j] *= s[j];
    }
  }
}

void softmaxBackwardSlabF32(bool log, float* gi, const float* go, const float* y, std::size_t r,
                            std::size_t inner) {
  for (std::size_t j0 = 0; j0 < inner; j0 += 256) {
    const std::size_t w = inner - j0 < 256 ? inner - j0 : 256;
    float s[256];
    for (std::size_t j = 0; j < w; j++) s[j] = 0.0f;
    if (log) {
      for (std::size_t p = 0; p < r; p++)
        for (std::size_t j = 0; j < w; j++) s[j] += go[p * inner + j0 + j];
      for (std::size_t p = 0; p < r; p++)
        for (std::size_t j = 0; j < w; j++) {
          const std::size_t k = p * inner + j0 + j;
          gi[k] = go[k] - vexp(y[k]) * s[j];
        }
    } else {
      for (std::size_t p = 0; p < r; p++)
        for (std::size_t j = 0; j < w; j++) s[j] += go[p * inner + j0 + j] * y[p * inner + j0 + j];
      for (std::size_t p = 0; p < r; p++)
        for (std::size_t j = 0; j < w; j++) {
          const std::size_t k = p * inner + j0 + j;
          gi[k] = y[k] * (go[k] - s[j]);
        }
    }
  }
}

const ReduceKernels kReduceKernels{reduceSlabF32, reduceSlabI32, softmaxSlabF32, softmaxBackwardSlabF32};
