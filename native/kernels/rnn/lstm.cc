#include "lstm.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../../core/aligned_alloc.h"
#include "../../core/cpu.h"
#include "../../core/thread_pool.h"
#include "../gemm/gemm.h"
#include "rnn_util.h"

namespace keel {
namespace {

using rnn::UnitBlocks;

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

// A step's multiply-adds, roughly: the recurrent GEMM plus the cell.
double stepWork(const LstmShape& s) { return 4.0 * s.h * s.h * s.b + 64.0 * s.h * s.b; }

}  // namespace

bool lstmForward(float* output, float* h_states, float* c_states, float* gates, const float* x, const float* h0,
                 const float* c0, const float* w_ih, const float* w_hh, const float* bias, const LstmShape& s) {
  const std::size_t g4 = 4 * s.h, bh = s.b * s.h, tb = s.t * s.b, lds = (s.t + 1) * s.b;
  // One ISA for packing and multiplying the recurrent weights (gemm.h), read once.
  const Isa isa = activeIsa();
  const std::size_t first = s.reverse ? s.t : 0, last = s.reverse ? 0 : s.t;
  float* h_n = output + s.t * bh;
  float* c_n = h_n + bh;
  rnn::transpose(h_states + first * s.b, lds, h0, s.h, s.b, s.h);
  rnn::transpose(c_states + first * s.b, lds, c0, s.h, s.b, s.h);
  if (s.t == 0) {
    std::memcpy(h_n, h0, bh * sizeof(float));
    std::memcpy(c_n, c0, bh * sizeof(float));
    return true;
  }
  const UnitBlocks ub(s.h, 4);
  // Per-thread buffers: fresh megabytes per call would page-fault every time.
  thread_local ScratchBuffer w_ih_buffer, w_hh_buffer, w_hh_packed_buffer, bias_buffer;
  float* w_ih_b = rnn::reserveFloats(w_ih_buffer, g4 * s.i);
  float* w_hh_b = rnn::reserveFloats(w_hh_buffer, g4 * s.h);
  const std::size_t block_packed = rnn::blockPackedFloats(isa, ub, s.h);
  float* w_hh_packed = rnn::reserveFloats(w_hh_packed_buffer, ub.count * block_packed);
  float* bias_b = bias != nullptr ? rnn::reserveFloats(bias_buffer, g4) : nullptr;
  if (!w_ih_b || !w_hh_b || !w_hh_packed || (bias != nullptr && !bias_b)) return false;
  rnn::toBlockOrder(w_ih_b, w_ih, s.i, ub);
  rnn::toBlockOrder(w_hh_b, w_hh, s.h, ub);
  if (bias != nullptr) rnn::toBlockOrder(bias_b, bias, 1, ub);
  rnn::packRecurrentBlocks(isa, w_hh_packed, w_hh_b, ub, s.h);
  // gates (4h, t*b) = W_ih xᵀ for every time step at once; the recurrence accumulates onto it.
  if (!sgemm(false, true, g4, tb, s.i, w_ih_b, s.i, x, s.i, 0.0f, gates, tb, SIZE_MAX)) return false;
  const LstmCellKernels& k = cellKernels();
  std::vector<float> active_buf;
  for (std::size_t step = 0; step < s.t; step++) {
    const std::size_t time = rnnTimeOf(s, step);
    const float* hp = h_states + rnnPrevBlock(s, time) * s.b;
    const float* cp = c_states + rnnPrevBlock(s, time) * s.b;
    float* hn = h_states + rnnNextBlock(s, time) * s.b;
    float* cn = c_states + rnnNextBlock(s, time) * s.b;
    const float* active = rnn::activeColumns(s.lengths, s.b, time, active_buf);
    float* out = output + time * bh;
    std::atomic<bool> ok{true};
    rnn::forUnitBlocks(ub, stepWork(s), [&](std::size_t q) {
      const std::size_t u0 = ub.begin(q), n = ub.size(q);
      float* g = gates + ub.firstRow(q) * tb + time * s.b;
      // This block's gatesᵀ += W_hh hᵀ: (4n x b) = (4n x h) (h x b)
      if (!sgemmPackedA(isa, w_hh_packed + q * block_packed, 4 * n, s.h, false, s.b, hp, lds, 1.0f, g, tb, 1)) {
        ok.store(false);
        return;
      }
      k.forward(g, cn + u0 * lds, hn + u0 * lds, cp + u0 * lds, hp + u0 * lds, bias_b ? bias_b + ub.firstRow(q) : nullptr,
                active, tb, n, lds, n, s.b);
      rnn::writeOutputUnits(out, hn, u0, n, lds, s.b, s.h, active);
    });
    if (!ok.load()) return false;
  }
  rnn::transpose(h_n, s.h, h_states + last * s.b, lds, s.h, s.b);
  rnn::transpose(c_n, s.h, c_states + last * s.b, lds, s.h, s.b);
  return true;
}

bool lstmBackward(float* dx, float* dh0, float* dc0, float* dw_ih, float* dw_hh, float* d_bias, float* dgates,
                  const float* d_output, const float* dh_n, const float* dc_n, const float* x, const float* w_ih,
                  const float* w_hh, const float* h_states, const float* c_states, const float* gates,
                  const LstmShape& s) {
  const std::size_t g4 = 4 * s.h, bh = s.b * s.h, tb = s.t * s.b, lds = (s.t + 1) * s.b;
  // One ISA for packing and multiplying the recurrent weights (gemm.h), read once.
  const Isa isa = activeIsa();
  // dhᵀ, dcᵀ (h x b): the gradients at the current step's output state.
  std::vector<float> dh(bh, 0.0f), dc(bh, 0.0f), dh_prev(bh);
  if (dh_n) rnn::transpose(dh.data(), s.b, dh_n, s.h, s.b, s.h);
  if (dc_n) rnn::transpose(dc.data(), s.b, dc_n, s.h, s.b, s.h);
  const UnitBlocks ub(s.h, 4);
  thread_local ScratchBuffer w_buffer, w_hh_packed_buffer, dw_buffer;
  float* w_b = rnn::reserveFloats(w_buffer, g4 * std::max(s.i, s.h));
  float* w_hh_t_packed = rnn::reserveFloats(w_hh_packed_buffer, packedASize(isa, s.h, g4));
  if (w_b == nullptr || w_hh_t_packed == nullptr) return false;
  if (s.t > 0) {
    // W_hhᵀ (h x 4h, its columns in the stored gate order) packed once: dh_prevᵀ = W_hhᵀ
    // dgatesᵀ at every step.
    rnn::toBlockOrder(w_b, w_hh, s.h, ub);
    packAForGemm(isa, w_hh_t_packed, w_b, s.h, true, s.h, g4);
  }
  const LstmCellKernels& k = cellKernels();
  std::vector<float> active_buf;
  for (std::size_t step = s.t; step-- > 0;) {
    const std::size_t time = rnnTimeOf(s, step);
    const float* active = rnn::activeColumns(s.lengths, s.b, time, active_buf);
    float* dg = dgates + time * s.b;
    const float* dout = d_output ? d_output + time * bh : nullptr;
    rnn::forUnitBlocks(ub, stepWork(s), [&](std::size_t q) {
      const std::size_t u0 = ub.begin(q), u1 = u0 + ub.size(q);
      if (dout != nullptr) rnn::addOutputGradient(dh.data(), dout, active, u0, u1, s.b, s.h);
      const std::size_t r0 = ub.firstRow(q) * tb;
      k.backward(dg + r0, dc.data() + u0 * s.b, dh.data() + u0 * s.b, gates + time * s.b + r0,
                 c_states + rnnPrevBlock(s, time) * s.b + u0 * lds, c_states + rnnNextBlock(s, time) * s.b + u0 * lds,
                 active, tb, u1 - u0, lds, s.b, u1 - u0, s.b);
    });
    // dh_prevᵀ (h x b) = W_hhᵀ dgatesᵀ. Inactive columns carry dh through.
    if (!sgemmPackedA(isa, w_hh_t_packed, s.h, g4, false, s.b, dg, tb, 0.0f, dh_prev.data(), s.b, SIZE_MAX)) return false;
    rnn::carryInactive(dh_prev.data(), dh.data(), active, s.h, s.b);
    dh.swap(dh_prev);
  }
  if (dh0) rnn::transpose(dh0, s.h, dh.data(), s.b, s.h, s.b);
  if (dc0) rnn::transpose(dc0, s.h, dc.data(), s.b, s.h, s.b);
  if (s.t == 0) {
    if (dw_ih) std::memset(dw_ih, 0, g4 * s.i * sizeof(float));
    if (dw_hh) std::memset(dw_hh, 0, g4 * s.h * sizeof(float));
    if (d_bias) std::memset(d_bias, 0, g4 * sizeof(float));
    return true;
  }
  float* dw_b = (dw_ih || dw_hh || d_bias) ? rnn::reserveFloats(dw_buffer, g4 * std::max(s.i, s.h)) : nullptr;
  if ((dw_ih || dw_hh || d_bias) && dw_b == nullptr) return false;
  if (!rnn::inputAndWeightGradients(s, ub, dgates, dgates, x, w_ih, h_states + rnnPrevBlock(s, 0) * s.b, lds, dx,
                                    dw_ih, dw_hh, w_b, dw_b)) {
    return false;
  }
  if (d_bias) {
    rnn::rowSums(dw_b, dgates, g4, tb, tb);
    rnn::fromBlockOrder(d_bias, dw_b, 1, ub);
  }
  return true;
}

}  // namespace keel
