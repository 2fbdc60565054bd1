// The portable reference direct-convolution kernels: plain C++ every platform builds, that the
// SIMD kernels are tested against. Compiled with the baseline flags only.
#include "conv_direct.h"

namespace keel {
namespace {

constexpr std::size_t kMr = 4, kNr = 8;
constexpr std::size_t kWgMr = 2, kWgNt = 2, kLanes = 4;

// 4 x 8 tile; the fixed-count j loop vectorizes with the baseline (SSE2, NEON).
void f32_conv_direct_4x8__scalar(std::size_t mr_used, std::size_t /*nr_used == kNr*/, std::size_t k, const float* wp,
                                 const float* bias, const std::ptrdiff_t* off, const float* x,
                                 float* out, std::size_t ldo) {
  float acc[kMr][kNr];
  for (std::size_t i = 0; i < kMr; i++)
    for (std::size_t j = 0; j < kNr; j++) acc[i][j] = bias != nullptr && i < mr_used ? bias[i] : 0.0f;
  for (std::size_t p = 0; p < k; p++) {
    const float* xp = x + off[p];
    for (std::size_t i = 0; i < kMr; i++) {
      const float wi = wp[p * kMr + i];
      for (std::size_t j = 0; j < kNr; j++) acc[i][j] += wi * xp[j];
    }
  }
  for (std::size_t i = 0; i < mr_used; i++)
    for (std::size_t j = 0; j < kNr; j++) out[i * ldo + j] = acc[i][j];
}

// Four lanes per (row, tap), added pairwise at the end, as a 4-wide vector would.
void f32_conv_direct_wgrad_2x2__scalar(std::size_t mr_used, std::size_t nt_used, std::size_t nq,
                                       std::size_t samples, const float* a, std::size_t lda,
                                       std::size_t a_ss, const float* x, std::size_t x_ss,
                                       const std::ptrdiff_t* off, float* g, std::size_t ldg,
                                       bool accumulate) {
  float acc[kWgMr][kWgNt][kLanes] = {};
  for (std::size_t s = 0; s < samples; s++) {
    for (std::size_t i = 0; i < mr_used; i++) {
      const float* ai = a + s * a_ss + i * lda;
      for (std::size_t t = 0; t < nt_used; t++) {
        const float* xt = x + s * x_ss + off[t];
        for (std::size_t j = 0; j < nq; j += kLanes)
          for (std::size_t l = 0; l < kLanes; l++) acc[i][t][l] += ai[j + l] * xt[j + l];
      }
    }
  }
  for (std::size_t i = 0; i < mr_used; i++)
    for (std::size_t t = 0; t < nt_used; t++) {
      const float sum = (acc[i][t][0] + acc[i][t][1]) + (acc[i][t][2] + acc[i][t][3]);
      g[i * ldg + t] = (accumulate ? g[i * ldg + t] : 0.0f) + sum;
    }
}

}  // namespace

const ConvDirectKernels& convDirectKernelsScalar() {
  static const ConvDirectKernels kernels{"f32_conv_direct_4x8__scalar", kMr, kNr, f32_conv_direct_4x8__scalar,
                                         kWgMr, kWgNt, f32_conv_direct_wgrad_2x2__scalar};
  return kernels;
}

}  // namespace keel
