// The LSTM cell's pointwise passes, written once and compiled per ISA (lstm_cell_*.cc) so the
// sigmoid/tanh polynomials vectorize. Expects <cmath>, <cstdint>, <cstring>, "lstm.h" and
// vmath.h before it.

void lstmCellForward(float* gates, float* c_out, float* h_out, const float* c_prev, const float* h_prev,
                     const uint8_t* active, std::size_t b, std::size_t h) {
  for (std::size_t r = 0; r < b; r++) {
    float* g = gates + r * 4 * h;
    float* co = c_out + r * h;
    float* ho = h_out + r * h;
    const float* cp = c_prev + r * h;
    if (active != nullptr && !active[r]) {
      std::memcpy(co, cp, h * sizeof(float));
      std::memcpy(ho, h_prev + r * h, h * sizeof(float));
      std::memset(g, 0, 4 * h * sizeof(float));
      continue;
    }
    // The four gate blocks of a row never overlap each other or the state rows.
    float* __restrict gi = g;
    float* __restrict gf = g + h;
    float* __restrict gg = g + 2 * h;
    float* __restrict go = g + 3 * h;
    float* __restrict cw = co;
    float* __restrict hw = ho;
    const float* __restrict cr = cp;
#pragma GCC ivdep
    for (std::size_t j = 0; j < h; j++) {
      const float i = vsigmoid(gi[j]), f = vsigmoid(gf[j]), c = vtanh(gg[j]), o = vsigmoid(go[j]);
      const float cn = f * cr[j] + i * c;
      gi[j] = i;
      gf[j] = f;
      gg[j] = c;
      go[j] = o;
      cw[j] = cn;
      hw[j] = o * vtanh(cn);
    }
  }
}

void lstmCellBackward(float* dgates, float* dc, const float* dh, const float* gates, const float* c_prev,
                      const float* c, const uint8_t* active, std::size_t b, std::size_t h) {
  for (std::size_t r = 0; r < b; r++) {
    float* dg = dgates + r * 4 * h;
    float* dcr = dc + r * h;
    if (active != nullptr && !active[r]) {
      std::memset(dg, 0, 4 * h * sizeof(float));
      continue;  // dc passes through unchanged
    }
    const float* __restrict gi = gates + r * 4 * h;
    const float* __restrict gf = gi + h;
    const float* __restrict gc = gi + 2 * h;
    const float* __restrict go = gi + 3 * h;
    const float* __restrict cp = c_prev + r * h;
    const float* __restrict cr = c + r * h;
    const float* __restrict dhr = dh + r * h;
    float* __restrict dgi = dg;
    float* __restrict dgf = dg + h;
    float* __restrict dgc = dg + 2 * h;
    float* __restrict dgo = dg + 3 * h;
    float* __restrict dcw = dcr;
#pragma GCC ivdep
    for (std::size_t j = 0; j < h; j++) {
      const float i = gi[j], f = gf[j], gg = gc[j], o = go[j];
      const float tc = vtanh(cr[j]);
      const float dct = dcw[j] + dhr[j] * o * (1.0f - tc * tc);
      dgi[j] = dct * gg * i * (1.0f - i);
      dgf[j] = dct * cp[j] * f * (1.0f - f);
      dgc[j] = dct * i * (1.0f - gg * gg);
      dgo[j] = dhr[j] * tc * o * (1.0f - o);
      dcw[j] = dct * f;
    }
  }
}

const LstmCellKernels kLstmCellKernels{lstmCellForward, lstmCellBackward};
