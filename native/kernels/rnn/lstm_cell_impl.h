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
    float* gi = g;
    float* gf = g + h;
    float* gg = g + 2 * h;
    float* go = g + 3 * h;
    for (std::size_t j = 0; j < h; j++) {
      const float i = vsigmoid(gi[j]), f = vsigmoid(gf[j]), c = vtanh(gg[j]), o = vsigmoid(go[j]);
      const float cn = f * cp[j] + i * c;
      gi[j] = i;
      gf[j] = f;
      gg[j] = c;
      go[j] = o;
      co[j] = cn;
      ho[j] = o * vtanh(cn);
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
    const float* g = gates + r * 4 * h;
    const float* cp = c_prev + r * h;
    const float* cr = c + r * h;
    const float* dhr = dh + r * h;
    for (std::size_t j = 0; j < h; j++) {
      const float i = g[j], f = g[h + j], gg = g[2 * h + j], o = g[3 * h + j];
      const float tc = vtanh(cr[j]);
      const float dct = dcr[j] + dhr[j] * o * (1.0f - tc * tc);
      dg[j] = dct * gg * i * (1.0f - i);
      dg[h + j] = dct * cp[j] * f * (1.0f - f);
      dg[2 * h + j] = dct * i * (1.0f - gg * gg);
      dg[3 * h + j] = dhr[j] * tc * o * (1.0f - o);
      dcr[j] = dct * f;
    }
  }
}

const LstmCellKernels kLstmCellKernels{lstmCellForward, lstmCellBackward};
