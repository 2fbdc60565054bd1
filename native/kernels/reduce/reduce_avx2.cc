// Reduction kernels for the avx2 path: reduce_impl.h compiled with this unit's flags.
// Compiled with -mavx2 -mfma.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "reduce.h"

// Width of the generic vectors in reduce_impl.h.
#define KEEL_VECTOR_BYTES 32

namespace keel {
namespace {
#include "../elementwise/vmath.h"
#include "reduce_impl.h"
}  // namespace

const ReduceKernels& reduceKernelsAvx2() { return kReduceKernels; }

}  // namespace keel
