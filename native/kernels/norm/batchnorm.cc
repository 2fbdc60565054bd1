#include "batchnorm.h"

#include <cmath>
#include <cstdint>

#include "../../core/thread_pool.h"

namespace keel {
namespace {

// Sums in 8 fixed lanes: the compiler maps them onto SIMD registers (a plain float sum loop may
// not be reordered, so it would stay scalar), and the order never depends on threads.
constexpr std::size_t kLanes = 8;

inline float laneTotal(const float* acc) {
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

float sumOf(const float* p, std::size_t n) {
  float acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t l = 0; l < kLanes; l++) acc[l] += p[i + l];
  for (std::size_t l = 0; i < n; i++, l++) acc[l] += p[i];
  return laneTotal(acc);
}

float sumSquaredDiff(const float* p, std::size_t n, float mean) {
  float acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t l = 0; l < kLanes; l++) {
      const float d = p[i + l] - mean;
      acc[l] += d * d;
    }
  for (std::size_t l = 0; i < n; i++, l++) {
    const float d = p[i] - mean;
    acc[l] += d * d;
  }
  return laneTotal(acc);
}

// sum(g) and sum(g * (x - mean)) in one pass.
void gradSums(const float* g, const float* p, std::size_t n, float mean, float* sum_g, float* sum_gx) {
  float a[kLanes] = {}, b[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t l = 0; l < kLanes; l++) {
      a[l] += g[i + l];
      b[l] += g[i + l] * (p[i + l] - mean);
    }
  for (std::size_t l = 0; i < n; i++, l++) {
    a[l] += g[i];
    b[l] += g[i] * (p[i] - mean);
  }
  *sum_g = laneTotal(a);
  *sum_gx = laneTotal(b);
}

template <typename Fn>
void forChannels(const BatchNormShape& s, const Fn& fn) {
  parallelFor(s.c, s.n * s.c * s.l >= (1 << 15) ? SIZE_MAX : 1, fn);
}

}  // namespace

void batchNormForward(float* out, float* save_mean, float* save_invstd, const float* x, const float* weight,
                      const float* bias, float* running_mean, float* running_var, const BatchNormShape& s,
                      bool training, float momentum, float eps) {
  const std::size_t count = s.n * s.l;
  forChannels(s, [&](std::size_t c) {
    float mean, invstd;
    if (training) {
      double sum = 0;
      for (std::size_t n = 0; n < s.n; n++) sum += sumOf(x + (n * s.c + c) * s.l, s.l);
      const double m = count > 0 ? sum / static_cast<double>(count) : 0.0;
      double sq = 0;
      for (std::size_t n = 0; n < s.n; n++) sq += sumSquaredDiff(x + (n * s.c + c) * s.l, s.l, static_cast<float>(m));
      const double var = count > 0 ? sq / static_cast<double>(count) : 0.0;
      mean = static_cast<float>(m);
      invstd = static_cast<float>(1.0 / std::sqrt(var + eps));
      if (save_mean) save_mean[c] = mean;
      if (save_invstd) save_invstd[c] = invstd;
      if (running_mean) running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
      if (running_var) {
        const double unbiased = count > 1 ? sq / static_cast<double>(count - 1) : var;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * static_cast<float>(unbiased);
      }
    } else {
      mean = running_mean[c];
      invstd = 1.0f / std::sqrt(running_var[c] + eps);
    }
    const float scale = (weight ? weight[c] : 1.0f) * invstd;
    const float shift = (bias ? bias[c] : 0.0f) - mean * scale;
    for (std::size_t n = 0; n < s.n; n++) {
      const float* p = x + (n * s.c + c) * s.l;
      float* o = out + (n * s.c + c) * s.l;
      for (std::size_t i = 0; i < s.l; i++) o[i] = p[i] * scale + shift;
    }
  });
}

void batchNormBackward(float* grad_x, float* grad_weight, float* grad_bias, const float* grad_out, const float* x,
                       const float* weight, const float* save_mean, const float* save_invstd,
                       const BatchNormShape& s, bool training) {
  const std::size_t count = s.n * s.l;
  forChannels(s, [&](std::size_t c) {
    const float mean = save_mean[c], invstd = save_invstd[c];
    double sum_dy = 0, sum_dy_xhat = 0;
    for (std::size_t n = 0; n < s.n; n++) {
      float a, b;
      gradSums(grad_out + (n * s.c + c) * s.l, x + (n * s.c + c) * s.l, s.l, mean, &a, &b);
      sum_dy += a;
      sum_dy_xhat += b;
    }
    sum_dy_xhat *= invstd;
    if (grad_weight) grad_weight[c] = static_cast<float>(sum_dy_xhat);
    if (grad_bias) grad_bias[c] = static_cast<float>(sum_dy);
    if (!grad_x) return;
    const float w = weight ? weight[c] : 1.0f;
    if (!training) {
      const float k = w * invstd;
      for (std::size_t n = 0; n < s.n; n++) {
        const float* g = grad_out + (n * s.c + c) * s.l;
        float* gx = grad_x + (n * s.c + c) * s.l;
        for (std::size_t i = 0; i < s.l; i++) gx[i] = g[i] * k;
      }
      return;
    }
    // dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))
    const float k = w * invstd;
    const float mean_dy = count ? static_cast<float>(sum_dy / static_cast<double>(count)) : 0.0f;
    const float mean_dy_xhat = count ? static_cast<float>(sum_dy_xhat / static_cast<double>(count)) : 0.0f;
    for (std::size_t n = 0; n < s.n; n++) {
      const float* g = grad_out + (n * s.c + c) * s.l;
      const float* p = x + (n * s.c + c) * s.l;
      float* gx = grad_x + (n * s.c + c) * s.l;
      for (std::size_t i = 0; i < s.l; i++) {
        const float xhat = (p[i] - mean) * invstd;
        gx[i] = k * (g[i] - mean_dy - xhat * mean_dy_xhat);
      }
    }
  });
}

}  // namespace keel
