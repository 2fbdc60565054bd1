// Elementwise kernels for the scalar path: elementwise_impl.h compiled with this unit's flags.
// Compiled with the baseline flags only.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "elementwise.h"

namespace keel {
namespace {
#include "vmath.h"
#include "elementwise_impl.h"
}  // namespace

const ElementwiseKernels& elementwiseKernelsScalar() { return kElementwiseKernels; }

}  // namespace keel
