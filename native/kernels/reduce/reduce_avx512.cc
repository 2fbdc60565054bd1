// Reduction kernels for the avx512 path: reduce_impl.h compiled with this unit's flags.
// Compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "reduce.h"

// Width of the generic vectors in reduce_impl.h.
#define KEEL_VECTOR_BYTES 64

namespace keel {
namespace {
#include "../elementwise/vmath.h"
#include "reduce_impl.h"
}  // namespace

const ReduceKernels& reduceKernelsAvx512() { return kReduceKernels; }

}  // namespace keel
