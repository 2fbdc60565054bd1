// 2x2, stride-2 max pooling (LeNet's, VGG's, most CNNs'), the contract between the plane loops
// in pool.cc (no intrinsics) and one translation unit per ISA (pool.cc holds the reference,
// pool_2x2_avx512.cc the AVX-512 kernels). Windows lie inside the input (no padding or
// dilation) and do not overlap; an odd last row or column is in no window.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../../core/cpu.h"

namespace keel {

// out[ow] = max of window ow over input rows r0 and r1 (taps in PyTorch's order: r0[2ow],
// r0[2ow+1], r1[2ow], r1[2ow+1]; a tap replaces the running max when greater or NaN), and,
// unless indices is null, indices[ow] = i0 + 2ow, i0 + 2ow + 1, i1 + 2ow or i1 + 2ow + 1: the
// winning tap as an index into the plane (i0, i1 are the rows' offsets in it).
using MaxPool2x2RowFn = void (*)(float* out, int32_t* indices, const float* r0, const float* r1, std::size_t wo,
                                 int32_t i0, int32_t i1);
// The backward of one such row: g0[2ow + j] = go[ow] if indices[ow] == i0 + 2ow + j else 0
// (j = 0, 1), and likewise g1 with i1. Written, not accumulated.
using MaxPool2x2BackwardRowFn = void (*)(float* g0, float* g1, const float* go, const int32_t* indices, std::size_t wo,
                                         int32_t i0, int32_t i1);

struct MaxPool2x2Kernels {
  const char* name;  // e.g. "f32_maxpool_2x2__avx512"
  MaxPool2x2RowFn forward_row;
  MaxPool2x2BackwardRowFn backward_row;
};

const MaxPool2x2Kernels& maxPool2x2KernelsScalar();
#if defined(__x86_64__) || defined(_M_X64)
const MaxPool2x2Kernels& maxPool2x2KernelsAvx512();
#endif

// The kernels for `isa` (AVX2 uses the reference: the compiler vectorizes it with SSE2).
const MaxPool2x2Kernels& maxPool2x2Kernels(Isa isa);

}  // namespace keel
