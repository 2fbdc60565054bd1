// AVX2 + FMA micro-kernel. This translation unit alone is compiled with -mavx2 -mfma; nothing
// here runs unless CPUID and XGETBV said the machine can (core/cpu.cc).
#include <immintrin.h>

#include "ukernel.h"

namespace keel {
namespace {

constexpr std::size_t kMr = 6, kNr = 16;

// The accumulators are named variables, not an array: compilers keep arrays of vectors
// partly in memory, which turns every FMA into a store-forwarding round trip.
#define KEEL_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define KEEL_DECLARE(i) __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = _mm256_setzero_ps();
#define KEEL_PREFETCH(i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#define KEEL_FMA(i)                                \
  {                                                \
    const __m256 ai = _mm256_broadcast_ss(a + i);  \
    c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);    \
    c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);    \
  }
#define KEEL_STORE(i)                                                  \
  _mm256_storeu_ps(c + i * ldc, _mm256_mul_ps(valpha, c##i##0));       \
  _mm256_storeu_ps(c + i * ldc + 8, _mm256_mul_ps(valpha, c##i##1));
#define KEEL_UPDATE(i)                                                                          \
  _mm256_storeu_ps(c + i * ldc, _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(c + i * ldc),           \
                                                _mm256_mul_ps(valpha, c##i##0)));              \
  _mm256_storeu_ps(c + i * ldc + 8, _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(c + i * ldc + 8),   \
                                                    _mm256_mul_ps(valpha, c##i##1)));

// 6 x 16 tile: 12 ymm accumulators, 2 B vectors and 1 broadcast, 15 of 16 registers. Twelve
// independent FMAs per depth step cover the FMA latency (4 cycles) on both pipes.
void f32_gemm_6x16__avx2(std::size_t kc, const float* a, const float* b, float* c,
                         std::size_t ldc, float alpha, float beta) {
  KEEL_ROWS(KEEL_DECLARE)
  KEEL_ROWS(KEEL_PREFETCH)
#pragma GCC unroll 4
  for (std::size_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    KEEL_ROWS(KEEL_FMA)
    a += kMr;
    b += kNr;
  }
  const __m256 valpha = _mm256_set1_ps(alpha);
  if (beta == 0.0f) {
    KEEL_ROWS(KEEL_STORE)
  } else {
    const __m256 vbeta = _mm256_set1_ps(beta);
    KEEL_ROWS(KEEL_UPDATE)
  }
}

}  // namespace

const GemmKernel& f32GemmKernelAvx2() {
  static GemmKernel kernel{  // not const: benchmarks/native/gemm_tune.cc retunes the blocking
                           "f32_gemm_6x16__avx2", kMr, kNr, 512, 256, 4096,
                           f32_gemm_6x16__avx2, nullptr, nullptr};
  return kernel;
}

}  // namespace keel
