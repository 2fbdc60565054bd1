// LSTM cell pointwise passes for the avx2 path: lstm_cell_impl.h compiled with this unit's
// flags. Compiled with -mavx2 -mfma.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "lstm.h"

namespace keel {
namespace {
#include "../elementwise/vmath.h"
#include "lstm_cell_impl.h"
}  // namespace

const LstmCellKernels& lstmCellKernelsAvx2() { return kLstmCellKernels; }

}  // namespace keel
