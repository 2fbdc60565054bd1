// Reduction kernels for the scalar path: reduce_impl.h compiled with this unit's flags.
// Compiled with the baseline flags only.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "reduce.h"

// Width of the generic vectors in reduce_impl.h.
#define KEEL_VECTOR_BYTES 16

namespace keel {
namespace {
#include "../elementwise/vmath.h"
#include "reduce_impl.h"
}  // namespace

const ReduceKernels& reduceKernelsScalar() { return kReduceKernels; }

}  // namespace keel
