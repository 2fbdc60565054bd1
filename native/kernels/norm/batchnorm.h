// Batch normalization over (n, c, l) blocks (l = H*W for 2-D, the length for 1-D, 1 for plain
// features), one fused pass per channel. Channels run in parallel; each channel's sums run in
// a fixed order in double precision, so results do not depend on the thread count.
#pragma once
#include <cstddef>

namespace keel {

struct BatchNormShape {
  std::size_t n, c, l;
};

// Training: normalizes with the batch statistics, writes save_mean / save_invstd (c each) for
// the backward, and updates running stats when given (running_var with the unbiased variance,
// as PyTorch). Evaluation (training = false): uses the running stats. weight/bias may be null.
void batchNormForward(float* out, float* save_mean, float* save_invstd, const float* x, const float* weight,
                      const float* bias, float* running_mean, float* running_var, const BatchNormShape& s,
                      bool training, float momentum, float eps);

// Gradients from grad_out, x and the saved statistics (batch ones when `training`, else the
// running ones passed as save_mean and as save_invstd = 1/sqrt(var + eps)). Any output may be
// null when not needed.
void batchNormBackward(float* grad_x, float* grad_weight, float* grad_bias, const float* grad_out, const float* x,
                       const float* weight, const float* save_mean, const float* save_invstd,
                       const BatchNormShape& s, bool training);

}  // namespace keel
