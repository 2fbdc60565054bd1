// col2im for stride-1 columns, the contract between conv.cc (which holds the reference,
// col2im()) and one translation unit per ISA. Small planes are the case that matters: LeNet's
// second layer scatters 150 rows of 10 x 10 back into 6 planes of 14 x 14 per sample, where
// the reference's 10-float inner loops are mostly loop overhead.
#pragma once
#include <cstddef>

#include "conv.h"

namespace keel {

// x (cg, h, w) += col2im(col) for s.sw == 1 (col's rows `ld` apart), bit for bit what col2im()
// adds: every element of x receives the contributions of taps (ki, kj) in that order.
using Col2imStride1Fn = void (*)(float* x, const float* col, std::size_t ld, std::size_t cg, const Conv2dShape& s);

#if defined(__x86_64__) || defined(_M_X64)
void f32_col2im_stride1__avx512(float* x, const float* col, std::size_t ld, std::size_t cg, const Conv2dShape& s);
#endif

}  // namespace keel
