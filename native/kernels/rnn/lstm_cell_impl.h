// The LSTM cell's pointwise passes in the transposed layout of lstm.h, written once and
// compiled per ISA (lstm_cell_*.cc) so the sigmoid/tanh polynomials vectorize along the batch
// columns of each gate row. Expects <cmath>, <cstdint>, <cstring>, "lstm.h" and vmath.h before it.

// The column loops are written with selects rather than branches on `active` so they stay one
// vectorized loop; the unmasked instantiation skips the selects entirely.
template <bool kMasked>
void lstmCellForwardRows(float* gates, float* c_out, float* h_out, const float* c_prev, const float* h_prev,
                         const float* bias, const float* active, std::size_t ldg, std::size_t gate_rows,
                         std::size_t lds, std::size_t units, std::size_t b) {
  for (std::size_t u = 0; u < units; u++) {
    // The four gate rows of a unit never overlap each other or the state rows.
    float* __restrict gi = gates + u * ldg;
    float* __restrict gf = gi + gate_rows * ldg;
    float* __restrict gg = gi + 2 * gate_rows * ldg;
    float* __restrict go = gi + 3 * gate_rows * ldg;
    float* __restrict cw = c_out + u * lds;
    float* __restrict hw = h_out + u * lds;
    const float* __restrict cp = c_prev + u * lds;
    const float* __restrict hp = h_prev + u * lds;
    const float* __restrict act = active;
    float bi = 0.0f, bf = 0.0f, bg = 0.0f, bo = 0.0f;
    if (bias != nullptr) {
      bi = bias[u];
      bf = bias[u + gate_rows];
      bg = bias[u + 2 * gate_rows];
      bo = bias[u + 3 * gate_rows];
    }
#pragma GCC ivdep
    for (std::size_t j = 0; j < b; j++) {
      const float i = vsigmoid(gi[j] + bi), f = vsigmoid(gf[j] + bf), c = vtanh(gg[j] + bg), o = vsigmoid(go[j] + bo);
      const float cn = f * cp[j] + i * c;
      const float hn = o * vtanh(cn);
      if (kMasked) {
        const bool on = act[j] != 0.0f;
        gi[j] = on ? i : 0.0f;
        gf[j] = on ? f : 0.0f;
        gg[j] = on ? c : 0.0f;
        go[j] = on ? o : 0.0f;
        cw[j] = on ? cn : cp[j];
        hw[j] = on ? hn : hp[j];
      } else {
        gi[j] = i;
        gf[j] = f;
        gg[j] = c;
        go[j] = o;
        cw[j] = cn;
        hw[j] = hn;
      }
    }
  }
}

void lstmCellForward(float* gates, float* c_out, float* h_out, const float* c_prev, const float* h_prev,
                     const float* bias, const float* active, std::size_t ldg, std::size_t gate_rows, std::size_t lds,
                     std::size_t units, std::size_t b) {
  if (active != nullptr) {
    lstmCellForwardRows<true>(gates, c_out, h_out, c_prev, h_prev, bias, active, ldg, gate_rows, lds, units, b);
  } else {
    lstmCellForwardRows<false>(gates, c_out, h_out, c_prev, h_prev, bias, active, ldg, gate_rows, lds, units, b);
  }
}

template <bool kMasked>
void lstmCellBackwardRows(float* dgates, float* dc, const float* dh, const float* gates, const float* c_prev,
                          const float* c, const float* active, std::size_t ldg, std::size_t gate_rows,
                          std::size_t lds, std::size_t ldd, std::size_t units, std::size_t b) {
  for (std::size_t u = 0; u < units; u++) {
    const float* __restrict gi = gates + u * ldg;
    const float* __restrict gf = gi + gate_rows * ldg;
    const float* __restrict gc = gi + 2 * gate_rows * ldg;
    const float* __restrict go = gi + 3 * gate_rows * ldg;
    const float* __restrict cp = c_prev + u * lds;
    const float* __restrict cr = c + u * lds;
    const float* __restrict dhr = dh + u * ldd;
    float* __restrict dgi = dgates + u * ldg;
    float* __restrict dgf = dgi + gate_rows * ldg;
    float* __restrict dgc = dgi + 2 * gate_rows * ldg;
    float* __restrict dgo = dgi + 3 * gate_rows * ldg;
    float* __restrict dcw = dc + u * ldd;
    const float* __restrict act = active;
#pragma GCC ivdep
    for (std::size_t j = 0; j < b; j++) {
      const float i = gi[j], f = gf[j], gg = gc[j], o = go[j];
      const float tc = vtanh(cr[j]);
      const float dct = dcw[j] + dhr[j] * o * (1.0f - tc * tc);
      const float di = dct * gg * i * (1.0f - i);
      const float df = dct * cp[j] * f * (1.0f - f);
      const float dg = dct * i * (1.0f - gg * gg);
      const float dout = dhr[j] * tc * o * (1.0f - o);
      const float dcn = dct * f;
      if (kMasked) {
        const bool on = act[j] != 0.0f;
        dgi[j] = on ? di : 0.0f;
        dgf[j] = on ? df : 0.0f;
        dgc[j] = on ? dg : 0.0f;
        dgo[j] = on ? dout : 0.0f;
        dcw[j] = on ? dcn : dcw[j];
      } else {
        dgi[j] = di;
        dgf[j] = df;
        dgc[j] = dg;
        dgo[j] = dout;
        dcw[j] = dcn;
      }
    }
  }
}

void lstmCellBackward(float* dgates, float* dc, const float* dh, const float* gates, const float* c_prev,
                      const float* c, const float* active, std::size_t ldg, std::size_t gate_rows, std::size_t lds,
                      std::size_t ldd, std::size_t units, std::size_t b) {
  if (active != nullptr) {
    lstmCellBackwardRows<true>(dgates, dc, dh, gates, c_prev, c, active, ldg, gate_rows, lds, ldd, units, b);
  } else {
    lstmCellBackwardRows<false>(dgates, dc, dh, gates, c_prev, c, active, ldg, gate_rows, lds, ldd, units, b);
  }
}

const LstmCellKernels kLstmCellKernels{lstmCellForward, lstmCellBackward};
