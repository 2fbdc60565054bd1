// Elementwise kernels: unary maps (with their backward), binary maps with NumPy broadcasting,
// comparisons, where, casts. Each family is written once (elementwise_impl.h) and compiled per
// ISA (elementwise_{scalar,avx2,avx512}.cc); calls dispatch on the active ISA and split large
// arrays over the thread pool. Outputs never depend on the thread count: each element is
// computed alone.
#pragma once
#include <cstddef>
#include <cstdint>

namespace keel {

constexpr int kMaxRank = 8;

// Unary ops; p0 and p1 are the op's scalar parameters where it has any.
enum class UnaryOp : int {
  kNeg, kAbs, kExp, kLog, kSqrt, kRsqrt, kSigmoid, kTanh, kRelu, kSquare, kReciprocal, kSign,
  kFloor, kCeil, kRound, kTrunc, kSin, kCos, kLog1p, kExpm1, kErf,
  kGelu,       // x * Phi(x), exact (erf) form
  kGeluTanh,   // PyTorch's approximate='tanh'
  kSilu,       // x * sigmoid(x)
  kSoftplus,   // log(1 + e^(p0 x)) / p0, linear past p1 (PyTorch beta, threshold)
  kAffine,     // p0 * x + p1  (add/sub/mul/div by a scalar)
  kPowScalar,  // x ^ p0
  kRpowScalar, // p0 ^ x
  kClamp,      // min(max(x, p0), p1); NaN stays NaN
  kLeakyRelu,  // x >= 0 ? x : p0 x
  kElu,        // x > 0 ? x : p0 (e^x - 1)
  kHardtanh,   // clamp to [p0, p1] with zero gradient outside
  kCount
};

enum class BinaryOp : int {
  kAdd, kSub, kMul, kDiv, kMaximum, kMinimum, kPow,
  kEq, kNe, kLt, kLe, kGt, kGe,  // comparisons: 1 or 0 in an int32 output
  kCount
};

inline bool isComparison(BinaryOp op) { return op >= BinaryOp::kEq; }

// The iteration space of a broadcast op: the output is contiguous with `shape`; operand k is
// read at sum(index[d] * strides[k][d]) elements from its base (stride 0 on broadcast dims).
struct StridedShape {
  int rank = 0;
  std::size_t shape[kMaxRank] = {};
  std::ptrdiff_t strides[3][kMaxRank] = {};  // up to three operands (where has three)
};

// Merges adjacent dimensions that every operand walks contiguously, and drops size-1 ones, so
// a broadcast over a [64,1,32] x [64,8,32] pair becomes as few nested loops as possible.
void collapseDims(StridedShape* s, int operands);
std::size_t numElements(const StridedShape& s);

// out[i] = op(x[i])
void unaryF32(UnaryOp op, float* out, const float* x, std::size_t n, float p0, float p1);
// grad_in[i] = grad_out[i] * op'(x[i]); `y` is op(x) (some derivatives use it), may be null for
// ops that do not.
void unaryBackwardF32(UnaryOp op, float* grad_in, const float* grad_out, const float* x,
                      const float* y, std::size_t n, float p0, float p1);
bool unaryBackwardNeedsOutput(UnaryOp op);

// out = a op b over `s` (operands 0 = a, 1 = b).
void binaryF32(BinaryOp op, float* out, const float* a, const float* b, const StridedShape& s);
void binaryI32(BinaryOp op, int32_t* out, const int32_t* a, const int32_t* b, const StridedShape& s);
// Comparisons write 1/0 into an int32 output.
void compareF32(BinaryOp op, int32_t* out, const float* a, const float* b, const StridedShape& s);
void compareI32(BinaryOp op, int32_t* out, const int32_t* a, const int32_t* b, const StridedShape& s);

// out = cond != 0 ? a : b over `s` (operands 0 = cond, 1 = a, 2 = b); 4-byte elements.
void where32(uint32_t* out, const int32_t* cond, const uint32_t* a, const uint32_t* b,
             const StridedShape& s);

// Strided copy of 4-byte elements (float32 or int32 alike): out and in both strided (operand 0
// = out strides, 1 = in strides). Covers contiguous(), transpose, permute, slicing, cat, pad.
void copyStrided32(uint32_t* out, const uint32_t* in, const StridedShape& s);
void fill32(uint32_t* out, uint32_t bits, std::size_t n);

// float32 -> int32 truncates toward zero (as PyTorch's .int()); NaN and out-of-range give
// INT32_MIN, as x86's conversion does.
void castF32ToI32(int32_t* out, const float* in, std::size_t n);
void castI32ToF32(float* out, const int32_t* in, std::size_t n);

// Per-ISA tables behind the functions above.
struct ElementwiseKernels {
  void (*unary)(UnaryOp, float*, const float*, std::size_t, float, float);
  void (*unary_backward)(UnaryOp, float*, const float*, const float*, const float*, std::size_t,
                         float, float);
  // Inner loops of the broadcast ops: n elements, operand inner strides 0 or 1 (a_step,
  // b_step), or any stride for the generic path.
  void (*binary_f32)(BinaryOp, float*, const float*, std::ptrdiff_t, const float*, std::ptrdiff_t,
                     std::size_t);
  void (*binary_i32)(BinaryOp, int32_t*, const int32_t*, std::ptrdiff_t, const int32_t*,
                     std::ptrdiff_t, std::size_t);
  void (*compare_f32)(BinaryOp, int32_t*, const float*, std::ptrdiff_t, const float*,
                      std::ptrdiff_t, std::size_t);
  void (*compare_i32)(BinaryOp, int32_t*, const int32_t*, std::ptrdiff_t, const int32_t*,
                      std::ptrdiff_t, std::size_t);
};

const ElementwiseKernels& elementwiseKernelsScalar();
#if defined(__x86_64__) || defined(_M_X64)
const ElementwiseKernels& elementwiseKernelsAvx2();
const ElementwiseKernels& elementwiseKernelsAvx512();
#endif

}  // namespace keel
