#include "lstm.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../../core/aligned_alloc.h"
#include "../../core/cpu.h"
#include "../../core/thread_pool.h"
#include "../gemm/gemm.h"

namespace keel {
namespace {

const LstmCellKernels& cellKernels() {
#if defined(__x86_64__) || defined(_M_X64)
  switch (activeIsa()) {
    case Isa::kAvx512: return lstmCellKernelsAvx512();
    case Isa::kAvx2: return lstmCellKernelsAvx2();
    default: break;
  }
#endif
  return lstmCellKernelsScalar();
}


// The cell passes over batch rows, split into fixed blocks across threads when big enough.
// Rows are independent, so the split never changes a result.
template <typename Fn>
void forRowBlocks(const LstmShape& s, const Fn& fn) {
  constexpr std::size_t kRowsPerBlock = 8;
  const std::size_t blocks = (s.b + kRowsPerBlock - 1) / kRowsPerBlock;
  const bool parallel = blocks > 1 && s.b * s.h >= 4096;
  parallelFor(blocks, parallel ? SIZE_MAX : 1,
              [&](std::size_t i) { fn(i * kRowsPerBlock, std::min(s.b, (i + 1) * kRowsPerBlock)); });
}

std::size_t timeOf(const LstmShape& s, std::size_t step) { return s.reverse ? s.t - 1 - step : step; }

// active[r] for the step at time t (null when every row is active).
const uint8_t* activeRows(const LstmShape& s, std::size_t time, std::vector<uint8_t>& buf) {
  if (s.lengths == nullptr) return nullptr;
  buf.resize(s.b);
  for (std::size_t r = 0; r < s.b; r++) buf[r] = static_cast<std::size_t>(s.lengths[r]) > time;
  return buf.data();
}

}  // namespace

bool lstmForward(float* output, float* h_states, float* c_states, float* gates, const float* x, const float* h0,
                 const float* c0, const float* w_ih, const float* w_hh, const float* bias, const LstmShape& s) {
  const std::size_t g4 = 4 * s.h, bh = s.b * s.h;
  // W_hh transposed once per sequence to (h, 4h), so the per-step GEMM reads it in place
  // instead of packing a transposed operand on every step. Blocked for cache-friendly reads.
  thread_local ScratchBuffer w_hh_t_buffer;
  float* w_hh_t = w_hh_t_buffer.reserve(g4 * s.h);
  if (w_hh_t == nullptr) return false;
  for (std::size_t r0 = 0; r0 < g4; r0 += 32)
    for (std::size_t c0b = 0; c0b < s.h; c0b += 32)
      for (std::size_t r = r0; r < std::min(g4, r0 + 32); r++)
        for (std::size_t c = c0b; c < std::min(s.h, c0b + 32); c++) w_hh_t[c * g4 + r] = w_hh[r * s.h + c];
  std::memcpy(h_states, h0, bh * sizeof(float));
  std::memcpy(c_states, c0, bh * sizeof(float));
  if (s.t == 0) return true;
  // The input projection of every time step at once, in time order: proj (t*b, 4h). Kept in a
  // per-thread buffer: a fresh multi-megabyte allocation per call would page-fault every time.
  thread_local ScratchBuffer proj_buffer;
  float* proj = proj_buffer.reserve(s.t * s.b * g4);
  if (proj == nullptr) return false;
  if (!sgemm(false, true, s.t * s.b, g4, s.i, x, s.i, w_ih, s.i, 0.0f, proj, g4, SIZE_MAX)) return false;
  const LstmCellKernels& k = cellKernels();
  std::vector<uint8_t> active_buf;
  for (std::size_t step = 0; step < s.t; step++) {
    const std::size_t time = timeOf(s, step);
    float* g = gates + step * s.b * g4;
    // This step's projection plus the bias, in the pass that copies it into place.
    const float* pr = proj + time * s.b * g4;
    if (bias != nullptr) {
      for (std::size_t r = 0; r < s.b; r++)
        for (std::size_t j = 0; j < g4; j++) g[r * g4 + j] = pr[r * g4 + j] + bias[j];
    } else {
      std::memcpy(g, pr, s.b * g4 * sizeof(float));
    }
    // gates += h W_hhᵀ (w_hh_t is (h, 4h): no transpose, no packing of B)
    if (!sgemm(false, false, s.b, g4, s.h, h_states + step * bh, s.h, w_hh_t, g4, 1.0f, g, g4, SIZE_MAX)) return false;
    const uint8_t* active = activeRows(s, time, active_buf);
    float* hn = h_states + (step + 1) * bh;
    forRowBlocks(s, [&](std::size_t r0, std::size_t r1) {
      k.forward(g + r0 * g4, c_states + (step + 1) * bh + r0 * s.h, hn + r0 * s.h, c_states + step * bh + r0 * s.h,
                h_states + step * bh + r0 * s.h, active ? active + r0 : nullptr, r1 - r0, s.h);
    });
    float* out = output + time * bh;
    std::memcpy(out, hn, bh * sizeof(float));
    if (active != nullptr) {
      for (std::size_t r = 0; r < s.b; r++)
        if (!active[r]) std::memset(out + r * s.h, 0, s.h * sizeof(float));
    }
  }
  return true;
}

bool lstmBackward(float* dx, float* dh0, float* dc0, float* dw_ih, float* dw_hh, float* d_bias, float* dgates,
                  const float* d_output, const float* dh_n, const float* dc_n, const float* x, const float* w_ih,
                  const float* w_hh, const float* h_states, const float* c_states, const float* gates,
                  const LstmShape& s) {
  const std::size_t g4 = 4 * s.h, bh = s.b * s.h;
  std::vector<float> dh(bh, 0.0f), dc(bh, 0.0f), dh_prev(bh);
  if (dh_n) std::memcpy(dh.data(), dh_n, bh * sizeof(float));
  if (dc_n) std::memcpy(dc.data(), dc_n, bh * sizeof(float));
  const LstmCellKernels& k = cellKernels();
  std::vector<uint8_t> active_buf;
  for (std::size_t step = s.t; step-- > 0;) {
    const std::size_t time = timeOf(s, step);
    const uint8_t* active = activeRows(s, time, active_buf);
    // The output at this time feeds the state gradient (inactive rows output a constant 0).
    if (d_output) {
      const float* dout = d_output + time * bh;
      for (std::size_t r = 0; r < s.b; r++) {
        if (active != nullptr && !active[r]) continue;
        for (std::size_t j = 0; j < s.h; j++) dh[r * s.h + j] += dout[r * s.h + j];
      }
    }
    float* dg = dgates + step * s.b * g4;
    forRowBlocks(s, [&](std::size_t r0, std::size_t r1) {
      k.backward(dg + r0 * g4, dc.data() + r0 * s.h, dh.data() + r0 * s.h, gates + step * s.b * g4 + r0 * g4,
                 c_states + step * bh + r0 * s.h, c_states + (step + 1) * bh + r0 * s.h, active ? active + r0 : nullptr,
                 r1 - r0, s.h);
    });
    // dh_prev = dgates W_hh (W_hh is (4h, h): no transpose). Inactive rows carry dh through.
    if (!sgemm(false, false, s.b, s.h, g4, dg, g4, w_hh, s.h, 0.0f, dh_prev.data(), s.h, SIZE_MAX)) return false;
    if (active != nullptr) {
      for (std::size_t r = 0; r < s.b; r++)
        if (!active[r]) std::memcpy(dh_prev.data() + r * s.h, dh.data() + r * s.h, s.h * sizeof(float));
    }
    dh.swap(dh_prev);
  }
  if (dh0) std::memcpy(dh0, dh.data(), bh * sizeof(float));
  if (dc0) std::memcpy(dc0, dc.data(), bh * sizeof(float));
  if (s.t == 0) {
    if (dw_ih) std::memset(dw_ih, 0, g4 * s.i * sizeof(float));
    if (dw_hh) std::memset(dw_hh, 0, g4 * s.h * sizeof(float));
    if (d_bias) std::memset(d_bias, 0, g4 * sizeof(float));
    return true;
  }
  // dgates is in step order; x is in time order. Reorder dgates to time order for the GEMMs
  // with x (a reversed layer's steps run backwards in time).
  std::vector<float> dgates_time;
  const float* dg_time = dgates;
  if (s.reverse) {
    dgates_time.resize(s.t * s.b * g4);
    for (std::size_t step = 0; step < s.t; step++) {
      std::memcpy(dgates_time.data() + timeOf(s, step) * s.b * g4, dgates + step * s.b * g4, s.b * g4 * sizeof(float));
    }
    dg_time = dgates_time.data();
  }
  const std::size_t rows = s.t * s.b;
  // dx = dgates W_ih; dW_ih = dgatesᵀ x; dW_hh = dgatesᵀ h_prev (step order, h_states rows 0..t-1)
  if (dx && !sgemm(false, false, rows, s.i, g4, dg_time, g4, w_ih, s.i, 0.0f, dx, s.i, SIZE_MAX)) return false;
  if (dw_ih && !sgemm(true, false, g4, s.i, rows, dg_time, g4, x, s.i, 0.0f, dw_ih, s.i, SIZE_MAX)) return false;
  if (dw_hh && !sgemm(true, false, g4, s.h, rows, dgates, g4, h_states, s.h, 0.0f, dw_hh, s.h, SIZE_MAX)) return false;
  if (d_bias) {
    for (std::size_t j = 0; j < g4; j++) d_bias[j] = 0.0f;
    for (std::size_t r = 0; r < rows; r++) {
      const float* row = dgates + r * g4;
      for (std::size_t j = 0; j < g4; j++) d_bias[j] += row[j];
    }
  }
  return true;
}

}  // namespace keel
