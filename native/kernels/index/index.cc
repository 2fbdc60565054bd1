#include "index.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

#include "../../core/thread_pool.h"

namespace keel {
namespace {

constexpr std::size_t kParallelElements = 1 << 16;

bool worth(std::size_t n) { return n >= kParallelElements && numThreads() > 1; }

// Checks every index first, so a bad one leaves the output untouched.
IndexError checkIndices(const int32_t* index, std::size_t count, std::size_t r) {
  IndexError err;
  for (std::size_t i = 0; i < count; i++) {
    const int32_t v = index[i];
    if (v < 0 || static_cast<std::size_t>(v) >= r) {
      err.ok = false;
      err.position = static_cast<int64_t>(i);
      err.value = v;
      return err;
    }
  }
  return err;
}

}  // namespace

IndexError gather32(uint32_t* out, const uint32_t* in, const int32_t* index, std::size_t outer,
                    std::size_t r, std::size_t k, std::size_t inner) {
  IndexError err = checkIndices(index, outer * k * inner, r);
  if (!err.ok) return err;
  parallelFor(outer, worth(outer * k * inner) ? SIZE_MAX : 1, [&](std::size_t o) {
    const uint32_t* src = in + o * r * inner;
    const std::size_t base = o * k * inner;
    for (std::size_t p = 0; p < k; p++)
      for (std::size_t j = 0; j < inner; j++)
        out[base + p * inner + j] = src[static_cast<std::size_t>(index[base + p * inner + j]) * inner + j];
  });
  return err;
}

IndexError scatterAddF32(float* out, const float* src, const int32_t* index, std::size_t outer,
                         std::size_t r, std::size_t k, std::size_t inner) {
  IndexError err = checkIndices(index, outer * k * inner, r);
  if (!err.ok) return err;
  parallelFor(outer, worth(outer * k * inner) ? SIZE_MAX : 1, [&](std::size_t o) {
    float* dst = out + o * r * inner;
    const std::size_t base = o * k * inner;
    for (std::size_t p = 0; p < k; p++)
      for (std::size_t j = 0; j < inner; j++)
        dst[static_cast<std::size_t>(index[base + p * inner + j]) * inner + j] += src[base + p * inner + j];
  });
  return err;
}

IndexError indexSelect32(uint32_t* out, const uint32_t* in, const int32_t* index,
                         std::size_t outer, std::size_t r, std::size_t k, std::size_t inner) {
  IndexError err = checkIndices(index, k, r);
  if (!err.ok) return err;
  // Rows are independent: split over outer * k rows.
  parallelFor(outer * k, worth(outer * k * inner) ? SIZE_MAX : 1, [&](std::size_t t) {
    const std::size_t o = t / k, p = t % k;
    std::memcpy(out + (o * k + p) * inner, in + (o * r + static_cast<std::size_t>(index[p])) * inner,
                inner * sizeof(uint32_t));
  });
  return err;
}

IndexError indexAddF32(float* out, const float* src, const int32_t* index, std::size_t outer,
                       std::size_t r, std::size_t k, std::size_t inner) {
  IndexError err = checkIndices(index, k, r);
  if (!err.ok) return err;
  // Rows of the same index may repeat: keep index order per output element by splitting over
  // outer and inner columns, never over k.
  const std::size_t col_block = std::max<std::size_t>(64, inner);
  const std::size_t col_blocks = (inner + col_block - 1) / col_block;
  parallelFor(outer * col_blocks, worth(outer * k * inner) ? SIZE_MAX : 1, [&](std::size_t t) {
    const std::size_t o = t / col_blocks, j0 = (t % col_blocks) * col_block;
    const std::size_t j1 = std::min(inner, j0 + col_block);
    for (std::size_t p = 0; p < k; p++) {
      float* dst = out + (o * r + static_cast<std::size_t>(index[p])) * inner;
      const float* s = src + (o * k + p) * inner;
      for (std::size_t j = j0; j < j1; j++) dst[j] += s[j];
    }
  });
  return err;
}

}  // namespace keel
