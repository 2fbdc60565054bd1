// 2-D max and average pooling over (planes, h, w) blocks (a plane is one (n, c) of NCHW), with
// PyTorch's padding, dilation (max only), ceil mode and average divisor rules. Max pooling
// records the argmax of each window as an index into its input plane (h * w + w), as
// PyTorch's return_indices does. Planes run in parallel; each output is computed alone.
#pragma once
#include <cstddef>
#include <cstdint>

namespace keel {

struct Pool2dShape {
  std::size_t planes, h, w;
  std::size_t kh, kw, sh, sw, ph, pw, dh, dw;
  std::size_t ho, wo;
};

// PyTorch's pooling output size, ceil mode included (a last window starting in the right
// padding is dropped). 0 when the window does not fit.
std::size_t poolOutputSize(std::size_t in, std::size_t k, std::size_t stride, std::size_t pad, std::size_t dilation,
                           bool ceil_mode);

void maxPool2dForward(float* out, int32_t* indices, const float* x, const Pool2dShape& s);
// grad_x (zeroed here) += grad_out at the recorded indices.
void maxPool2dBackward(float* grad_x, const float* grad_out, const int32_t* indices, const Pool2dShape& s);

// divisor_override 0 means none.
void avgPool2dForward(float* out, const float* x, const Pool2dShape& s, bool count_include_pad,
                      std::size_t divisor_override);
void avgPool2dBackward(float* grad_x, const float* grad_out, const Pool2dShape& s, bool count_include_pad,
                       std::size_t divisor_override);

// Adaptive average pooling: window i spans [floor(i*in/out), ceil((i+1)*in/out)).
void adaptiveAvgPool2dForward(float* out, const float* x, std::size_t planes, std::size_t h, std::size_t w,
                              std::size_t ho, std::size_t wo);
void adaptiveAvgPool2dBackward(float* grad_x, const float* grad_out, std::size_t planes, std::size_t h,
                               std::size_t w, std::size_t ho, std::size_t wo);

}  // namespace keel
