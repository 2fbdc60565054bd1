// Single-precision GEMM on row-major matrices, in the CBLAS argument order:
//   C = alpha * op(A) * op(B) + beta * C
// op(A) is m x k, op(B) is k x n, C is m x n. A non-transposed A is stored as m rows of lda
// floats, a transposed one as k rows of lda floats; likewise B (k or n rows of ldb).
// beta == 0 means C is write-only (its old contents, NaN included, are ignored) and alpha == 0
// means A and B are not read, as in reference BLAS.
//
// Results are bit-identical for every thread count: threads split the m/n tile grid only,
// never k, and every tile is computed the same way whoever computes it.
#pragma once
#include <cstddef>

#include "../../core/cpu.h"

namespace keel {

struct SgemmArgs {
  bool trans_a = false, trans_b = false;
  std::size_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;
  const float* a = nullptr;
  std::size_t lda = 0;
  const float* b = nullptr;
  std::size_t ldb = 0;
  float beta = 0.0f;
  float* c = nullptr;
  std::size_t ldc = 0;
};

// Arguments are trusted (the binding validates them). `max_threads` caps the pool threads
// used, caller included. Returns false only if scratch memory could not be allocated, in which
// case C may be partly written.
bool sgemm(const SgemmArgs& args, std::size_t max_threads);

// The same in positional form, for kernels built on GEMM (conv, LSTM), with alpha = 1:
//   C (m x n, ldc) = op(A) (m x k) op(B) (k x n) + beta C
bool sgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
           const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc, std::size_t max_threads);

// `batch` independent products; matrix i starts at a + i*stride_a, b + i*stride_b,
// c + i*stride_c. The C matrices must not overlap one another.
bool sgemmStridedBatched(const SgemmArgs& args, std::size_t stride_a, std::size_t stride_b,
                         std::size_t stride_c, std::size_t batch, std::size_t max_threads);

// A constant left operand packed once and reused across many products (an RNN's recurrent
// weights, multiplied by a new right operand at every time step). The packed A is tied to an
// ISA's micro-kernel and to the depth blocking that kernel gives m x k (gemmBlocking in
// ukernel.h): the caller names the ISA (read activeIsa() once
// and pass it to all three), so that a setIsa() from another thread between packing and
// multiplying cannot make the panels be read with another kernel's layout. sgemmPackedA runs the
// tile grid, depth blocking and per-element arithmetic of sgemm, so its result is bit-identical
// to sgemm(trans_a, trans_b, m, n, k, a, lda, ...) with alpha = 1, for every thread count.
//
//   const Isa isa = activeIsa();
//   std::vector<float> pa(packedASize(isa, m, k));
//   packAForGemm(isa, pa.data(), a, lda, /*trans_a=*/false, m, k);
//   for (each step) sgemmPackedA(isa, pa.data(), m, k, false, n, b, ldb, 1.0f, c, ldc, SIZE_MAX);
//
// Floats needed to hold op(A) (m x k) packed.
std::size_t packedASize(Isa isa, std::size_t m, std::size_t k);
// Packs op(A) (m x k; a is m rows of lda floats, or k rows when trans_a) into dst, which must
// be 64-byte aligned and hold packedASize(isa, m, k) floats.
void packAForGemm(Isa isa, float* dst, const float* a, std::size_t lda, bool trans_a, std::size_t m, std::size_t k);
// C (m x n, ldc) = A (packed) op(B) (k x n) + beta C. Returns false only if scratch memory could
// not be allocated.
bool sgemmPackedA(Isa isa, const float* packed_a, std::size_t m, std::size_t k, bool trans_b, std::size_t n,
                  const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc,
                  std::size_t max_threads);

}  // namespace keel
