// Loops shared by the fused recurrent layers (lstm.cc, gru.cc): the transposed layout's unit
// blocks, masks from `lengths`, small transposes and row sums. No intrinsics.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "../../core/aligned_alloc.h"
#include "../../core/thread_pool.h"
#include "../gemm/gemm.h"
#include "rnn_shape.h"

namespace keel {
namespace rnn {

// Hidden units in fixed blocks of kUnits (the last one shorter). A layer's `gates` gate rows are
// stored grouped by block, so that one task can run a block's whole step, the recurrent GEMM
// for its gates x kUnits rows and then the cell for its units, with no hand-off between the two:
// block q holds gate 0's rows of its units, then gate 1's, ..., from row gates * kUnits * q.
// 28 units make 112 LSTM rows (8 whole 14-row AVX-512 tiles) or 84 GRU rows (6). Blocks never
// depend on the thread count, so neither do results.
struct UnitBlocks {
  static constexpr std::size_t kUnits = 28;
  std::size_t h, gates, count;
  UnitBlocks(std::size_t hidden, std::size_t gate_count)
      : h(hidden), gates(gate_count), count((hidden + kUnits - 1) / kUnits) {}
  std::size_t begin(std::size_t q) const { return q * kUnits; }
  std::size_t size(std::size_t q) const { return std::min(kUnits, h - q * kUnits); }
  std::size_t firstRow(std::size_t q) const { return gates * kUnits * q; }
  // The stored row of gate k of unit u.
  std::size_t row(std::size_t k, std::size_t u) const {
    const std::size_t q = u / kUnits;
    return firstRow(q) + k * size(q) + (u - begin(q));
  }
};

// dst (stored gate order) from src (PyTorch's order: gate k of unit u at row k*h + u), or back.
inline void toBlockOrder(float* dst, const float* src, std::size_t cols, const UnitBlocks& ub) {
  for (std::size_t k = 0; k < ub.gates; k++)
    for (std::size_t u = 0; u < ub.h; u++)
      std::memcpy(dst + ub.row(k, u) * cols, src + (k * ub.h + u) * cols, cols * sizeof(float));
}
inline void fromBlockOrder(float* dst, const float* src, std::size_t cols, const UnitBlocks& ub) {
  for (std::size_t k = 0; k < ub.gates; k++)
    for (std::size_t u = 0; u < ub.h; u++)
      std::memcpy(dst + (k * ub.h + u) * cols, src + ub.row(k, u) * cols, cols * sizeof(float));
}

// Runs fn(q) for every unit block, spread over the threads when a step (`work` multiply-adds,
// roughly) is big enough to pay for the hand-off. Blocks are claimed as threads come free, the
// submitting thread from the first block up and the others from the last block down: in the
// steady state each thread then gets the same blocks step after step, so the weight rows of its
// blocks stay in its own core's L2, while a thread that starts late or is descheduled still
// leaves its share to the others. Which thread runs a block never changes its result.
template <typename Fn>
void forUnitBlocks(const UnitBlocks& ub, double work, const Fn& fn) {
  const std::size_t threads = std::min(numThreads(), ub.count);
  if (threads <= 1 || work < 1e6) {
    for (std::size_t q = 0; q < ub.count; q++) fn(q);
    return;
  }
  // The unclaimed blocks [front, back): front in the low 32 bits, back in the high ones.
  std::atomic<std::uint64_t> range{static_cast<std::uint64_t>(ub.count) << 32};
  const std::thread::id submitter = std::this_thread::get_id();
  parallelFor(threads, threads, [&](std::size_t) {
    const bool from_front = std::this_thread::get_id() == submitter;
    std::uint64_t r = range.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint64_t front = r & 0xffffffffu, back = r >> 32;
      if (front >= back) return;
      const std::uint64_t next = from_front ? r + 1 : r - (std::uint64_t{1} << 32);
      if (!range.compare_exchange_weak(r, next, std::memory_order_acq_rel, std::memory_order_relaxed)) continue;
      fn(static_cast<std::size_t>(from_front ? front : back - 1));
      r = range.load(std::memory_order_relaxed);
    }
  });
}

// reserve() of zero floats may return null; empty shapes (a size of 0) still need a pointer.
inline float* reserveFloats(ScratchBuffer& buf, std::size_t floats) {
  return buf.reserve(std::max<std::size_t>(floats, 1));
}

// active[c] (1 or 0) for batch column c at time t, or null when every column is active.
inline const float* activeColumns(const int32_t* lengths, std::size_t b, std::size_t time, std::vector<float>& buf) {
  if (lengths == nullptr) return nullptr;
  buf.resize(b);
  bool all = true;
  for (std::size_t c = 0; c < b; c++) {
    buf[c] = static_cast<std::size_t>(lengths[c]) > time ? 1.0f : 0.0f;
    all = all && buf[c] != 0.0f;
  }
  return all ? nullptr : buf.data();
}

// x (t, b, i) as the weight-gradient GEMM should read it: with `lengths`, a copy whose rows
// past each sequence's end are zero. Their gate gradients are zero, but 0 x NaN is NaN, and
// padding is the caller's garbage (PyTorch's packed sequences never read it). Null if the copy
// could not be allocated.
inline const float* inputsWithinLengths(const float* x, std::size_t t, std::size_t b, std::size_t i,
                                        const int32_t* lengths, ScratchBuffer& buf) {
  if (lengths == nullptr) return x;
  float* copy = reserveFloats(buf, t * b * i);
  if (copy == nullptr) return nullptr;
  for (std::size_t time = 0; time < t; time++) {
    for (std::size_t c = 0; c < b; c++) {
      float* row = copy + (time * b + c) * i;
      if (static_cast<std::size_t>(lengths[c]) > time) {
        std::memcpy(row, x + (time * b + c) * i, i * sizeof(float));
      } else {
        std::memset(row, 0, i * sizeof(float));
      }
    }
  }
  return copy;
}

// dst (cols x rows, row stride ldd) = srcᵀ for src (rows x cols, row stride lds).
inline void transpose(float* dst, std::size_t ldd, const float* src, std::size_t lds, std::size_t rows,
                      std::size_t cols) {
  constexpr std::size_t kTile = 16;
  for (std::size_t r0 = 0; r0 < rows; r0 += kTile)
    for (std::size_t c0 = 0; c0 < cols; c0 += kTile)
      for (std::size_t r = r0; r < std::min(rows, r0 + kTile); r++)
        for (std::size_t c = c0; c < std::min(cols, c0 + kTile); c++) dst[c * ldd + r] = src[r * lds + c];
}

// out[j] = sum of row j (n floats, row stride ld), in 16 interleaved partial sums (a vector's
// worth) combined in a fixed order: one running sum would be a chain of n dependent adds.
inline void rowSums(float* out, const float* m, std::size_t rows, std::size_t n, std::size_t ld) {
  constexpr std::size_t kLanes = 16;
  for (std::size_t j = 0; j < rows; j++) {
    const float* row = m + j * ld;
    float part[kLanes] = {};
    std::size_t c = 0;
    for (; c + kLanes <= n; c += kLanes)
      for (std::size_t l = 0; l < kLanes; l++) part[l] += row[c + l];
    for (; c < n; c++) part[c % kLanes] += row[c];
    for (std::size_t w = kLanes / 2; w > 0; w /= 2)
      for (std::size_t l = 0; l < w; l++) part[l] += part[l + w];
    out[j] = part[0];
  }
}

// Each unit block's W_hh rows (gates x n, in block order in w_hh_b) packed once for the whole
// sequence, as their own matrix, block q at packed + q * blockPackedFloats(isa, ub, h).
inline std::size_t blockPackedFloats(Isa isa, const UnitBlocks& ub, std::size_t h) {
  return packedASize(isa, ub.gates * UnitBlocks::kUnits, h);
}
inline void packRecurrentBlocks(Isa isa, float* packed, const float* w_hh_b, const UnitBlocks& ub, std::size_t h) {
  const std::size_t block = blockPackedFloats(isa, ub, h);
  for (std::size_t q = 0; q < ub.count; q++) {
    packAForGemm(isa, packed + q * block, w_hh_b + ub.firstRow(q) * h, h, false, ub.gates * ub.size(q), h);
  }
}

// Units [u0, u0 + n) of one time's output (b, h) row-major, from the new state hᵀ (row stride
// lds); inactive columns output zero.
inline void writeOutputUnits(float* out, const float* h_next, std::size_t u0, std::size_t n, std::size_t lds,
                             std::size_t b, std::size_t h, const float* active) {
  for (std::size_t c = 0; c < b; c++) {
    float* o = out + c * h;
    if (active != nullptr && active[c] == 0.0f) {
      std::memset(o + u0, 0, n * sizeof(float));
    } else {
      for (std::size_t u = u0; u < u0 + n; u++) o[u] = h_next[u * lds + c];
    }
  }
}

// dhᵀ (h x b) += this time's output gradient dout (b, h) row-major, for units [u0, u1). Inactive
// columns output a constant 0, so no gradient reaches them.
inline void addOutputGradient(float* dh, const float* dout, const float* active, std::size_t u0, std::size_t u1,
                              std::size_t b, std::size_t h) {
  for (std::size_t c = 0; c < b; c++) {
    if (active != nullptr && active[c] == 0.0f) continue;
    for (std::size_t u = u0; u < u1; u++) dh[u * b + c] += dout[c * h + u];
  }
}

// Columns past their sequence's end carry dhᵀ through a step unchanged (h x b both).
inline void carryInactive(float* dh_prev, const float* dh, const float* active, std::size_t h, std::size_t b) {
  if (active == nullptr) return;
  for (std::size_t u = 0; u < h; u++)
    for (std::size_t c = 0; c < b; c++)
      if (active[c] == 0.0f) dh_prev[u * b + c] = dh[u * b + c];
}

// The gradients that are one GEMM each over all t*b columns, everything being by time:
//   dx (t*b, i) = dg_inᵀ W_ih;  dW_ih = dg_in x;  dW_hh = dg_hid h_prevᵀ
// dg_in and dg_hid (rows x t*b, the stored gate order) are the gate gradients on the input and
// on the recurrent side (the same for an LSTM; for a GRU they differ in the n gate). h_prev
// (h x t*b, row stride lds) are the states entering times 0..t-1. The weights go into and out of
// the stored gate order through w_b and dw_b (rows x max(i, h) each). Null outputs are skipped.
inline bool inputAndWeightGradients(const RnnShape& s, const UnitBlocks& ub, const float* dg_in, const float* dg_hid,
                                    const float* x, const float* w_ih, const float* h_prev, std::size_t lds,
                                    float* dx, float* dw_ih, float* dw_hh, float* w_b, float* dw_b) {
  const std::size_t rows = ub.gates * s.h, tb = s.t * s.b;
  if (dx) {
    toBlockOrder(w_b, w_ih, s.i, ub);
    if (!sgemm(true, false, tb, s.i, rows, dg_in, tb, w_b, s.i, 0.0f, dx, s.i, SIZE_MAX)) return false;
  }
  if (dw_ih) {
    thread_local ScratchBuffer x_buffer;
    const float* x_in = inputsWithinLengths(x, s.t, s.b, s.i, s.lengths, x_buffer);
    if (x_in == nullptr) return false;
    if (!sgemm(false, false, rows, s.i, tb, dg_in, tb, x_in, s.i, 0.0f, dw_b, s.i, SIZE_MAX)) return false;
    fromBlockOrder(dw_ih, dw_b, s.i, ub);
  }
  if (dw_hh) {
    if (!sgemm(false, true, rows, s.h, tb, dg_hid, tb, h_prev, lds, 0.0f, dw_b, s.h, SIZE_MAX)) return false;
    fromBlockOrder(dw_hh, dw_b, s.h, ub);
  }
  return true;
}

}  // namespace rnn
}  // namespace keel
