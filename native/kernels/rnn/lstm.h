// A whole LSTM layer direction over a sequence, PyTorch's equations and gate order (i, f, g, o):
//   gates = x_t W_ihᵀ + b_ih + h W_hhᵀ + b_hh;  c' = σ(f) c + σ(i) tanh(g);  h' = σ(o) tanh(c')
// The input projection of every step is one GEMM; each step is one GEMM for the recurrence
// (on W_hhᵀ transposed once per sequence, so no per-step packing) plus one fused pointwise
// pass. Backward runs through time with fused gate-gradient passes and forms the weight
// gradients with one GEMM each over all steps at the end.
//
// Buffers are in processing order s = 0..T-1 (time t = s, or T-1-s when reversed). With
// `lengths`, batch row b only updates on times t < lengths[b]; elsewhere its state carries over
// and its output is zero (PyTorch's packed sequences).
#pragma once
#include <cstddef>
#include <cstdint>

namespace keel {

struct LstmShape {
  std::size_t t, b, i, h;
  bool reverse = false;
  const int32_t* lengths = nullptr;  // b entries in [1, t], or null
};

// output (t, b, h) by time; h_states / c_states (t + 1, b, h) by step, row 0 = h0 / c0;
// gates (t, b, 4h) by step, activated. w_ih (4h, i), w_hh (4h, h) as PyTorch stores them;
// bias (4h) is b_ih + b_hh, or null.
bool lstmForward(float* output, float* h_states, float* c_states, float* gates, const float* x, const float* h0,
                 const float* c0, const float* w_ih, const float* w_hh, const float* bias, const LstmShape& s);

// Gradients (any may be null when not needed; d_bias is the gradient of each bias vector).
// dgates is scratch of (t, b, 4h). d_output (t, b, h) by time; dh_n, dc_n (b, h) may be null.
bool lstmBackward(float* dx, float* dh0, float* dc0, float* dw_ih, float* dw_hh, float* d_bias, float* dgates,
                  const float* d_output, const float* dh_n, const float* dc_n, const float* x, const float* w_ih,
                  const float* w_hh, const float* h_states, const float* c_states, const float* gates,
                  const LstmShape& s);

// The fused pointwise passes, per ISA (lstm_cell_*.cc).
struct LstmCellKernels {
  // gates (b, 4h) pre-activation in, activated out; c_prev, c_out, h_out (b, h); rows with
  // active[r] == 0 copy c_prev/h_prev through.
  void (*forward)(float* gates, float* c_out, float* h_out, const float* c_prev, const float* h_prev,
                  const uint8_t* active, std::size_t b, std::size_t h);
  // dgates (b, 4h) from activated gates, c_prev, c (b, h), dh and dc (in: gradient at this
  // step's outputs; dc is replaced by the gradient at c_prev). Inactive rows get zero dgates
  // and pass dc through.
  void (*backward)(float* dgates, float* dc, const float* dh, const float* gates, const float* c_prev, const float* c,
                   const uint8_t* active, std::size_t b, std::size_t h);
};

const LstmCellKernels& lstmCellKernelsScalar();
#if defined(__x86_64__) || defined(_M_X64)
const LstmCellKernels& lstmCellKernelsAvx2();
const LstmCellKernels& lstmCellKernelsAvx512();
#endif

}  // namespace keel
