// Elementwise kernels for the avx2 path: elementwise_impl.h compiled with this unit's flags.
// Compiled with -mavx2 -mfma.
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

const ElementwiseKernels& elementwiseKernelsAvx2() { return kElementwiseKernels; }

}  // namespace keel
