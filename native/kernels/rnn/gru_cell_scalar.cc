// GRU cell pointwise passes for the scalar path: gru_cell_impl.h compiled with this unit's
// flags. Compiled with the baseline flags only.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "gru.h"

namespace keel {
namespace {
#include "../elementwise/vmath.h"
#include "gru_cell_impl.h"
}  // namespace

const GruCellKernels& gruCellKernelsScalar() { return kGruCellKernels; }

}  // namespace keel
