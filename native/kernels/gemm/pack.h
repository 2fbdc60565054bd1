// Packing copies a block of op(A) or op(B) into the panel order the micro-kernel streams, zero
// filling the tail panel so the kernel never needs an edge case in its inner loop.
#pragma once
#include <cstddef>

namespace keel {

// op(A) rows [i0, i0+mc), depth [p0, p0+kc) -> ceil(mc/mr) panels of kc*mr floats;
// panel q holds dst[q*kc*mr + p*mr + r] = op(A)(i0 + q*mr + r, p0 + p).
void packA(float* dst, const float* a, std::size_t lda, bool trans_a, std::size_t i0,
           std::size_t mc, std::size_t p0, std::size_t kc, std::size_t mr);

// op(B) depth [p0, p0+kc), columns [j0, j0+nc) -> ceil(nc/nr) panels of kc*nr floats;
// panel q holds dst[q*kc*nr + p*nr + c] = op(B)(p0 + p, j0 + q*nr + c).
void packB(float* dst, const float* b, std::size_t ldb, bool trans_b, std::size_t p0,
           std::size_t kc, std::size_t j0, std::size_t nc, std::size_t nr);

}  // namespace keel
