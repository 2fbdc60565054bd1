// Fused optimizer updates: one pass over a parameter, its gradient and its state per step,
// following PyTorch 1.13's single-tensor algorithms operation for operation. Elementwise, so
// the result does not depend on the thread count.
#pragma once
#include <cstddef>

namespace keel {

struct OptimHyper {
  float lr = 0, weight_decay = 0, momentum = 0, dampening = 0;
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, alpha = 0.99f, lr_decay = 0;
  bool nesterov = false, maximize = false, amsgrad = false, centered = false, decoupled = false;
  double step = 1;          // the step count after this update (1 on the first)
  bool first_step = false;  // SGD: the momentum buffer starts as the gradient itself
};

// buf (momentum buffer) may be null when momentum == 0.
void sgdStep(float* param, const float* grad, float* buf, std::size_t n, const OptimHyper& h);
// Adam / AdamW (decoupled): exp_avg, exp_avg_sq, and max_exp_avg_sq when amsgrad (else null).
void adamStep(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, float* max_exp_avg_sq,
              std::size_t n, const OptimHyper& h);
void adagradStep(float* param, const float* grad, float* state_sum, std::size_t n, const OptimHyper& h);
// grad_avg when centered, momentum_buffer when momentum > 0 (else null).
void rmspropStep(float* param, const float* grad, float* square_avg, float* grad_avg, float* momentum_buffer,
                 std::size_t n, const OptimHyper& h);

}  // namespace keel
