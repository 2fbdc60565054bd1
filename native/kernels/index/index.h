// Indexing kernels along one axis of contiguous (outer, r, inner) blocks: gather and its
// adjoint scatter-add, index-select and its adjoint index-add. Indices are int32 and are
// checked: a kernel that meets an out-of-range index writes nothing more and reports it.
// Adds run in index order (threads split outer/inner only), so results are deterministic.
#pragma once
#include <cstddef>
#include <cstdint>

namespace keel {

struct IndexError {
  bool ok = true;
  int64_t position = 0;  // flat position in the index tensor of the first bad index
  int32_t value = 0;     // its value
};

// out (outer, k, inner) = in (outer, r, inner) picked by index (outer, k, inner) along r.
IndexError gather32(uint32_t* out, const uint32_t* in, const int32_t* index, std::size_t outer,
                    std::size_t r, std::size_t k, std::size_t inner);
// out (outer, r, inner) += src (outer, k, inner) at index (outer, k, inner) along r.
IndexError scatterAddF32(float* out, const float* src, const int32_t* index, std::size_t outer,
                         std::size_t r, std::size_t k, std::size_t inner);
// out (outer, k, inner) = in (outer, r, inner) at rows index[0..k) of r. Negative indices are
// errors (the caller wraps Python-style negatives first).
IndexError indexSelect32(uint32_t* out, const uint32_t* in, const int32_t* index,
                         std::size_t outer, std::size_t r, std::size_t k, std::size_t inner);
// out (outer, r, inner) += src (outer, k, inner) at rows index[0..k).
IndexError indexAddF32(float* out, const float* src, const int32_t* index, std::size_t outer,
                       std::size_t r, std::size_t k, std::size_t inner);

}  // namespace keel
