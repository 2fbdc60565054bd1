// LSTM cell pointwise passes for the avx512 path: lstm_cell_impl.h compiled with this unit's
// flags. Compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "lstm.h"

namespace keel {
namespace {
#include "../elementwise/vmath.h"
#include "lstm_cell_impl.h"
}  // namespace

const LstmCellKernels& lstmCellKernelsAvx512() { return kLstmCellKernels; }

}  // namespace keel
