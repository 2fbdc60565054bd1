// AVX-512 micro-kernel. This translation unit alone is compiled with -mavx512f -mavx512dq
// -mavx512bw -mavx512vl -mfma; it runs only where CPUID and XGETBV allow (core/cpu.cc).
#include <immintrin.h>

#include "ukernel.h"

namespace keel {
namespace {

constexpr std::size_t kMr = 14, kNr = 32;

// The accumulators are named variables, not an array: compilers keep arrays of vectors
// partly in memory, which turns every FMA into a store-forwarding round trip.
#define KEEL_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)
#define KEEL_DECLARE(i) __m512 c##i##_0 = _mm512_setzero_ps(), c##i##_1 = _mm512_setzero_ps();
#define KEEL_PREFETCH(i)                                                        \
  _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);        \
  _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
#define KEEL_FMA(i)                                  \
  {                                                  \
    const __m512 ai = _mm512_set1_ps(a[i]);          \
    c##i##_0 = _mm512_fmadd_ps(ai, b0, c##i##_0);    \
    c##i##_1 = _mm512_fmadd_ps(ai, b1, c##i##_1);    \
  }
#define KEEL_STORE(i)                                                    \
  _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(valpha, c##i##_0));        \
  _mm512_storeu_ps(c + i * ldc + 16, _mm512_mul_ps(valpha, c##i##_1));
#define KEEL_UPDATE(i)                                                                            \
  _mm512_storeu_ps(c + i * ldc, _mm512_fmadd_ps(vbeta, _mm512_loadu_ps(c + i * ldc),             \
                                                _mm512_mul_ps(valpha, c##i##_0)));               \
  _mm512_storeu_ps(c + i * ldc + 16, _mm512_fmadd_ps(vbeta, _mm512_loadu_ps(c + i * ldc + 16),   \
                                                     _mm512_mul_ps(valpha, c##i##_1)));

// 14 x 32 tile: 28 zmm accumulators, 2 B vectors and a broadcast, 31 of 32 registers. 28
// independent FMAs per depth step keep both 512-bit FMA pipes busy through their latency, and
// 16 loads per 28 FMAs stay within the load ports.
void f32_gemm_14x32__avx512(std::size_t kc, const float* a, const float* b, float* c,
                            std::size_t ldc, float alpha, float beta) {
  KEEL_ROWS(KEEL_DECLARE)
  KEEL_ROWS(KEEL_PREFETCH)
#pragma GCC unroll 2
  for (std::size_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
    KEEL_ROWS(KEEL_FMA)
    a += kMr;
    b += kNr;
  }
  const __m512 valpha = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
    KEEL_ROWS(KEEL_STORE)
  } else {
    const __m512 vbeta = _mm512_set1_ps(beta);
    KEEL_ROWS(KEEL_UPDATE)
  }
}

}  // namespace

const GemmKernel& f32GemmKernelAvx512() {
  static GemmKernel kernel{  // not const: benchmarks/native/gemm_tune.cc retunes the blocking
                           "f32_gemm_14x32__avx512", kMr, kNr, 384, 320, 4200,
                                 f32_gemm_14x32__avx512};
  return kernel;
}

}  // namespace keel
