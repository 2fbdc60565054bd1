// 2-D convolution (NCHW, PyTorch's layout and semantics) by im2col and the packed GEMM:
// out[n, g] = W[g] (Og x Cg*kh*kw) times col(x[n, g]) (Cg*kh*kw x Ho*Wo), which lands directly in
// NCHW order. A 1x1, stride-1, unpadded convolution skips im2col (x[n, g] already is the
// column matrix). Results are bit-identical for every thread count: samples run in parallel
// only where each output element is computed by one GEMM, and the weight gradient sums the
// samples in order (each GEMM splitting M/N, never K).
#pragma once
#include <cstddef>

namespace keel {

struct Conv2dShape {
  std::size_t n, c, h, w;       // input
  std::size_t o, kh, kw;        // weight is (o, c / groups, kh, kw)
  std::size_t sh, sw, ph, pw, dh, dw, groups;
  std::size_t ho, wo;           // output (the caller computes and checks them)
};

// Output spatial size for one dimension; 0 when the kernel does not fit.
std::size_t convOutputSize(std::size_t in, std::size_t k, std::size_t stride, std::size_t pad, std::size_t dilation);

// out (n, o, ho, wo) = conv(x, w) + bias (bias may be null). False if scratch allocation failed.
bool conv2dForward(float* out, const float* x, const float* w, const float* bias, const Conv2dShape& s);
// grad_x (n, c, h, w) = conv-transpose of grad_out with w (grad_x is overwritten).
bool conv2dBackwardInput(float* grad_x, const float* grad_out, const float* w, const Conv2dShape& s);
// grad_w (o, c/g, kh, kw) and grad_bias (o; may be null) from grad_out and x (overwritten).
bool conv2dBackwardWeight(float* grad_w, float* grad_bias, const float* grad_out, const float* x, const Conv2dShape& s);

// The row stride of the column matrix: ho*wo, one cache line more when that is a multiple of
// 512 floats. The GEMM reads the column matrix a row per depth step; rows 2 or 4 KiB apart all
// fall in the same few L1 and L2 sets, which hold a fraction of a column tile's rows. The
// product of a 3x3 64->64 convolution on a 32x32 plane alone, 64x576x1024: 177 -> 210 GFLOP/s
// (16x32, 64x576x512: 199 -> 213). The whole convolution at batch 32, alternated in one
// process: forward -5..-8%, input gradient -3..-4.5%, weight gradient -2..-3% of the time on
// one and two threads; 64x64 planes -1..-2.6% (Zen 5).
std::size_t colStride(const Conv2dShape& s);
// The column matrix of one sample and group: col (cg*kh*kw rows, ho*wo columns, rows `ld`
// apart) from x (cg, h, w).
void im2col(float* col, std::size_t ld, const float* x, std::size_t cg, const Conv2dShape& s);
// The adjoint: x (cg, h, w) += col (rows `ld` apart) scattered back (x must be zeroed by the
// caller first).
void col2im(float* x, const float* col, std::size_t ld, std::size_t cg, const Conv2dShape& s);

}  // namespace keel
