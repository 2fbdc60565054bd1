// GRU cell pointwise passes for the avx2 path: gru_cell_impl.h compiled with this unit's
// flags. Compiled with -mavx2 -mfma.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "gru.h"

namespace keel {
namespace {
#include "../elementwise/vmath.h"
#include "gru_cell_impl.h"
}  // namespace

const GruCellKernels& gruCellKernelsAvx2() { return kGruCellKernels; }

}  // namespace keel
