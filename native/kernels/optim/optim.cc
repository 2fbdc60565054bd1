#include "optim.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "../../core/thread_pool.h"

namespace keel {
namespace {

constexpr std::size_t kChunk = 1 << 14;

template <typename Fn>
void forChunks(std::size_t n, const Fn& fn) {
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
  parallelFor(chunks, n >= 4 * kChunk ? SIZE_MAX : 1, [&](std::size_t c) { fn(c * kChunk, std::min(n, (c + 1) * kChunk)); });
}

// Plain Adam (no decay, maximize or amsgrad) over [b, e) as a branch-free loop the compiler
// vectorizes (it needs -fno-math-errno for the sqrt; vector sqrt and division are correctly
// rounded like the scalar ones): adamStep's general loop operation for operation, so the same
// bits, without a scalar sqrt and division per element.
void adamPlainRange(float* __restrict param, const float* __restrict grad, float* __restrict exp_avg,
                    float* __restrict exp_avg_sq, std::size_t b, std::size_t e, float beta1, float beta2, float eps,
                    float step_size, float bc2_sqrt) {
  const float one_m_beta1 = 1 - beta1, one_m_beta2 = 1 - beta2;
  for (std::size_t i = b; i < e; i++) {
    const float g = grad[i];
    const float m = exp_avg[i] + one_m_beta1 * (g - exp_avg[i]);
    const float v = exp_avg_sq[i] * beta2 + one_m_beta2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    const float denom = std::sqrt(v) / bc2_sqrt + eps;
    param[i] = param[i] - step_size * (m / denom);
  }
}

}  // namespace

void sgdStep(float* param, const float* grad, float* buf, std::size_t n, const OptimHyper& h) {
  if (!h.maximize && h.weight_decay == 0 && h.momentum != 0 && !h.first_step && !h.nesterov) {
    // The common case (momentum, no decay) as a branch-free loop the compiler vectorizes; the
    // arithmetic is the general loop's for these settings, so are the bits.
    const float momentum = h.momentum, keep = 1 - h.dampening, lr = h.lr;
    forChunks(n, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; i++) {
        const float v = momentum * buf[i] + keep * grad[i];
        buf[i] = v;
        param[i] = param[i] - lr * v;
      }
    });
    return;
  }
  forChunks(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; i++) {
      float d = h.maximize ? -grad[i] : grad[i];
      if (h.weight_decay != 0) d = d + h.weight_decay * param[i];
      if (h.momentum != 0) {
        buf[i] = h.first_step ? d : h.momentum * buf[i] + (1 - h.dampening) * d;
        d = h.nesterov ? d + h.momentum * buf[i] : buf[i];
      }
      param[i] = param[i] - h.lr * d;
    }
  });
}

void adamStep(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, float* max_exp_avg_sq,
              std::size_t n, const OptimHyper& h) {
  const double bc1 = 1 - std::pow(static_cast<double>(h.beta1), h.step);
  const double bc2 = 1 - std::pow(static_cast<double>(h.beta2), h.step);
  const float step_size = static_cast<float>(h.lr / bc1);
  const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
  if (!h.maximize && !h.decoupled && h.weight_decay == 0 && !h.amsgrad) {
    forChunks(n, [&](std::size_t b, std::size_t e) {
      adamPlainRange(param, grad, exp_avg, exp_avg_sq, b, e, h.beta1, h.beta2, h.eps, step_size, bc2_sqrt);
    });
    return;
  }
  forChunks(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; i++) {
      float g = h.maximize ? -grad[i] : grad[i];
      float p = param[i];
      if (h.decoupled) p = p * (1 - h.lr * h.weight_decay);
      else if (h.weight_decay != 0) g = g + h.weight_decay * p;
      // exp_avg.lerp_(grad, 1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
      const float m = exp_avg[i] + (1 - h.beta1) * (g - exp_avg[i]);
      const float v = exp_avg_sq[i] * h.beta2 + (1 - h.beta2) * g * g;
      exp_avg[i] = m;
      exp_avg_sq[i] = v;
      float denom_src = v;
      if (h.amsgrad) {
        max_exp_avg_sq[i] = std::max(max_exp_avg_sq[i], v);
        denom_src = max_exp_avg_sq[i];
      }
      const float denom = std::sqrt(denom_src) / bc2_sqrt + h.eps;
      param[i] = p - step_size * (m / denom);
    }
  });
}

void adagradStep(float* param, const float* grad, float* state_sum, std::size_t n, const OptimHyper& h) {
  const float clr = static_cast<float>(h.lr / (1 + (h.step - 1) * h.lr_decay));
  forChunks(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; i++) {
      float g = h.maximize ? -grad[i] : grad[i];
      if (h.weight_decay != 0) g = g + h.weight_decay * param[i];
      state_sum[i] = state_sum[i] + g * g;
      const float stdv = std::sqrt(state_sum[i]) + h.eps;
      param[i] = param[i] - clr * (g / stdv);
    }
  });
}

void rmspropStep(float* param, const float* grad, float* square_avg, float* grad_avg, float* momentum_buffer,
                 std::size_t n, const OptimHyper& h) {
  forChunks(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; i++) {
      float g = h.maximize ? -grad[i] : grad[i];
      if (h.weight_decay != 0) g = g + h.weight_decay * param[i];
      const float sq = square_avg[i] * h.alpha + (1 - h.alpha) * g * g;
      square_avg[i] = sq;
      float avg;
      if (h.centered) {
        const float ga = grad_avg[i] + (1 - h.alpha) * (g - grad_avg[i]);
        grad_avg[i] = ga;
        avg = std::sqrt(sq - ga * ga) + h.eps;
      } else {
        avg = std::sqrt(sq) + h.eps;
      }
      if (h.momentum > 0) {
        momentum_buffer[i] = momentum_buffer[i] * h.momentum + g / avg;
        param[i] = param[i] - h.lr * momentum_buffer[i];
      } else {
        param[i] = param[i] - h.lr * (g / avg);
      }
    }
  });
}

}  // namespace keel
