// LSTM cell pointwise passes for the scalar path: lstm_cell_impl.h compiled with this unit's
// flags. Compiled with the baseline flags only.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "lstm.h"

namespace keel {
namespace {
#include "../elementwise/vmath.h"
#include "lstm_cell_impl.h"
}  // namespace

const LstmCellKernels& lstmCellKernelsScalar() { return kLstmCellKernels; }

}  // namespace keel
