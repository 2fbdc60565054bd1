#include "philox.h"

#include <algorithm>
#include <cmath>

#include "../../core/thread_pool.h"

namespace keel {
namespace {

constexpr std::size_t kParallelElements = 1 << 16;
constexpr std::size_t kChunk = 1 << 14;

inline void mulhilo(uint32_t a, uint32_t b, uint32_t* hi, uint32_t* lo) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  *lo = static_cast<uint32_t>(p);
}

inline float toUnit(uint32_t u) { return static_cast<float>(u >> 8) * (1.0f / 16777216.0f); }  // [0, 1)
inline float toUnitOpen(uint32_t u) { return (static_cast<float>(u >> 8) + 1.0f) * (1.0f / 16777216.0f); }  // (0, 1]

template <typename Fn>
void forChunks(std::size_t n, const Fn& fn) {
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
  parallelFor(chunks, n >= kParallelElements ? SIZE_MAX : 1,
              [&](std::size_t c) { fn(c * kChunk, std::min(n, (c + 1) * kChunk)); });
}

}  // namespace

void philox4x32(uint64_t counter, uint64_t key, uint32_t out[4]) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; round++) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(0xD2511F53u, c0, &hi0, &lo0);
    mulhilo(0xCD9E8D57u, c2, &hi1, &lo1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

void randomUniformF32(float* out, std::size_t n, uint64_t seed, uint64_t offset, float lo, float hi) {
  forChunks(n, [&](std::size_t b, std::size_t e) {
    uint32_t r[4];
    for (std::size_t i = b; i < e; i++) {
      philox4x32(offset + i, seed, r);
      out[i] = lo + (hi - lo) * toUnit(r[0]);
    }
  });
}

void randomNormalF32(float* out, std::size_t n, uint64_t seed, uint64_t offset, float mean, float std) {
  forChunks(n, [&](std::size_t b, std::size_t e) {
    uint32_t r[4];
    for (std::size_t i = b; i < e; i++) {
      philox4x32(offset + i, seed, r);
      const double radius = std::sqrt(-2.0 * std::log(static_cast<double>(toUnitOpen(r[0]))));
      const double angle = 6.283185307179586 * toUnit(r[1]);
      out[i] = mean + std * static_cast<float>(radius * std::cos(angle));
    }
  });
}

void randomIntI32(int32_t* out, std::size_t n, uint64_t seed, uint64_t offset, int64_t lo, int64_t hi) {
  const uint64_t range = static_cast<uint64_t>(hi - lo);
  forChunks(n, [&](std::size_t b, std::size_t e) {
    uint32_t r[4];
    for (std::size_t i = b; i < e; i++) {
      philox4x32(offset + i, seed, r);
      // 32 random bits scaled to the range (Lemire's multiply-shift, without rejection): the
      // bias is at most range / 2^32, negligible for the ranges sampling uses.
      const uint64_t pick = (static_cast<uint64_t>(r[0]) * range) >> 32;
      out[i] = static_cast<int32_t>(lo + static_cast<int64_t>(pick));
    }
  });
}

void randomBernoulliMaskF32(float* out, std::size_t n, uint64_t seed, uint64_t offset, float keep, float scale) {
  forChunks(n, [&](std::size_t b, std::size_t e) {
    uint32_t r[4];
    for (std::size_t i = b; i < e; i++) {
      philox4x32(offset + i, seed, r);
      out[i] = toUnit(r[0]) < keep ? scale : 0.0f;
    }
  });
}

}  // namespace keel
