// Direct convolution micro-kernels (stride 1), the contract between the loops in conv.cc (no
// intrinsics) and one translation unit per ISA (conv_direct_{scalar,avx2,avx512}.cc).
//
// Keeping kw copies of the padded input, copy kj shifted left by kj*dw and cut to the output
// width, turns a stride-1 convolution into a GEMM whose B rows are those copies at offsets:
//   out[o][q] = sum_p w[o][p] * xs[off[p] + q],   q = oh * wo + ow (NCHW order),
//   off[p] for tap p = (c, ki, kj) is (kj * C + c) * Hp * wo + ki * dh * wo.
// For LeNet's layers (6 and 16 channels, 5x5) im2col writes 25-150 floats per output position,
// as many as the GEMM reads, and the tiny M of that GEMM (6 or 16 rows) leaves no arithmetic to
// hide it behind; the copies cost kw floats per input position instead.
// The input gradient is the same kernel on the padded output gradient with the weights
// flipped and transposed; the weight gradient is a dot product of the (junk-free) output
// gradient with the shifted input planes, summed over the samples of a fixed run.
#pragma once
#include <cstddef>

#include "../../core/cpu.h"

namespace keel {

// q ranges are padded to a multiple of this; every kernel's nr is a multiple of it or divides
// it, and so do its weight-gradient lanes.
constexpr std::size_t kConvDirectQuantum = 16;

// out[i * ldo + j] = (bias ? bias[i] : 0) + sum_{p < k} wp[p * mr + i] * x[off[p] + j]
// for i < mr_used (<= mr) and j < nr_used (<= nr, a multiple of kConvDirectQuantum or nr
// itself). `wp` holds the weights of up to mr output channels depth-major (stride mr, the
// kernel's own); rows i >= mr_used are not read or written.
using ConvDirectForwardFn = void (*)(std::size_t mr_used, std::size_t nr_used, std::size_t k, const float* wp,
                                     const float* bias, const std::ptrdiff_t* off, const float* x,
                                     float* out, std::size_t ldo);

// g[i * ldg + t] = (accumulate ? g[i * ldg + t] : 0) +
//     sum_{s < samples} sum_{j < nq} a[s * a_ss + i * lda + j] * x[s * x_ss + off[t] + j]
// for i < mr_used (<= wg_mr), t < nt_used (<= wg_nt); nq a multiple of kConvDirectQuantum. Each
// lane of a vector sums its own j's, over all samples, and the lanes are added in a fixed order
// at the end: the bits depend on the arguments and the ISA, never on the thread.
using ConvDirectWeightGradFn = void (*)(std::size_t mr_used, std::size_t nt_used, std::size_t nq,
                                        std::size_t samples, const float* a, std::size_t lda,
                                        std::size_t a_ss, const float* x, std::size_t x_ss,
                                        const std::ptrdiff_t* off, float* g, std::size_t ldg,
                                        bool accumulate);

struct ConvDirectKernels {
  const char* name;       // e.g. "f32_conv_direct_8x32__avx512"
  std::size_t mr, nr;     // forward tile: output channels x q columns
  ConvDirectForwardFn forward;
  std::size_t wg_mr, wg_nt;  // weight-gradient tile: output channels x taps
  ConvDirectWeightGradFn weight_grad;
};

const ConvDirectKernels& convDirectKernelsScalar();
#if defined(__x86_64__) || defined(_M_X64)
const ConvDirectKernels& convDirectKernelsAvx2();
const ConvDirectKernels& convDirectKernelsAvx512();
#endif

// The kernels for `isa` (which must be supported).
const ConvDirectKernels& convDirectKernels(Isa isa);

}  // namespace keel
