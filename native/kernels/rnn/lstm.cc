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

// The pointwise work of a step over hidden units, in fixed blocks of units spread over the
// threads when big enough. Units are independent, so the split never changes a result.
template <typename Fn>
void forUnitBlocks(const LstmShape& s, const Fn& fn) {
  constexpr std::size_t kUnitsPerBlock = 32;
  const std::size_t blocks = (s.h + kUnitsPerBlock - 1) / kUnitsPerBlock;
  const bool parallel = blocks > 1 && s.b * s.h >= 4096;
  parallelFor(blocks, parallel ? SIZE_MAX : 1,
              [&](std::size_t i) { fn(i * kUnitsPerBlock, std::min(s.h, (i + 1) * kUnitsPerBlock)); });
}

std::size_t timeOf(const LstmShape& s, std::size_t step) { return s.reverse ? s.t - 1 - step : step; }

// active[c] (1 or 0) for batch column c at time t, or null when every column is active.
const float* activeColumns(const LstmShape& s, std::size_t time, std::vector<float>& buf) {
  if (s.lengths == nullptr) return nullptr;
  buf.resize(s.b);
  bool all = true;
  for (std::size_t c = 0; c < s.b; c++) {
    buf[c] = static_cast<std::size_t>(s.lengths[c]) > time ? 1.0f : 0.0f;
    all = all && buf[c] != 0.0f;
  }
  return all ? nullptr : buf.data();
}

// dst (cols x rows, row stride ldd) = srcᵀ for src (rows x cols, row stride lds).
void transpose(float* dst, std::size_t ldd, const float* src, std::size_t lds, std::size_t rows, std::size_t cols) {
  constexpr std::size_t kTile = 16;
  for (std::size_t r0 = 0; r0 < rows; r0 += kTile)
    for (std::size_t c0 = 0; c0 < cols; c0 += kTile)
      for (std::size_t r = r0; r < std::min(rows, r0 + kTile); r++)
        for (std::size_t c = c0; c < std::min(cols, c0 + kTile); c++) dst[c * ldd + r] = src[r * lds + c];
}

}  // namespace

bool lstmForward(float* output, float* h_states, float* c_states, float* gates, const float* x, const float* h0,
                 const float* c0, const float* w_ih, const float* w_hh, const float* bias, const LstmShape& s) {
  const std::size_t g4 = 4 * s.h, bh = s.b * s.h, tb = s.t * s.b, lds = (s.t + 1) * s.b;
  const std::size_t first = s.reverse ? s.t : 0, last = s.reverse ? 0 : s.t;
  float* h_n = output + s.t * bh;
  float* c_n = h_n + bh;
  transpose(h_states + first * s.b, lds, h0, s.h, s.b, s.h);
  transpose(c_states + first * s.b, lds, c0, s.h, s.b, s.h);
  if (s.t == 0) {
    std::memcpy(h_n, h0, bh * sizeof(float));
    std::memcpy(c_n, c0, bh * sizeof(float));
    return true;
  }
  // gates (4h, t*b) = W_ih xᵀ for every time step at once; the recurrence accumulates onto it.
  if (!sgemm(false, true, g4, tb, s.i, w_ih, s.i, x, s.i, 0.0f, gates, tb, SIZE_MAX)) return false;
  // W_hh packed once for the whole sequence. Per-thread buffer: a fresh megabyte per call
  // would page-fault every time.
  thread_local ScratchBuffer w_hh_buffer;
  float* w_hh_packed = w_hh_buffer.reserve(packedASize(g4, s.h));
  if (w_hh_packed == nullptr) return false;
  packAForGemm(w_hh_packed, w_hh, s.h, false, g4, s.h);
  const LstmCellKernels& k = cellKernels();
  std::vector<float> active_buf;
  for (std::size_t step = 0; step < s.t; step++) {
    const std::size_t time = timeOf(s, step);
    float* g = gates + time * s.b;
    const float* hp = h_states + lstmPrevBlock(s, time) * s.b;
    const float* cp = c_states + lstmPrevBlock(s, time) * s.b;
    float* hn = h_states + lstmNextBlock(s, time) * s.b;
    float* cn = c_states + lstmNextBlock(s, time) * s.b;
    // gatesᵀ += W_hh hᵀ: (4h x b) = (4h x h) (h x b)
    if (!sgemmPackedA(w_hh_packed, g4, s.h, false, s.b, hp, lds, 1.0f, g, tb, SIZE_MAX)) return false;
    const float* active = activeColumns(s, time, active_buf);
    float* out = output + time * bh;
    forUnitBlocks(s, [&](std::size_t u0, std::size_t u1) {
      k.forward(g + u0 * tb, cn + u0 * lds, hn + u0 * lds, cp + u0 * lds, hp + u0 * lds, bias ? bias + u0 : nullptr,
                active, tb, s.h, lds, u1 - u0, s.b);
      // The output by time, (b, h) row-major; inactive columns output zero.
      for (std::size_t c = 0; c < s.b; c++) {
        float* o = out + c * s.h;
        if (active != nullptr && active[c] == 0.0f) {
          std::memset(o + u0, 0, (u1 - u0) * sizeof(float));
        } else {
          for (std::size_t u = u0; u < u1; u++) o[u] = hn[u * lds + c];
        }
      }
    });
  }
  transpose(h_n, s.h, h_states + last * s.b, lds, s.h, s.b);
  transpose(c_n, s.h, c_states + last * s.b, lds, s.h, s.b);
  return true;
}

bool lstmBackward(float* dx, float* dh0, float* dc0, float* dw_ih, float* dw_hh, float* d_bias, float* dgates,
                  const float* d_output, const float* dh_n, const float* dc_n, const float* x, const float* w_ih,
                  const float* w_hh, const float* h_states, const float* c_states, const float* gates,
                  const LstmShape& s) {
  const std::size_t g4 = 4 * s.h, bh = s.b * s.h, tb = s.t * s.b, lds = (s.t + 1) * s.b;
  // dhᵀ, dcᵀ (h x b): the gradients at the current step's output state.
  std::vector<float> dh(bh, 0.0f), dc(bh, 0.0f), dh_prev(bh);
  if (dh_n) transpose(dh.data(), s.b, dh_n, s.h, s.b, s.h);
  if (dc_n) transpose(dc.data(), s.b, dc_n, s.h, s.b, s.h);
  thread_local ScratchBuffer w_hh_buffer;
  float* w_hh_t_packed = nullptr;
  if (s.t > 0) {
    // W_hhᵀ (h x 4h) packed once: dh_prevᵀ = W_hhᵀ dgatesᵀ at every step.
    w_hh_t_packed = w_hh_buffer.reserve(packedASize(s.h, g4));
    if (w_hh_t_packed == nullptr) return false;
    packAForGemm(w_hh_t_packed, w_hh, s.h, true, s.h, g4);
  }
  const LstmCellKernels& k = cellKernels();
  std::vector<float> active_buf;
  for (std::size_t step = s.t; step-- > 0;) {
    const std::size_t time = timeOf(s, step);
    const float* active = activeColumns(s, time, active_buf);
    float* dg = dgates + time * s.b;
    const float* dout = d_output ? d_output + time * bh : nullptr;
    forUnitBlocks(s, [&](std::size_t u0, std::size_t u1) {
      // The output at this time feeds the state gradient (inactive columns output a constant 0).
      if (dout != nullptr) {
        for (std::size_t c = 0; c < s.b; c++) {
          if (active != nullptr && active[c] == 0.0f) continue;
          for (std::size_t u = u0; u < u1; u++) dh[u * s.b + c] += dout[c * s.h + u];
        }
      }
      k.backward(dg + u0 * tb, dc.data() + u0 * s.b, dh.data() + u0 * s.b, gates + time * s.b + u0 * tb,
                 c_states + lstmPrevBlock(s, time) * s.b + u0 * lds, c_states + lstmNextBlock(s, time) * s.b + u0 * lds,
                 active, tb, s.h, lds, s.b, u1 - u0, s.b);
    });
    // dh_prevᵀ (h x b) = W_hhᵀ dgatesᵀ. Inactive columns carry dh through.
    if (!sgemmPackedA(w_hh_t_packed, s.h, g4, false, s.b, dg, tb, 0.0f, dh_prev.data(), s.b, SIZE_MAX)) return false;
    if (active != nullptr) {
      for (std::size_t u = 0; u < s.h; u++)
        for (std::size_t c = 0; c < s.b; c++)
          if (active[c] == 0.0f) dh_prev[u * s.b + c] = dh[u * s.b + c];
    }
    dh.swap(dh_prev);
  }
  if (dh0) transpose(dh0, s.h, dh.data(), s.b, s.h, s.b);
  if (dc0) transpose(dc0, s.h, dc.data(), s.b, s.h, s.b);
  if (s.t == 0) {
    if (dw_ih) std::memset(dw_ih, 0, g4 * s.i * sizeof(float));
    if (dw_hh) std::memset(dw_hh, 0, g4 * s.h * sizeof(float));
    if (d_bias) std::memset(d_bias, 0, g4 * sizeof(float));
    return true;
  }
  // Everything is by time, so each of these is one GEMM over all t*b columns:
  // dx (t*b, i) = dgatesᵀ W_ih; dW_ih = dgates x; dW_hh = dgates h_prevᵀ (the states entering
  // times 0..t-1 are consecutive blocks).
  if (dx && !sgemm(true, false, tb, s.i, g4, dgates, tb, w_ih, s.i, 0.0f, dx, s.i, SIZE_MAX)) return false;
  if (dw_ih && !sgemm(false, false, g4, s.i, tb, dgates, tb, x, s.i, 0.0f, dw_ih, s.i, SIZE_MAX)) return false;
  if (dw_hh && !sgemm(false, true, g4, s.h, tb, dgates, tb, h_states + lstmPrevBlock(s, 0) * s.b, lds, 0.0f, dw_hh,
                      s.h, SIZE_MAX)) {
    return false;
  }
  if (d_bias) {
    // Row sums in 16 interleaved partial sums (a vector's worth), combined in a fixed order:
    // one running sum would be a chain of t*b dependent adds per row.
    constexpr std::size_t kLanes = 16;
    for (std::size_t j = 0; j < g4; j++) {
      const float* row = dgates + j * tb;
      float part[kLanes] = {};
      std::size_t c = 0;
      for (; c + kLanes <= tb; c += kLanes)
        for (std::size_t l = 0; l < kLanes; l++) part[l] += row[c + l];
      for (; c < tb; c++) part[c % kLanes] += row[c];
      for (std::size_t w = kLanes / 2; w > 0; w /= 2)
        for (std::size_t l = 0; l < w; l++) part[l] += part[l + w];
      d_bias[j] = part[0];
    }
  }
  return true;
}

}  // namespace keel
