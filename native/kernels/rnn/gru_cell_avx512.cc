// GRU cell pointwise passes for the avx512 path: gru_cell_impl.h compiled with this unit's
// flags. Compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "gru.h"

namespace keel {
namespace {
#include "../elementwise/vmath.h"
#include "gru_cell_impl.h"
}  // namespace

const GruCellKernels& gruCellKernelsAvx512() { return kGruCellKernels; }

}  // namespace keel
