// 64-byte aligned allocation: one cache line and one AVX-512 register, so packed panels and
// tensor storage never straddle lines and aligned vector loads are legal.
#pragma once
#include <cstddef>

namespace keel {

constexpr std::size_t kAlignment = 64;

// Returns nullptr on failure or on a size whose rounding would overflow; never throws.
void* alignedAlloc(std::size_t bytes) noexcept;
void alignedFree(void* p) noexcept;

// A growable scratch buffer for one thread's packed panels. It keeps its largest size, so a
// training loop that calls GEMM with the same shapes allocates once and never page-faults again.
class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { alignedFree(data_); }

  // Returns at least `floats` floats, or nullptr if the allocation failed.
  float* reserve(std::size_t floats) noexcept;

 private:
  float* data_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace keel
