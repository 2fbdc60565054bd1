// AVX-512 direct-convolution kernels (conv_direct.h). This translation unit alone is compiled
// with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma; it runs only where CPUID and XGETBV
// allow (core/cpu.cc).
#include <immintrin.h>

#include <array>
#include <utility>

#include "conv_direct.h"

namespace keel {
namespace {

constexpr std::size_t kMr = 8, kNr = 32;
constexpr std::size_t kWgMr = 4, kWgNt = 6;

// The accumulators are named variables, not an array (see f32_gemm_avx512.cc): arrays of
// vectors end up partly in memory.
#define KEEL_CD_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define KEEL_CD_DECLARE(i) __m512 c##i##_0 = _mm512_setzero_ps(), c##i##_1 = _mm512_setzero_ps();
#define KEEL_CD_INIT(i)                                   \
  if constexpr (i < MR) {                                 \
    c##i##_0 = _mm512_set1_ps(bias[i]);                   \
    c##i##_1 = c##i##_0;                                  \
  }
#define KEEL_CD_FMA(i)                                                \
  if constexpr (i < MR) {                                             \
    const __m512 wi = _mm512_set1_ps(wp[i]);                          \
    c##i##_0 = _mm512_fmadd_ps(wi, x0, c##i##_0);                     \
    if constexpr (NV == 2) c##i##_1 = _mm512_fmadd_ps(wi, x1, c##i##_1); \
  }
#define KEEL_CD_STORE(i)                                                 \
  if constexpr (i < MR) {                                                \
    _mm512_storeu_ps(out + i * ldo, c##i##_0);                           \
    if constexpr (NV == 2) _mm512_storeu_ps(out + i * ldo + 16, c##i##_1); \
  }

// MR x (16 * NV) tile: NV*MR accumulators; per tap NV unaligned loads of the shifted copies and
// MR weight broadcasts feed NV*MR FMAs. NV = 1 only for a plane's last 16 columns.
template <std::size_t MR, std::size_t NV>
void f32_conv_direct_8x32__avx512(std::size_t k, const float* wp, const float* bias,
                                  const std::ptrdiff_t* off, const float* x, float* out,
                                  std::size_t ldo) {
  KEEL_CD_ROWS(KEEL_CD_DECLARE)
  if (bias != nullptr) {
    KEEL_CD_ROWS(KEEL_CD_INIT)
  }
#pragma GCC unroll 2
  for (std::size_t p = 0; p < k; p++) {
    const float* xp = x + off[p];
    const __m512 x0 = _mm512_loadu_ps(xp);
    const __m512 x1 = NV == 2 ? _mm512_loadu_ps(xp + 16) : _mm512_setzero_ps();
    KEEL_CD_ROWS(KEEL_CD_FMA)
    wp += kMr;
  }
  KEEL_CD_ROWS(KEEL_CD_STORE)
}

using ForwardFn = void (*)(std::size_t, const float*, const float*, const std::ptrdiff_t*, const float*, float*,
                           std::size_t);
template <std::size_t NV, std::size_t... I>
constexpr std::array<ForwardFn, sizeof...(I)> forwardTable(std::index_sequence<I...>) {
  return {f32_conv_direct_8x32__avx512<I + 1, NV>...};
}
// [nv - 1][mr - 1]
constexpr std::array<ForwardFn, kMr> kForward[2] = {forwardTable<1>(std::make_index_sequence<kMr>()),
                                                    forwardTable<2>(std::make_index_sequence<kMr>())};

void forwardAvx512(std::size_t mr_used, std::size_t nr_used, std::size_t k, const float* wp, const float* bias,
                   const std::ptrdiff_t* off, const float* x, float* out, std::size_t ldo) {
  kForward[nr_used > 16 ? 1 : 0][mr_used - 1](k, wp, bias, off, x, out, ldo);
}

// Weight gradient: MR x NT accumulators (up to 24), each the 16 lanes of one (row, tap) dot
// product; per 16 columns MR loads of the output gradient and NT of the shifted planes.
#define KEEL_WG_ALL(X) KEEL_WG_ROW(X, 0) KEEL_WG_ROW(X, 1) KEEL_WG_ROW(X, 2) KEEL_WG_ROW(X, 3)
#define KEEL_WG_ROW(X, i) X(i, 0) X(i, 1) X(i, 2) X(i, 3) X(i, 4) X(i, 5)
#define KEEL_WG_DECLARE(i, t) __m512 g##i##_##t = _mm512_setzero_ps();
#define KEEL_WG_FMA(i, t) \
  if constexpr (i < MR && t < NT) g##i##_##t = _mm512_fmadd_ps(a##i, _mm512_loadu_ps(x##t + j), g##i##_##t);
#define KEEL_WG_STORE(i, t)                                                   \
  if constexpr (i < MR && t < NT) {                                           \
    const float sum = _mm512_reduce_add_ps(g##i##_##t);                       \
    g[i * ldg + t] = (accumulate ? g[i * ldg + t] : 0.0f) + sum;              \
  }
#define KEEL_WG_LOAD_A(i) const __m512 a##i = i < MR ? _mm512_loadu_ps(as + i * lda + j) : _mm512_setzero_ps();
#define KEEL_WG_X(t) const float* x##t = xs + (t < NT ? off[t] : 0);

// GCC 12's _mm512_reduce_add_ps seeds a shuffle with a self-initialized "undefined" vector,
// which -Wuninitialized reports once inlined (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

template <std::size_t MR, std::size_t NT>
void f32_conv_direct_wgrad_4x6__avx512(std::size_t nq, std::size_t samples, const float* a,
                                       std::size_t lda, std::size_t a_ss, const float* x,
                                       std::size_t x_ss, const std::ptrdiff_t* off, float* g,
                                       std::size_t ldg, bool accumulate) {
  KEEL_WG_ALL(KEEL_WG_DECLARE)
  for (std::size_t s = 0; s < samples; s++) {
    const float* as = a + s * a_ss;
    const float* xs = x + s * x_ss;
    KEEL_WG_X(0) KEEL_WG_X(1) KEEL_WG_X(2) KEEL_WG_X(3) KEEL_WG_X(4) KEEL_WG_X(5)
    for (std::size_t j = 0; j < nq; j += 16) {
      KEEL_WG_LOAD_A(0) KEEL_WG_LOAD_A(1) KEEL_WG_LOAD_A(2) KEEL_WG_LOAD_A(3)
      KEEL_WG_ALL(KEEL_WG_FMA)
    }
  }
  KEEL_WG_ALL(KEEL_WG_STORE)
}

#pragma GCC diagnostic pop

using WeightGradFn = void (*)(std::size_t, std::size_t, const float*, std::size_t, std::size_t, const float*,
                              std::size_t, const std::ptrdiff_t*, float*, std::size_t, bool);
template <std::size_t MR, std::size_t... T>
constexpr std::array<WeightGradFn, sizeof...(T)> weightGradRow(std::index_sequence<T...>) {
  return {f32_conv_direct_wgrad_4x6__avx512<MR, T + 1>...};
}
// [mr - 1][nt - 1]
constexpr std::array<WeightGradFn, kWgNt> kWeightGrad[kWgMr] = {
    weightGradRow<1>(std::make_index_sequence<kWgNt>()), weightGradRow<2>(std::make_index_sequence<kWgNt>()),
    weightGradRow<3>(std::make_index_sequence<kWgNt>()), weightGradRow<4>(std::make_index_sequence<kWgNt>())};

void weightGradAvx512(std::size_t mr_used, std::size_t nt_used, std::size_t nq, std::size_t samples,
                      const float* a, std::size_t lda, std::size_t a_ss, const float* x, std::size_t x_ss,
                      const std::ptrdiff_t* off, float* g, std::size_t ldg, bool accumulate) {
  kWeightGrad[mr_used - 1][nt_used - 1](nq, samples, a, lda, a_ss, x, x_ss, off, g, ldg, accumulate);
}

}  // namespace

const ConvDirectKernels& convDirectKernelsAvx512() {
  static const ConvDirectKernels kernels{"f32_conv_direct_8x32__avx512", kMr, kNr, forwardAvx512,
                                         kWgMr, kWgNt, weightGradAvx512};
  return kernels;
}

}  // namespace keel
