// AVX2 + FMA direct-convolution kernels (conv_direct.h). This translation unit alone is
// compiled with -mavx2 -mfma; it runs only where CPUID and XGETBV allow (core/cpu.cc).
#include <immintrin.h>

#include <array>
#include <utility>

#include "conv_direct.h"

namespace keel {
namespace {

constexpr std::size_t kMr = 6, kNr = 16;
constexpr std::size_t kWgMr = 2, kWgNt = 5;

// Named accumulators, as in f32_gemm_avx2.cc: 12 of the 16 ymm registers.
#define KEEL_CD_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define KEEL_CD_DECLARE(i) __m256 c##i##_0 = _mm256_setzero_ps(), c##i##_1 = _mm256_setzero_ps();
#define KEEL_CD_INIT(i)                                   \
  if constexpr (i < MR) {                                 \
    c##i##_0 = _mm256_set1_ps(bias[i]);                   \
    c##i##_1 = c##i##_0;                                  \
  }
#define KEEL_CD_FMA(i)                                    \
  if constexpr (i < MR) {                                 \
    const __m256 wi = _mm256_broadcast_ss(wp + i);        \
    c##i##_0 = _mm256_fmadd_ps(wi, x0, c##i##_0);         \
    c##i##_1 = _mm256_fmadd_ps(wi, x1, c##i##_1);         \
  }
#define KEEL_CD_STORE(i)                                  \
  if constexpr (i < MR) {                                 \
    _mm256_storeu_ps(out + i * ldo, c##i##_0);            \
    _mm256_storeu_ps(out + i * ldo + 8, c##i##_1);        \
  }

template <std::size_t MR>
void f32_conv_direct_6x16__avx2(std::size_t k, const float* wp, const float* bias,
                                const std::ptrdiff_t* off, const float* x, float* out,
                                std::size_t ldo) {
  KEEL_CD_ROWS(KEEL_CD_DECLARE)
  if (bias != nullptr) {
    KEEL_CD_ROWS(KEEL_CD_INIT)
  }
  for (std::size_t p = 0; p < k; p++) {
    const float* xp = x + off[p];
    const __m256 x0 = _mm256_loadu_ps(xp);
    const __m256 x1 = _mm256_loadu_ps(xp + 8);
    KEEL_CD_ROWS(KEEL_CD_FMA)
    wp += kMr;
  }
  KEEL_CD_ROWS(KEEL_CD_STORE)
}

using ForwardFn = void (*)(std::size_t, const float*, const float*, const std::ptrdiff_t*, const float*, float*,
                           std::size_t);
template <std::size_t... I>
constexpr std::array<ForwardFn, sizeof...(I)> forwardTable(std::index_sequence<I...>) {
  return {f32_conv_direct_6x16__avx2<I + 1>...};
}
constexpr std::array<ForwardFn, kMr> kForward = forwardTable(std::make_index_sequence<kMr>());

void forwardAvx2(std::size_t mr_used, std::size_t /*nr_used == kNr*/, std::size_t k, const float* wp, const float* bias,
                 const std::ptrdiff_t* off, const float* x, float* out, std::size_t ldo) {
  kForward[mr_used - 1](k, wp, bias, off, x, out, ldo);
}

// Lanes 0..7 added in a fixed tree: (0+4, 1+5, 2+6, 3+7), then pairs, then the last two.
inline float horizontalSum(__m256 v) {
  const __m128 q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 d = _mm_add_ps(q, _mm_movehl_ps(q, q));
  return _mm_cvtss_f32(_mm_add_ss(d, _mm_shuffle_ps(d, d, 1)));
}

#define KEEL_WG_ALL(X) KEEL_WG_ROW(X, 0) KEEL_WG_ROW(X, 1)
#define KEEL_WG_ROW(X, i) X(i, 0) X(i, 1) X(i, 2) X(i, 3) X(i, 4)
#define KEEL_WG_DECLARE(i, t) __m256 g##i##_##t = _mm256_setzero_ps();
#define KEEL_WG_FMA(i, t) \
  if constexpr (i < MR && t < NT) g##i##_##t = _mm256_fmadd_ps(a##i, _mm256_loadu_ps(x##t + j), g##i##_##t);
#define KEEL_WG_STORE(i, t)                                                   \
  if constexpr (i < MR && t < NT) {                                           \
    const float sum = horizontalSum(g##i##_##t);                              \
    g[i * ldg + t] = (accumulate ? g[i * ldg + t] : 0.0f) + sum;              \
  }
#define KEEL_WG_LOAD_A(i) const __m256 a##i = i < MR ? _mm256_loadu_ps(as + i * lda + j) : _mm256_setzero_ps();
#define KEEL_WG_X(t) const float* x##t = xs + (t < NT ? off[t] : 0);

// MR x NT (up to 2 x 5) dot products of 8 lanes each: 10 accumulators, 2 output-gradient
// vectors and one plane vector at a time.
template <std::size_t MR, std::size_t NT>
void f32_conv_direct_wgrad_2x5__avx2(std::size_t nq, std::size_t samples, const float* a,
                                     std::size_t lda, std::size_t a_ss, const float* x,
                                     std::size_t x_ss, const std::ptrdiff_t* off, float* g,
                                     std::size_t ldg, bool accumulate) {
  KEEL_WG_ALL(KEEL_WG_DECLARE)
  for (std::size_t s = 0; s < samples; s++) {
    const float* as = a + s * a_ss;
    const float* xs = x + s * x_ss;
    KEEL_WG_X(0) KEEL_WG_X(1) KEEL_WG_X(2) KEEL_WG_X(3) KEEL_WG_X(4)
    for (std::size_t j = 0; j < nq; j += 8) {
      KEEL_WG_LOAD_A(0) KEEL_WG_LOAD_A(1)
      KEEL_WG_ALL(KEEL_WG_FMA)
    }
  }
  KEEL_WG_ALL(KEEL_WG_STORE)
}

using WeightGradFn = void (*)(std::size_t, std::size_t, const float*, std::size_t, std::size_t, const float*,
                              std::size_t, const std::ptrdiff_t*, float*, std::size_t, bool);
template <std::size_t MR, std::size_t... T>
constexpr std::array<WeightGradFn, sizeof...(T)> weightGradRow(std::index_sequence<T...>) {
  return {f32_conv_direct_wgrad_2x5__avx2<MR, T + 1>...};
}
// [mr - 1][nt - 1]
constexpr std::array<WeightGradFn, kWgNt> kWeightGrad[kWgMr] = {
    weightGradRow<1>(std::make_index_sequence<kWgNt>()), weightGradRow<2>(std::make_index_sequence<kWgNt>())};

void weightGradAvx2(std::size_t mr_used, std::size_t nt_used, std::size_t nq, std::size_t samples,
                    const float* a, std::size_t lda, std::size_t a_ss, const float* x, std::size_t x_ss,
                    const std::ptrdiff_t* off, float* g, std::size_t ldg, bool accumulate) {
  kWeightGrad[mr_used - 1][nt_used - 1](nq, samples, a, lda, a_ss, x, x_ss, off, g, ldg, accumulate);
}

}  // namespace

const ConvDirectKernels& convDirectKernelsAvx2() {
  static const ConvDirectKernels kernels{"f32_conv_direct_6x16__avx2", kMr, kNr, forwardAvx2,
                                         kWgMr, kWgNt, weightGradAvx2};
  return kernels;
}

}  // namespace keel
