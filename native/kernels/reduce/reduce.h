// Reductions along one axis of a contiguous (outer, r, inner) block, and the softmax family
// along such an axis. Threads split outer and inner only; a full reduction (outer = inner = 1)
// is cut into fixed blocks whose partial results are combined in a fixed order, so results are
// bit-identical for every thread count.
#pragma once
#include <cstddef>
#include <cstdint>

namespace keel {

enum class ReduceOp : int { kSum, kMax, kMin, kProd, kLogSumExp, kCount };

// out is (outer, inner), in is (outer, r, inner). r == 0 gives the op's identity (0 for sum,
// 1 for prod, -inf for logsumexp; max/min of nothing is the caller's error to report).
void reduceF32(ReduceOp op, float* out, const float* in, std::size_t outer, std::size_t r,
               std::size_t inner);
void reduceI32(ReduceOp op, int32_t* out, const int32_t* in, std::size_t outer, std::size_t r,
               std::size_t inner);  // sum, max, min, prod (wrapping)

// values/indices are (outer, inner): the max (or min) along r and its first index. NaN counts
// as the largest and smallest value, as in PyTorch. Either output may be null.
void argReduceF32(bool is_max, float* values, int32_t* indices, const float* in, std::size_t outer,
                  std::size_t r, std::size_t inner);
void argReduceI32(bool is_max, int32_t* values, int32_t* indices, const int32_t* in,
                  std::size_t outer, std::size_t r, std::size_t inner);

// Numerically stable softmax / log-softmax along r.
void softmaxF32(bool log, float* out, const float* in, std::size_t outer, std::size_t r,
                std::size_t inner);
// grad_in from grad_out and the forward output y:
//   softmax:      y * (g - sum(g * y))       log-softmax:  g - exp(y) * sum(g)
void softmaxBackwardF32(bool log, float* grad_in, const float* grad_out, const float* y,
                        std::size_t outer, std::size_t r, std::size_t inner);

struct ReduceKernels {
  // One slab of r rows: out[j] = reduce over p of in[p*stride + j], for j < width. A column
  // range of a wider slab is a slab with stride > width.
  void (*reduce_f32)(ReduceOp, float*, const float*, std::size_t r, std::size_t width, std::size_t stride);
  void (*reduce_i32)(ReduceOp, int32_t*, const int32_t*, std::size_t r, std::size_t width, std::size_t stride);
  void (*softmax_f32)(bool, float*, const float*, std::size_t r, std::size_t inner);
  void (*softmax_backward_f32)(bool, float*, const float*, const float*, std::size_t r,
                               std::size_t inner);
};

const ReduceKernels& reduceKernelsScalar();
#if defined(__x86_64__) || defined(_M_X64)
const ReduceKernels& reduceKernelsAvx2();
const ReduceKernels& reduceKernelsAvx512();
#endif

}  // namespace keel
