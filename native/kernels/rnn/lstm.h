// A whole LSTM layer direction over a sequence, PyTorch's equations and gate order (i, f, g, o):
//   gates = W_ih x_t + b_ih + W_hh h + b_hh;  c' = σ(f) c + σ(i) tanh(g);  h' = σ(o) tanh(c')
//
// Everything runs transposed, hidden units down the rows and batch columns across, so that the
// big constant operand of each step's GEMM is W_hh itself: gatesᵀ (4h x b) += W_hh (4h x h) hᵀ.
// W_hh is packed once per sequence into the micro-kernel's panel layout (sgemmPackedA), and at
// two threads each thread's half of it stays in its core's L2 across the steps; the batch
// (typically 32) is the GEMM's narrow n, which suits the 32-wide AVX-512 tile exactly. The input
// projection of every step is one GEMM; backward runs through time with the transposed W_hh
// packed once, and forms the weight gradients with one GEMM each over all steps.
//
// Buffers are indexed by time (not by processing step), so that x, gates and the states of
// every step line up for the weight-gradient GEMMs whichever the direction:
//   gates (4h, t*b): column block t (columns t*b .. t*b+b-1) holds time t's activated gates.
//     Its rows are grouped by blocks of hidden units (rnn_util.h's UnitBlocks): each block's i, f,
//     g, o rows in turn, so that one task computes a block's GEMM rows and then its cell.
//   h_states, c_states (h, (t+1)*b): t+1 column blocks of states (rnn_shape.h says which).
// With `lengths`, batch column b only updates at times t < lengths[b]; elsewhere its state
// carries over, its output is zero and its gates are zero (PyTorch's packed sequences).
#pragma once
#include <cstddef>
#include <cstdint>

#include "rnn_shape.h"

namespace keel {

using LstmShape = RnnShape;

// output is (t + 2, b, h): rows 0..t-1 the output by time, then h_n, then c_n (b, h each).
// h_states / c_states (h, (t+1)*b) and gates (4h, t*b) as above. x (t, b, i), h0 / c0 (b, h).
// w_ih (4h, i), w_hh (4h, h) as PyTorch stores them; bias (4h) is b_ih + b_hh, or null.
bool lstmForward(float* output, float* h_states, float* c_states, float* gates, const float* x, const float* h0,
                 const float* c0, const float* w_ih, const float* w_hh, const float* bias, const LstmShape& s);

// Gradients (any may be null when not needed; d_bias is the gradient of each bias vector).
// dgates is scratch shaped like gates. d_output (t, b, h) by time; dh_n, dc_n (b, h) may be null.
bool lstmBackward(float* dx, float* dh0, float* dc0, float* dw_ih, float* dw_hh, float* d_bias, float* dgates,
                  const float* d_output, const float* dh_n, const float* dc_n, const float* x, const float* w_ih,
                  const float* w_hh, const float* h_states, const float* c_states, const float* gates,
                  const LstmShape& s);

// The fused pointwise passes over `units` hidden units of one time step, per ISA
// (lstm_cell_*.cc). Rows are hidden units, columns the b batch entries (contiguous). The gate
// rows of unit u are u, u + gate_rows, u + 2 gate_rows, u + 3 gate_rows (i, f, g, o) of a matrix
// with row stride ldg; the states are rows of stride lds. `active` (b floats, 1 or 0) or null.
struct LstmCellKernels {
  // gates: pre-activation (without bias) in, activated out; bias (the i row of the first unit,
  // the others gate_rows apart) or null. Columns with active == 0 copy c_prev / h_prev through
  // and get zero gates.
  void (*forward)(float* gates, float* c_out, float* h_out, const float* c_prev, const float* h_prev,
                  const float* bias, const float* active, std::size_t ldg, std::size_t gate_rows, std::size_t lds,
                  std::size_t units, std::size_t b);
  // dgates (same layout as gates) from the activated gates, c_prev and c (stride lds), dh and dc
  // (stride ldd; in: the gradient at this step's outputs; dc is replaced by the gradient at
  // c_prev). Inactive columns get zero dgates and pass dc through.
  void (*backward)(float* dgates, float* dc, const float* dh, const float* gates, const float* c_prev, const float* c,
                   const float* active, std::size_t ldg, std::size_t gate_rows, std::size_t lds, std::size_t ldd,
                   std::size_t units, std::size_t b);
};

const LstmCellKernels& lstmCellKernelsScalar();
#if defined(__x86_64__) || defined(_M_X64)
const LstmCellKernels& lstmCellKernelsAvx2();
const LstmCellKernels& lstmCellKernelsAvx512();
#endif

}  // namespace keel
