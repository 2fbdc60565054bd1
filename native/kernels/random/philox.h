// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11). Element e of a draw
// depends only on (seed, offset + e), never on the order or thread that computes it, so seeded
// results are identical across runs and thread counts. The generator state is just the seed
// and the running offset, which the caller (JS) keeps and advances.
#pragma once
#include <cstddef>
#include <cstdint>

namespace keel {

// out[e] uniform in [lo, hi)
void randomUniformF32(float* out, std::size_t n, uint64_t seed, uint64_t offset, float lo, float hi);
// out[e] normal with mean and std (Box-Muller on two words of the counter's block)
void randomNormalF32(float* out, std::size_t n, uint64_t seed, uint64_t offset, float mean, float std);
// out[e] uniform integer in [lo, hi); hi > lo
void randomIntI32(int32_t* out, std::size_t n, uint64_t seed, uint64_t offset, int64_t lo, int64_t hi);
// out[e] = (uniform < keep) ? scale : 0, a dropout mask
void randomBernoulliMaskF32(float* out, std::size_t n, uint64_t seed, uint64_t offset, float keep, float scale);

// One Philox4x32-10 block, exposed for tests.
void philox4x32(uint64_t counter, uint64_t key, uint32_t out[4]);

}  // namespace keel
