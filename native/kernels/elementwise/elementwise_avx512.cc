// Elementwise kernels for the avx512 path: elementwise_impl.h compiled with this unit's flags.
// Compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma.
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

const ElementwiseKernels& elementwiseKernelsAvx512() { return kElementwiseKernels; }

}  // namespace keel
