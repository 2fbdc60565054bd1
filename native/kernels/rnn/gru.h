// A whole GRU layer direction over a sequence, PyTorch's equations and gate order (r, z, n):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr);  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r (W_hn h + b_hn));  h' = (1 - z) n + z h
// b_hn stays inside the r product, so the biases are not merged there.
//
// The same transposed, by-time scheme as lstm.h: the input projection of every step is one
// GEMM; each step runs, per block of 28 hidden units, the recurrent GEMM on that block's rows of
// W_hh (packed once per sequence) and then the cell; backward packs W_hhᵀ once and forms the
// weight gradients with one GEMM each over all steps.
//
// Layouts (rows are hidden units, columns batch entries):
//   gates (3h, t*b): time t's activated r, z, n in column block t, rows grouped by unit blocks
//     (rnn_util.h's UnitBlocks with 3 gates).
//   hn (h, (t+1)*b): W_hn h + b_hn of time t in column block t (backward needs it for r's
//     gradient); the last block is unused, so hn shares the states' row stride.
//   h_states (h, (t+1)*b): state blocks as lstm.h's h_states (rnn_shape.h).
// With `lengths`, batch column b only updates at times t < lengths[b]; elsewhere its state
// carries over and its output, gates and hn are zero (PyTorch's packed sequences).
#pragma once
#include <cstddef>
#include <cstdint>

#include "rnn_shape.h"

namespace keel {

using GruShape = RnnShape;

// output is (t + 1, b, h): rows 0..t-1 the output by time, then h_n. x (t, b, i), h0 (b, h),
// w_ih (3h, i), w_hh (3h, h) as PyTorch stores them; b_ih, b_hh (3h) or null.
bool gruForward(float* output, float* h_states, float* gates, float* hn, const float* x, const float* h0,
                const float* w_ih, const float* w_hh, const float* b_ih, const float* b_hh, const GruShape& s);

// Gradients (any may be null when not needed). dgx and dgh are scratch shaped like gates: the
// gradients of the input projection (W_ih x + b_ih) and of W_hh h + b_hh. d_output (t, b, h) by
// time and dh_n (b, h) may be null.
bool gruBackward(float* dx, float* dh0, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh, float* dgx, float* dgh,
                 const float* d_output, const float* dh_n, const float* x, const float* w_ih, const float* w_hh,
                 const float* h_states, const float* gates, const float* hn, const GruShape& s);

// The fused pointwise passes over `units` hidden units of one time step, per ISA
// (gru_cell_*.cc). Gate rows of unit u are u, u + gate_rows, u + 2 gate_rows (r, z, n) with row
// stride ldg; states and hn rows have stride lds; `active` (b floats, 1 or 0) or null.
struct GruCellKernels {
  // gates: the input projection (without bias) in, activated r, z, n out; gh (the block's
  // W_hh h, row stride ldh, same gate rows) in; bias_x (b_ih, plus b_hh for r and z; gate rows
  // apart) and bias_hn (b_hn of the first unit) or null. hn_out gets W_hn h + b_hn.
  void (*forward)(float* gates, float* h_out, float* hn_out, const float* gh, const float* h_prev,
                  const float* bias_x, const float* bias_hn, const float* active, std::size_t ldg, std::size_t ldh,
                  std::size_t gate_rows, std::size_t lds, std::size_t units, std::size_t b);
  // dgx, dgh (gates' layout) from the activated gates, hn, h_prev (stride lds) and dh (stride
  // ldd); dh_prev gets the direct part dh * z (dh itself in inactive columns, whose dgx and dgh
  // are zero); W_hhᵀ dgh is added by the caller.
  void (*backward)(float* dgx, float* dgh, float* dh_prev, const float* dh, const float* gates, const float* hn,
                   const float* h_prev, const float* active, std::size_t ldg, std::size_t gate_rows, std::size_t lds,
                   std::size_t ldd, std::size_t units, std::size_t b);
};

const GruCellKernels& gruCellKernelsScalar();
#if defined(__x86_64__) || defined(_M_X64)
const GruCellKernels& gruCellKernelsAvx2();
const GruCellKernels& gruCellKernelsAvx512();
#endif

}  // namespace keel
