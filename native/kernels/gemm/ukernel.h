// The contract between the GEMM loops (gemm.cc, no intrinsics) and the per-ISA micro-kernels
// (one translation unit per ISA, each compiled with its own flags).
#pragma once
#include <cstddef>

#include "../../core/cpu.h"

namespace keel {

// Computes one MR x NR tile of C from packed panels:
//   acc = sum over p < kc of a[p*MR + i] * b[p*NR + j]
//   C[i*ldc + j] = alpha * acc + beta * C[i*ldc + j]     (beta == 0: C is not read)
// `a` and `b` are 64-byte aligned packed panels (pack.h); `c` has no alignment requirement.
using GemmUkernelFn = void (*)(std::size_t kc, const float* a, const float* b, float* c,
                               std::size_t ldc, float alpha, float beta);

// A micro-kernel with the cache blocking tuned for it.
struct GemmKernel {
  const char* name;     // dtype, op, tile and ISA, e.g. "f32_gemm_14x32__avx512"
  std::size_t mr, nr;   // register tile
  std::size_t kc;       // depth of one packed block: an MR x kc A panel stays in L1
  std::size_t nc;       // columns of the kc x nc packed B block that stays in L2
  std::size_t mc;       // rows of the mc x kc packed A block that stays in L3
  GemmUkernelFn fn;
};


const GemmKernel& f32GemmKernelScalar();
#if defined(__x86_64__) || defined(_M_X64)
const GemmKernel& f32GemmKernelAvx2();
const GemmKernel& f32GemmKernelAvx512();
#endif

// The kernel for `isa` (which must be supported).
const GemmKernel& f32GemmKernel(Isa isa);

}  // namespace keel
