#include "aligned_alloc.h"

#include <cstdlib>
#include <limits>

namespace keel {

void* alignedAlloc(std::size_t bytes) noexcept {
  if (bytes == 0) bytes = kAlignment;
  if (bytes > std::numeric_limits<std::size_t>::max() - kAlignment) return nullptr;
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
#if defined(_WIN32)
  return _aligned_malloc(rounded, kAlignment);
#else
  void* p = nullptr;
  if (posix_memalign(&p, kAlignment, rounded) != 0) return nullptr;
  return p;
#endif
}

void alignedFree(void* p) noexcept {
#if defined(_WIN32)
  _aligned_free(p);
#else
  std::free(p);
#endif
}

float* ScratchBuffer::reserve(std::size_t floats) noexcept {
  if (floats <= capacity_) return data_;
  if (floats > std::numeric_limits<std::size_t>::max() / sizeof(float)) return nullptr;
  float* fresh = static_cast<float*>(alignedAlloc(floats * sizeof(float)));
  if (fresh == nullptr) return nullptr;
  alignedFree(data_);
  data_ = fresh;
  capacity_ = floats;
  return data_;
}

}  // namespace keel
