// The portable reference micro-kernel: plain C++ that every platform builds (ARM64 included)
// and that the SIMD kernels are tested against. Compiled with the baseline flags only.
#include "ukernel.h"

namespace keel {
namespace {

constexpr std::size_t kMr = 4, kNr = 16;

// Register tile 4 x 16: the inner j loop has a fixed trip count the compiler can vectorize with
// whatever the baseline offers (SSE2 on x86-64, NEON on ARM64).
void f32_gemm_4x16__scalar(std::size_t kc, const float* a, const float* b, float* c,
                           std::size_t ldc, float alpha, float beta) {
  float acc[kMr][kNr] = {};
  for (std::size_t p = 0; p < kc; p++) {
    for (std::size_t i = 0; i < kMr; i++) {
      const float ai = a[p * kMr + i];
      for (std::size_t j = 0; j < kNr; j++) acc[i][j] += ai * b[p * kNr + j];
    }
  }
  for (std::size_t i = 0; i < kMr; i++) {
    float* row = c + i * ldc;
    if (beta == 0.0f) {
      for (std::size_t j = 0; j < kNr; j++) row[j] = alpha * acc[i][j];
    } else {
      for (std::size_t j = 0; j < kNr; j++) row[j] = alpha * acc[i][j] + beta * row[j];
    }
  }
}

}  // namespace

const GemmKernel& f32GemmKernelScalar() {
  static GemmKernel kernel{  // not const: benchmarks/native/gemm_tune.cc retunes the blocking
                           "f32_gemm_4x16__scalar", kMr, kNr, 256, 256, 1024,
                           f32_gemm_4x16__scalar, nullptr, nullptr};
  return kernel;
}

}  // namespace keel
