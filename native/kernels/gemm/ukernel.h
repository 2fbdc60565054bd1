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

// Packs a block of op(A) or op(B) exactly as packA / packB in pack.h do (same arguments, same
// layout, bit-for-bit the same floats), but with the ISA's vector instructions. Packing is a
// transpose for non-transposed A and transposed B, which the generic code does one float at a
// time; for tall-skinny or short-wide products it costs as much as the arithmetic. `dst` is
// 64-byte aligned, as the packed panels the micro-kernels read are.
using GemmPackAFn = void (*)(float* dst, const float* a, std::size_t lda, bool trans_a,
                             std::size_t i0, std::size_t mc, std::size_t p0, std::size_t kc,
                             std::size_t mr);
using GemmPackBFn = void (*)(float* dst, const float* b, std::size_t ldb, bool trans_b,
                             std::size_t p0, std::size_t kc, std::size_t j0, std::size_t nc,
                             std::size_t nr);

// Computes an mr x nc block of C (mr <= MR, any nc) from operands read in place, tile by tile
// across the columns (NR wide, the last one narrower), with the same arithmetic per element as
// GemmUkernelFn (one FMA chain over p from zero, then alpha and beta applied the same way), so
// it returns the bits a full tile would:
//   a(i, p) = a[i*a_rs + p*a_cs], with a_rs == 1 (packed panel: a_cs = MR; transposed A:
//             a_cs = lda) or a_cs == 1 (row-major A straight from the caller: a_rs = lda)
//   b(p, j) = b[(j / NR)*b_ts + p*b_rs + j % NR]
//             (packed panels: b_rs = NR, b_ts = NR*kc; row-major B: b_rs = ldb, b_ts = NR)
// Only rows i < mr of A and C and columns j < nc of B and C are touched, so edge tiles need no
// copy and unpacked operands are never read past their ends. `next_a`, when not null, is the
// next row panel of a row-major A (a_cs == 1, same a_rs), which the kernel prefetches while
// it computes its last tile: a hint only, never read.
using GemmPanelStridedFn = void (*)(std::size_t mr, std::size_t nc, std::size_t kc,
                                    const float* a, std::size_t a_rs, std::size_t a_cs,
                                    const float* b, std::size_t b_rs, std::size_t b_ts, float* c,
                                    std::size_t ldc, float alpha, float beta,
                                    const float* next_a);

// A micro-kernel with the cache blocking tuned for it.
struct GemmKernel {
  const char* name;     // dtype, op, tile and ISA, e.g. "f32_gemm_14x32__avx512"
  std::size_t mr, nr;   // register tile
  std::size_t kc;       // depth of one packed block: an MR x kc A panel stays in L1
  std::size_t nc;       // columns of the kc x nc packed B block that stays in L2
  std::size_t mc;       // rows of the mc x kc packed A block that stays in L3
  GemmUkernelFn fn;
  GemmPackAFn pack_a;   // null: the generic packA of pack.h
  GemmPackBFn pack_b;   // null: the generic packB of pack.h
  // Null: edge tiles go through a temporary full tile and every product is packed.
  GemmPanelStridedFn strided = nullptr;
  // Products of at most this many multiply-adds, or at most this many columns, read A (and a
  // non-transposed B) in place rather than packing them: for them the packing is a large share
  // of the time (few columns: each packed A element would be used in only a few tiles).
  // Needs `strided`; 0: never.
  double sup_max_macs = 0;
  std::size_t sup_max_n = 0;
  // The sup_max_macs rule holds only for products of at most this many columns: past it a
  // kernel whose tile has few rows rereads too much of an in-place B per row panel.
  std::size_t sup_macs_max_n = ~std::size_t{0};
  // Products of at least this many multiply-adds and at least two column blocks (n >= 2 nc),
  // run on several threads, pack each block of A once for all threads instead of once per
  // thread's rectangle (gemm.cc, gemmSharedA). On Zen 5 with two threads: 2-13% faster from
  // 10^9 multiply-adds on with AVX-512 (squares from n = 1000, 512x4096x2048, 4096x256x4096)
  // and 5-9% with AVX2, and slower below (AVX-512, n = 768: 2%, n = 512: 10%), where too few
  // depth and column blocks keep two threads busy between the packing steps. 0: never.
  double shared_a_min_macs = 1e9;
  // Products of at least this many rows (0: none) and more than kc deep use deeper blocks,
  // kc_deep x nc_deep, instead of kc x nc: every depth block after the first rereads and
  // rewrites all of C, and with many rows C is large enough for that pass to come from L3 or
  // memory. The B block keeps its size (fewer columns), the A panel outgrows L1 but is read in
  // order, which the prefetcher follows, and the mc x kc_deep A block doubles (17 MB at
  // mc = 4200; mc = 2100 to keep it was 2-3% slower at 4096x1024x1024). A function of m and k
  // only, so a prepacked A (packAForGemm) knows its blocking; it also means a row's bits depend
  // on whether the whole product has deep_min_m rows. kc_deep a multiple of 8, nc_deep of nr.
  std::size_t deep_min_m = 0;
  std::size_t kc_deep = 0, nc_deep = 0;
};

// The cache blocking of a product: depth blocks of equal size (at most kc or kc_deep; k = 784
// with kc = 512 runs as 392 + 392 rather than 512 + 272, whose short second block would pay
// the C update for little work) and the column block. Depends only on the product's m and k
// (never on a thread's share of it), so every thread and every run blocks alike: the depth
// blocking decides the bits of the result.
struct GemmBlocking {
  std::size_t kc, nc;
};
GemmBlocking gemmBlocking(const GemmKernel& kern, std::size_t m, std::size_t k);

const GemmKernel& f32GemmKernelScalar();
#if defined(__x86_64__) || defined(_M_X64)
const GemmKernel& f32GemmKernelAvx2();
const GemmKernel& f32GemmKernelAvx512();
#endif

// The kernel for `isa` (which must be supported).
const GemmKernel& f32GemmKernel(Isa isa);

}  // namespace keel
