// Dispatch and threading for reductions and softmax; the arg-reductions (which carry an index
// and do not vectorize) are here too.
#include "reduce.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "../../core/cpu.h"
#include "../../core/thread_pool.h"

namespace keel {
namespace {

constexpr std::size_t kParallelElements = 1 << 16;
// A full reduction is cut into blocks of this many elements, whatever the thread count, and
// the block results are combined in order: the same bits at 1 thread or 64.
constexpr std::size_t kBlockElements = 1 << 15;

const ReduceKernels& kernels() {
#if defined(__x86_64__) || defined(_M_X64)
  switch (activeIsa()) {
    case Isa::kAvx512: return reduceKernelsAvx512();
    case Isa::kAvx2: return reduceKernelsAvx2();
    default: break;
  }
#endif
  return reduceKernelsScalar();
}

bool worthThreads(std::size_t elements) { return elements >= kParallelElements && numThreads() > 1; }

// Runs slab(o, j_begin, j_end) over outer slabs and column ranges of width `cols`.
template <typename Fn>
void forSlabs(std::size_t outer, std::size_t r, std::size_t inner, const Fn& slab) {
  const std::size_t total = outer * r * inner;
  if (!worthThreads(total)) {
    for (std::size_t o = 0; o < outer; o++) slab(o, 0, inner);
    return;
  }
  // Column blocks of at least 64 (a few cache lines) so threads never share an output line.
  const std::size_t col_block = inner <= 64 ? inner : std::max<std::size_t>(64, inner / 16 / 64 * 64);
  const std::size_t col_blocks = (inner + col_block - 1) / col_block;
  parallelFor(outer * col_blocks, SIZE_MAX, [&](std::size_t t) {
    const std::size_t o = t / col_blocks, c = t % col_blocks;
    slab(o, c * col_block, std::min(inner, (c + 1) * col_block));
  });
}

template <typename T, typename SlabFn>
void reduceAny(SlabFn slab_fn, ReduceOp op, T* out, const T* in, std::size_t outer, std::size_t r,
               std::size_t inner, T (*combine)(ReduceOp, const T*, std::size_t)) {
  // A single long contiguous reduction: fixed blocks (in parallel when worth it), combined in
  // order, so the result does not depend on the thread count.
  if (inner == 1 && outer == 1 && r > kBlockElements && combine != nullptr) {
    const std::size_t blocks = (r + kBlockElements - 1) / kBlockElements;
    std::vector<T> partial(blocks);
    parallelFor(blocks, worthThreads(r) ? SIZE_MAX : 1, [&](std::size_t b) {
      const std::size_t begin = b * kBlockElements, len = std::min(kBlockElements, r - begin);
      slab_fn(op, &partial[b], in + begin, len, 1, 1);
    });
    out[0] = combine(op, partial.data(), blocks);
    return;
  }
  if (inner == 1) {
    // Many short contiguous rows: threads take whole rows.
    if (!worthThreads(outer * r)) {
      for (std::size_t o = 0; o < outer; o++) slab_fn(op, out + o, in + o * r, r, 1, 1);
      return;
    }
    const std::size_t rows_per_task = std::max<std::size_t>(1, kBlockElements / std::max<std::size_t>(r, 1));
    parallelFor((outer + rows_per_task - 1) / rows_per_task, SIZE_MAX, [&](std::size_t t) {
      const std::size_t end = std::min(outer, (t + 1) * rows_per_task);
      for (std::size_t o = t * rows_per_task; o < end; o++) slab_fn(op, out + o, in + o * r, r, 1, 1);
    });
    return;
  }
  forSlabs(outer, r, inner, [&](std::size_t o, std::size_t j0, std::size_t j1) {
    slab_fn(op, out + o * inner + j0, in + o * r * inner + j0, r, j1 - j0, inner);
  });
}

float combineF32(ReduceOp op, const float* partial, std::size_t n) {
  float acc = partial[0];
  for (std::size_t i = 1; i < n; i++) {
    const float v = partial[i];
    switch (op) {
      case ReduceOp::kSum: acc += v; break;
      case ReduceOp::kProd: acc *= v; break;
      case ReduceOp::kMax: acc = (v > acc || v != v) && acc == acc ? v : acc; break;
      case ReduceOp::kMin: acc = (v < acc || v != v) && acc == acc ? v : acc; break;
      case ReduceOp::kLogSumExp: {
        const float m = std::max(acc, v);
        acc = (acc != acc || v != v) ? NAN : (std::isinf(m) ? m : m + std::log(std::exp(acc - m) + std::exp(v - m)));
        break;
      }
      default: break;
    }
  }
  return acc;
}

int32_t combineI32(ReduceOp op, const int32_t* partial, std::size_t n) {
  uint32_t acc = static_cast<uint32_t>(partial[0]);
  int32_t best = partial[0];
  for (std::size_t i = 1; i < n; i++) {
    const int32_t v = partial[i];
    if (op == ReduceOp::kSum) acc += static_cast<uint32_t>(v);
    else if (op == ReduceOp::kProd) acc *= static_cast<uint32_t>(v);
    else if (op == ReduceOp::kMax) best = std::max(best, v);
    else if (op == ReduceOp::kMin) best = std::min(best, v);
  }
  return (op == ReduceOp::kSum || op == ReduceOp::kProd) ? static_cast<int32_t>(acc) : best;
}

template <typename T>
void argReduce(bool is_max, T* values, int32_t* indices, const T* in, std::size_t outer,
               std::size_t r, std::size_t inner) {
  if constexpr (std::is_same_v<T, float>) {
    if (inner == 1) {
      // Contiguous rows: the extreme value by the vectorized reduction, then the first index
      // holding it (or the first NaN, which is what won) in a short scan.
      const ReduceKernels& k = kernels();
      auto rows = [&](std::size_t o0, std::size_t o1) {
        for (std::size_t o = o0; o < o1; o++) {
          const float* row = in + o * r;
          float best;
          k.reduce_f32(is_max ? ReduceOp::kMax : ReduceOp::kMin, &best, row, r, 1, 1);
          std::size_t at = 0;
          if (best != best) {
            while (at < r && row[at] == row[at]) at++;
          } else {
            while (at < r && row[at] != best) at++;
          }
          if (values) values[o] = best;
          if (indices) indices[o] = static_cast<int32_t>(at);
        }
      };
      if (!worthThreads(outer * r) || outer == 1) return rows(0, outer);
      const std::size_t per = std::max<std::size_t>(1, kBlockElements / std::max<std::size_t>(r, 1));
      parallelFor((outer + per - 1) / per, SIZE_MAX, [&](std::size_t t) { rows(t * per, std::min(outer, (t + 1) * per)); });
      return;
    }
  }
  forSlabs(outer, r, inner, [&](std::size_t o, std::size_t j0, std::size_t j1) {
    const T* base = in + o * r * inner;
    for (std::size_t j = j0; j < j1; j++) {
      T best = base[j];
      int32_t at = 0;
      for (std::size_t p = 1; p < r; p++) {
        const T v = base[p * inner + j];
        bool better = is_max ? v > best : v < best;
        if constexpr (std::is_floating_point_v<T>) {
          if (best != best) break;  // NaN already won
          better = better || v != v;
        }
        if (better) {
          best = v;
          at = static_cast<int32_t>(p);
        }
      }
      if (values) values[o * inner + j] = best;
      if (indices) indices[o * inner + j] = at;
    }
  });
}

}  // namespace

void reduceF32(ReduceOp op, float* out, const float* in, std::size_t outer, std::size_t r,
               std::size_t inner) {
  reduceAny<float>(kernels().reduce_f32, op, out, in, outer, r, inner, combineF32);
}

void reduceI32(ReduceOp op, int32_t* out, const int32_t* in, std::size_t outer, std::size_t r,
               std::size_t inner) {
  reduceAny<int32_t>(kernels().reduce_i32, op, out, in, outer, r, inner, combineI32);
}

void argReduceF32(bool is_max, float* values, int32_t* indices, const float* in, std::size_t outer,
                  std::size_t r, std::size_t inner) {
  argReduce<float>(is_max, values, indices, in, outer, r, inner);
}

void argReduceI32(bool is_max, int32_t* values, int32_t* indices, const int32_t* in,
                  std::size_t outer, std::size_t r, std::size_t inner) {
  argReduce<int32_t>(is_max, values, indices, in, outer, r, inner);
}

void softmaxF32(bool log, float* out, const float* in, std::size_t outer, std::size_t r,
                std::size_t inner) {
  const ReduceKernels& k = kernels();
  if (inner == 1) {
    auto rows = [&](std::size_t b, std::size_t e) {
      for (std::size_t o = b; o < e; o++) k.softmax_f32(log, out + o * r, in + o * r, r, 1);
    };
    if (!worthThreads(outer * r)) return rows(0, outer);
    const std::size_t per = std::max<std::size_t>(1, kBlockElements / std::max<std::size_t>(r, 1));
    parallelFor((outer + per - 1) / per, SIZE_MAX, [&](std::size_t t) { rows(t * per, std::min(outer, (t + 1) * per)); });
    return;
  }
  auto slab = [&](std::size_t o) { k.softmax_f32(log, out + o * r * inner, in + o * r * inner, r, inner); };
  if (!worthThreads(outer * r * inner) || outer == 1) {
    for (std::size_t o = 0; o < outer; o++) slab(o);
    return;
  }
  parallelFor(outer, SIZE_MAX, slab);
}

void softmaxBackwardF32(bool log, float* grad_in, const float* grad_out, const float* y,
                        std::size_t outer, std::size_t r, std::size_t inner) {
  const ReduceKernels& k = kernels();
  auto slab = [&](std::size_t o) {
    const std::size_t off = o * r * inner;
    k.softmax_backward_f32(log, grad_in + off, grad_out + off, y + off, r, inner);
  };
  if (!worthThreads(outer * r * inner) || outer == 1) {
    for (std::size_t o = 0; o < outer; o++) slab(o);
    return;
  }
  parallelFor(outer, SIZE_MAX, slab);
}

}  // namespace keel
