// Reduction kernels for the scalar path: reduce_impl.h compiled with this unit's flags.
// Compiled with the baseline flags only.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "reduce.h"

namespace keel {
namespace {
#include "../elementwise/vmath.h"
#include "reduce_impl.h"
}  // namespace

const ReduceKernels& reduceKernelsScalar() { return kReduceKernels; }

}  // namespace keel
