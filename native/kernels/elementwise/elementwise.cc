// Dispatch and iteration for the elementwise family: picks the ISA table, walks broadcast
// shapes down to their innermost dimension, and splits big arrays over the thread pool.
// The strided copies, fills and casts live here too: they are memory-bound and gain nothing
// from wider vectors.
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "../../core/cpu.h"
#include "../../core/thread_pool.h"

namespace keel {
namespace {

// Below this many elements a second thread costs more than it saves.
constexpr std::size_t kParallelElements = 1 << 19;
// Work is cut into pieces of this many elements whatever the thread count.
constexpr std::size_t kChunkElements = 1 << 14;

const ElementwiseKernels& kernels() {
#if defined(__x86_64__) || defined(_M_X64)
  switch (activeIsa()) {
    case Isa::kAvx512: return elementwiseKernelsAvx512();
    case Isa::kAvx2: return elementwiseKernelsAvx2();
    default: break;
  }
#endif
  return elementwiseKernelsScalar();
}

// Runs body(begin, end) over [0, n) in fixed chunks, in parallel when n is large.
template <typename Body>
void forChunks(std::size_t n, std::size_t chunk, const Body& body) {
  if (n < kParallelElements || numThreads() <= 1) {
    body(0, n);
    return;
  }
  const std::size_t count = (n + chunk - 1) / chunk;
  parallelFor(count, SIZE_MAX, [&](std::size_t c) { body(c * chunk, std::min(n, (c + 1) * chunk)); });
}

// Visits every innermost row of a collapsed shape: fn(row_offsets[3], out_offset) where the
// output is contiguous. Rows [row_begin, row_end) in the order of the outer dimensions.
template <typename Fn>
void forRows(const StridedShape& s, int operands, std::size_t row_begin, std::size_t row_end, const Fn& fn) {
  const int outer = s.rank - 1;
  std::size_t index[kMaxRank] = {};
  // Decompose row_begin into the outer index.
  std::size_t rem = row_begin;
  for (int d = outer - 1; d >= 0; d--) {
    index[d] = rem % s.shape[d];
    rem /= s.shape[d];
  }
  std::ptrdiff_t off[3] = {0, 0, 0};
  for (int k = 0; k < operands; k++)
    for (int d = 0; d < outer; d++) off[k] += static_cast<std::ptrdiff_t>(index[d]) * s.strides[k][d];
  const std::size_t inner = s.shape[outer];
  for (std::size_t row = row_begin; row < row_end; row++) {
    fn(off, row * inner);
    for (int d = outer - 1; d >= 0; d--) {
      index[d]++;
      for (int k = 0; k < operands; k++) off[k] += s.strides[k][d];
      if (index[d] < s.shape[d]) break;
      for (int k = 0; k < operands; k++) off[k] -= static_cast<std::ptrdiff_t>(s.shape[d]) * s.strides[k][d];
      index[d] = 0;
    }
  }
}

// Splits a broadcast op over threads by rows (or, for one long row, by column chunks).
template <typename RowFn>
void forBroadcast(const StridedShape& s, int operands, const RowFn& row_fn) {
  const std::size_t inner = s.shape[s.rank - 1];
  const std::size_t rows = numElements(s) / std::max<std::size_t>(inner, 1);
  if (rows == 1) {
    std::ptrdiff_t off[3] = {0, 0, 0};
    forChunks(inner, kChunkElements, [&](std::size_t b, std::size_t e) { row_fn(off, b, e, 0); });
    return;
  }
  const std::size_t rows_per_chunk = std::max<std::size_t>(1, kChunkElements / std::max<std::size_t>(inner, 1));
  forChunks(rows * inner, rows_per_chunk * inner, [&](std::size_t b, std::size_t e) {
    forRows(s, operands, b / inner, e / inner,
            [&](const std::ptrdiff_t* off, std::size_t out_off) { row_fn(off, 0, inner, out_off); });
  });
}

template <typename T, typename Out, typename Inner>
void runBinary(Inner inner, BinaryOp op, Out* out, const T* a, const T* b, const StridedShape& shape) {
  StridedShape s = shape;
  collapseDims(&s, 2);
  if (numElements(s) == 0) return;
  const int last = s.rank - 1;
  const std::ptrdiff_t sa = s.strides[0][last], sb = s.strides[1][last];
  forBroadcast(s, 2, [&](const std::ptrdiff_t* off, std::size_t begin, std::size_t end, std::size_t out_off) {
    inner(op, out + out_off + begin, a + off[0] + static_cast<std::ptrdiff_t>(begin) * sa, sa,
          b + off[1] + static_cast<std::ptrdiff_t>(begin) * sb, sb, end - begin);
  });
}

}  // namespace

std::size_t numElements(const StridedShape& s) {
  std::size_t n = 1;
  for (int d = 0; d < s.rank; d++) n *= s.shape[d];
  return n;
}

void collapseDims(StridedShape* s, int operands) {
  StridedShape out;
  for (int d = 0; d < s->rank; d++) {
    if (s->shape[d] == 0) {  // empty: one dimension of size 0 says it all
      out = StridedShape();
      out.rank = 1;
      out.shape[0] = 0;
      *s = out;
      return;
    }
    if (s->shape[d] == 1) continue;
    if (out.rank > 0) {
      const int p = out.rank - 1;
      bool mergeable = true;
      for (int k = 0; k < operands; k++) {
        if (out.strides[k][p] != s->strides[k][d] * static_cast<std::ptrdiff_t>(s->shape[d])) mergeable = false;
      }
      if (mergeable) {
        out.shape[p] *= s->shape[d];
        for (int k = 0; k < operands; k++) out.strides[k][p] = s->strides[k][d];
        continue;
      }
    }
    out.shape[out.rank] = s->shape[d];
    for (int k = 0; k < operands; k++) out.strides[k][out.rank] = s->strides[k][d];
    out.rank++;
  }
  if (out.rank == 0) {  // a scalar
    out.rank = 1;
    out.shape[0] = 1;
  }
  *s = out;
}

bool unaryBackwardNeedsOutput(UnaryOp op) {
  switch (op) {
    case UnaryOp::kExp: case UnaryOp::kSqrt: case UnaryOp::kRsqrt: case UnaryOp::kSigmoid:
    case UnaryOp::kTanh: case UnaryOp::kRelu: case UnaryOp::kReciprocal: case UnaryOp::kExpm1:
    case UnaryOp::kRpowScalar: case UnaryOp::kElu:
      return true;
    default:
      return false;
  }
}

void unaryF32(UnaryOp op, float* out, const float* x, std::size_t n, float p0, float p1) {
  const ElementwiseKernels& k = kernels();
  forChunks(n, kChunkElements, [&](std::size_t b, std::size_t e) { k.unary(op, out + b, x + b, e - b, p0, p1); });
}

void unaryBackwardF32(UnaryOp op, float* grad_in, const float* grad_out, const float* x,
                      const float* y, std::size_t n, float p0, float p1) {
  const ElementwiseKernels& k = kernels();
  forChunks(n, kChunkElements, [&](std::size_t b, std::size_t e) {
    k.unary_backward(op, grad_in + b, grad_out + b, x + b, y ? y + b : nullptr, e - b, p0, p1);
  });
}

void binaryF32(BinaryOp op, float* out, const float* a, const float* b, const StridedShape& s) {
  runBinary<float, float>(kernels().binary_f32, op, out, a, b, s);
}
void binaryI32(BinaryOp op, int32_t* out, const int32_t* a, const int32_t* b, const StridedShape& s) {
  runBinary<int32_t, int32_t>(kernels().binary_i32, op, out, a, b, s);
}
void compareF32(BinaryOp op, int32_t* out, const float* a, const float* b, const StridedShape& s) {
  runBinary<float, int32_t>(kernels().compare_f32, op, out, a, b, s);
}
void compareI32(BinaryOp op, int32_t* out, const int32_t* a, const int32_t* b, const StridedShape& s) {
  runBinary<int32_t, int32_t>(kernels().compare_i32, op, out, a, b, s);
}

void where32(uint32_t* out, const int32_t* cond, const uint32_t* a, const uint32_t* b,
             const StridedShape& shape) {
  StridedShape s = shape;
  collapseDims(&s, 3);
  if (numElements(s) == 0) return;
  const int last = s.rank - 1;
  const std::ptrdiff_t sc = s.strides[0][last], sa = s.strides[1][last], sb = s.strides[2][last];
  forBroadcast(s, 3, [&](const std::ptrdiff_t* off, std::size_t begin, std::size_t end, std::size_t out_off) {
    const int32_t* c = cond + off[0];
    const uint32_t* pa = a + off[1];
    const uint32_t* pb = b + off[2];
    for (std::size_t i = begin; i < end; i++) {
      const std::ptrdiff_t j = static_cast<std::ptrdiff_t>(i);
      out[out_off + i] = c[j * sc] != 0 ? pa[j * sa] : pb[j * sb];
    }
  });
}

void copyStrided32(uint32_t* out, const uint32_t* in, const StridedShape& shape) {
  StridedShape s = shape;
  collapseDims(&s, 2);
  if (numElements(s) == 0) return;
  const int last = s.rank - 1;
  const std::ptrdiff_t so = s.strides[0][last], si = s.strides[1][last];
  const std::size_t inner = s.shape[last];
  const std::size_t rows = numElements(s) / inner;
  // The output is strided here (cat and pad write into a slice), so rows are walked with the
  // full offset computation for both operands.
  const std::size_t rows_per_chunk = std::max<std::size_t>(1, kChunkElements / inner);
  forChunks(rows * inner, rows_per_chunk * inner, [&](std::size_t b, std::size_t e) {
    forRows(s, 2, b / inner, e / inner, [&](const std::ptrdiff_t* off, std::size_t) {
      uint32_t* o = out + off[0];
      const uint32_t* p = in + off[1];
      if (so == 1 && si == 1) {
        std::memcpy(o, p, inner * sizeof(uint32_t));
      } else {
        for (std::size_t i = 0; i < inner; i++) {
          o[static_cast<std::ptrdiff_t>(i) * so] = p[static_cast<std::ptrdiff_t>(i) * si];
        }
      }
    });
  });
}

void fill32(uint32_t* out, uint32_t bits, std::size_t n) {
  forChunks(n, kChunkElements, [&](std::size_t b, std::size_t e) { std::fill(out + b, out + e, bits); });
}

void castF32ToI32(int32_t* out, const float* in, std::size_t n) {
  forChunks(n, kChunkElements, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; i++) {
      const float x = in[i];
      // Out of range and NaN: INT32_MIN, as cvttss2si gives, without the C++ UB.
      out[i] = (x >= -2147483648.0f && x < 2147483648.0f) ? static_cast<int32_t>(x)
                                                           : std::numeric_limits<int32_t>::min();
    }
  });
}

void castI32ToF32(float* out, const int32_t* in, std::size_t n) {
  forChunks(n, kChunkElements, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; i++) out[i] = static_cast<float>(in[i]);
  });
}

}  // namespace keel
