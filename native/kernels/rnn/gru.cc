#include "gru.h"

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

const GruCellKernels& cellKernels() {
#if defined(__x86_64__) || defined(_M_X64)
  switch (activeIsa()) {
    case Isa::kAvx512: return gruCellKernelsAvx512();
    case Isa::kAvx2: return gruCellKernelsAvx2();
    default: break;
  }
#endif
  return gruCellKernelsScalar();
}

// A step's multiply-adds, roughly: the recurrent GEMM plus the cell.
double stepWork(const GruShape& s) { return 3.0 * s.h * s.h * s.b + 48.0 * s.h * s.b; }

}  // namespace

bool gruForward(float* output, float* h_states, float* gates, float* hn, const float* x, const float* h0,
                const float* w_ih, const float* w_hh, const float* b_ih, const float* b_hh, const GruShape& s) {
  const std::size_t g3 = 3 * s.h, bh = s.b * s.h, tb = s.t * s.b, lds = (s.t + 1) * s.b;
  // One ISA for packing and multiplying the recurrent weights (gemm.h), read once.
  const Isa isa = activeIsa();
  const std::size_t first = s.reverse ? s.t : 0, last = s.reverse ? 0 : s.t;
  float* h_n = output + s.t * bh;
  rnn::transpose(h_states + first * s.b, lds, h0, s.h, s.b, s.h);
  if (s.t == 0) {
    std::memcpy(h_n, h0, bh * sizeof(float));
    return true;
  }
  const UnitBlocks ub(s.h, 3);
  // Per-thread buffers: fresh megabytes per call would page-fault every time.
  thread_local ScratchBuffer w_ih_buffer, w_hh_buffer, w_hh_packed_buffer, bias_buffer, gh_buffer;
  float* w_ih_b = rnn::reserveFloats(w_ih_buffer, g3 * s.i);
  float* w_hh_b = rnn::reserveFloats(w_hh_buffer, g3 * s.h);
  const std::size_t block_packed = rnn::blockPackedFloats(isa, ub, s.h);
  float* w_hh_packed = rnn::reserveFloats(w_hh_packed_buffer, ub.count * block_packed);
  float* bias_x = rnn::reserveFloats(bias_buffer, 2 * g3);
  float* gh = rnn::reserveFloats(gh_buffer, g3 * s.b);
  if (!w_ih_b || !w_hh_b || !w_hh_packed || !bias_x || !gh) return false;
  rnn::toBlockOrder(w_ih_b, w_ih, s.i, ub);
  rnn::toBlockOrder(w_hh_b, w_hh, s.h, ub);
  // b_ih for every gate, plus b_hh for r and z (outside the r product, the biases just add).
  const bool has_bias = b_ih != nullptr || b_hh != nullptr;
  if (has_bias) {
    float* merged = bias_x + g3;
    for (std::size_t j = 0; j < g3; j++) {
      merged[j] = (b_ih ? b_ih[j] : 0.0f) + (b_hh && j < 2 * s.h ? b_hh[j] : 0.0f);
    }
    rnn::toBlockOrder(bias_x, merged, 1, ub);
  }
  const float* bias_hn = b_hh ? b_hh + 2 * s.h : nullptr;
  rnn::packRecurrentBlocks(isa, w_hh_packed, w_hh_b, ub, s.h);
  // gates (3h, t*b) = W_ih xᵀ for every time step at once.
  if (!sgemm(false, true, g3, tb, s.i, w_ih_b, s.i, x, s.i, 0.0f, gates, tb, SIZE_MAX)) return false;
  const GruCellKernels& k = cellKernels();
  std::vector<float> active_buf;
  for (std::size_t step = 0; step < s.t; step++) {
    const std::size_t time = rnnTimeOf(s, step);
    const float* hp = h_states + rnnPrevBlock(s, time) * s.b;
    float* hnext = h_states + rnnNextBlock(s, time) * s.b;
    const float* active = rnn::activeColumns(s.lengths, s.b, time, active_buf);
    float* out = output + time * bh;
    std::atomic<bool> ok{true};
    rnn::forUnitBlocks(ub, stepWork(s), [&](std::size_t q) {
      const std::size_t u0 = ub.begin(q), n = ub.size(q);
      float* ghq = gh + ub.firstRow(q) * s.b;
      // This block's (W_hh hᵀ) rows: (3n x b) = (3n x h) (h x b)
      if (!sgemmPackedA(isa, w_hh_packed + q * block_packed, 3 * n, s.h, false, s.b, hp, lds, 0.0f, ghq, s.b, 1)) {
        ok.store(false);
        return;
      }
      k.forward(gates + ub.firstRow(q) * tb + time * s.b, hnext + u0 * lds, hn + u0 * lds + time * s.b, ghq,
                hp + u0 * lds, has_bias ? bias_x + ub.firstRow(q) : nullptr, bias_hn ? bias_hn + u0 : nullptr,
                active, tb, s.b, n, lds, n, s.b);
      rnn::writeOutputUnits(out, hnext, u0, n, lds, s.b, s.h, active);
    });
    if (!ok.load()) return false;
  }
  rnn::transpose(h_n, s.h, h_states + last * s.b, lds, s.h, s.b);
  return true;
}

bool gruBackward(float* dx, float* dh0, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh, float* dgx, float* dgh,
                 const float* d_output, const float* dh_n, const float* x, const float* w_ih, const float* w_hh,
                 const float* h_states, const float* gates, const float* hn, const GruShape& s) {
  const std::size_t g3 = 3 * s.h, bh = s.b * s.h, tb = s.t * s.b, lds = (s.t + 1) * s.b;
  // One ISA for packing and multiplying the recurrent weights (gemm.h), read once.
  const Isa isa = activeIsa();
  // dhᵀ (h x b): the gradient at the current step's output state.
  std::vector<float> dh(bh, 0.0f), dh_prev(bh);
  if (dh_n) rnn::transpose(dh.data(), s.b, dh_n, s.h, s.b, s.h);
  const UnitBlocks ub(s.h, 3);
  thread_local ScratchBuffer w_buffer, w_hh_packed_buffer, dw_buffer;
  float* w_b = rnn::reserveFloats(w_buffer, g3 * std::max(s.i, s.h));
  float* w_hh_t_packed = rnn::reserveFloats(w_hh_packed_buffer, packedASize(isa, s.h, g3));
  if (w_b == nullptr || w_hh_t_packed == nullptr) return false;
  if (s.t > 0) {
    // W_hhᵀ (h x 3h, its columns in the stored gate order) packed once: the recurrent part of
    // dh_prevᵀ is W_hhᵀ dghᵀ at every step.
    rnn::toBlockOrder(w_b, w_hh, s.h, ub);
    packAForGemm(isa, w_hh_t_packed, w_b, s.h, true, s.h, g3);
  }
  const GruCellKernels& k = cellKernels();
  std::vector<float> active_buf;
  for (std::size_t step = s.t; step-- > 0;) {
    const std::size_t time = rnnTimeOf(s, step);
    const float* active = rnn::activeColumns(s.lengths, s.b, time, active_buf);
    const float* dout = d_output ? d_output + time * bh : nullptr;
    rnn::forUnitBlocks(ub, stepWork(s), [&](std::size_t q) {
      const std::size_t u0 = ub.begin(q), u1 = u0 + ub.size(q);
      if (dout != nullptr) rnn::addOutputGradient(dh.data(), dout, active, u0, u1, s.b, s.h);
      const std::size_t r0 = ub.firstRow(q) * tb + time * s.b;
      k.backward(dgx + r0, dgh + r0, dh_prev.data() + u0 * s.b, dh.data() + u0 * s.b, gates + r0,
                 hn + u0 * lds + time * s.b, h_states + rnnPrevBlock(s, time) * s.b + u0 * lds, active, tb, u1 - u0,
                 lds, s.b, u1 - u0, s.b);
    });
    // dh_prevᵀ (h x b) += W_hhᵀ dghᵀ. Inactive columns carry dh through (their dgh is zero, but
    // the product could still turn an infinite weight into NaN there).
    if (!sgemmPackedA(isa, w_hh_t_packed, s.h, g3, false, s.b, dgh + time * s.b, tb, 1.0f, dh_prev.data(), s.b, SIZE_MAX)) {
      return false;
    }
    rnn::carryInactive(dh_prev.data(), dh.data(), active, s.h, s.b);
    dh.swap(dh_prev);
  }
  if (dh0) rnn::transpose(dh0, s.h, dh.data(), s.b, s.h, s.b);
  if (s.t == 0) {
    if (dw_ih) std::memset(dw_ih, 0, g3 * s.i * sizeof(float));
    if (dw_hh) std::memset(dw_hh, 0, g3 * s.h * sizeof(float));
    if (db_ih) std::memset(db_ih, 0, g3 * sizeof(float));
    if (db_hh) std::memset(db_hh, 0, g3 * sizeof(float));
    return true;
  }
  const bool any_w = dw_ih || dw_hh || db_ih || db_hh;
  float* dw_b = any_w ? rnn::reserveFloats(dw_buffer, g3 * std::max(s.i, s.h)) : nullptr;
  if (any_w && dw_b == nullptr) return false;
  if (!rnn::inputAndWeightGradients(s, ub, dgx, dgh, x, w_ih, h_states + rnnPrevBlock(s, 0) * s.b, lds, dx, dw_ih,
                                    dw_hh, w_b, dw_b)) {
    return false;
  }
  if (db_ih) {
    rnn::rowSums(dw_b, dgx, g3, tb, tb);
    rnn::fromBlockOrder(db_ih, dw_b, 1, ub);
  }
  if (db_hh) {
    rnn::rowSums(dw_b, dgh, g3, tb, tb);
    rnn::fromBlockOrder(db_hh, dw_b, 1, ub);
  }
  return true;
}

}  // namespace keel
