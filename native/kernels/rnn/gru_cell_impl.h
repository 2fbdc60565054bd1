// The GRU cell's pointwise passes in the transposed layout of gru.h, written once and compiled
// per ISA (gru_cell_*.cc) so the sigmoid/tanh polynomials vectorize along the batch columns of
// each gate row. Expects <cmath>, <cstdint>, <cstring>, "gru.h" and vmath.h before it.

// Selects rather than branches on `active` keep each column loop one vectorized loop; the
// unmasked instantiation skips them.
template <bool kMasked>
void gruCellForwardRows(float* gates, float* h_out, float* hn_out, const float* gh, const float* h_prev,
                        const float* bias_x, const float* bias_hn, const float* active, std::size_t ldg,
                        std::size_t ldh, std::size_t gate_rows, std::size_t lds, std::size_t units, std::size_t b) {
  for (std::size_t u = 0; u < units; u++) {
    float* __restrict gr = gates + u * ldg;
    float* __restrict gz = gr + gate_rows * ldg;
    float* __restrict gn = gr + 2 * gate_rows * ldg;
    const float* __restrict hr = gh + u * ldh;
    const float* __restrict hz = hr + gate_rows * ldh;
    const float* __restrict hnl = hr + 2 * gate_rows * ldh;
    float* __restrict hw = h_out + u * lds;
    float* __restrict nw = hn_out + u * lds;
    const float* __restrict hp = h_prev + u * lds;
    const float* __restrict act = active;
    float br = 0.0f, bz = 0.0f, bn = 0.0f, bhn = 0.0f;
    if (bias_x != nullptr) {
      br = bias_x[u];
      bz = bias_x[u + gate_rows];
      bn = bias_x[u + 2 * gate_rows];
    }
    if (bias_hn != nullptr) bhn = bias_hn[u];
#pragma GCC ivdep
    for (std::size_t j = 0; j < b; j++) {
      const float r = vsigmoid(gr[j] + hr[j] + br), z = vsigmoid(gz[j] + hz[j] + bz);
      const float hl = hnl[j] + bhn;
      const float n = vtanh(gn[j] + bn + r * hl);
      const float hnew = (1.0f - z) * n + z * hp[j];
      if (kMasked) {
        const bool on = act[j] != 0.0f;
        gr[j] = on ? r : 0.0f;
        gz[j] = on ? z : 0.0f;
        gn[j] = on ? n : 0.0f;
        nw[j] = on ? hl : 0.0f;
        hw[j] = on ? hnew : hp[j];
      } else {
        gr[j] = r;
        gz[j] = z;
        gn[j] = n;
        nw[j] = hl;
        hw[j] = hnew;
      }
    }
  }
}

void gruCellForward(float* gates, float* h_out, float* hn_out, const float* gh, const float* h_prev,
                    const float* bias_x, const float* bias_hn, const float* active, std::size_t ldg, std::size_t ldh,
                    std::size_t gate_rows, std::size_t lds, std::size_t units, std::size_t b) {
  if (active != nullptr) {
    gruCellForwardRows<true>(gates, h_out, hn_out, gh, h_prev, bias_x, bias_hn, active, ldg, ldh, gate_rows, lds, units, b);
  } else {
    gruCellForwardRows<false>(gates, h_out, hn_out, gh, h_prev, bias_x, bias_hn, active, ldg, ldh, gate_rows, lds, units, b);
  }
}

template <bool kMasked>
void gruCellBackwardRows(float* dgx, float* dgh, float* dh_prev, const float* dh, const float* gates, const float* hn,
                         const float* h_prev, const float* active, std::size_t ldg, std::size_t gate_rows,
                         std::size_t lds, std::size_t ldd, std::size_t units, std::size_t b) {
  for (std::size_t u = 0; u < units; u++) {
    const float* __restrict gr = gates + u * ldg;
    const float* __restrict gz = gr + gate_rows * ldg;
    const float* __restrict gn = gr + 2 * gate_rows * ldg;
    const float* __restrict hl = hn + u * lds;
    const float* __restrict hp = h_prev + u * lds;
    const float* __restrict dhr = dh + u * ldd;
    float* __restrict xr = dgx + u * ldg;
    float* __restrict xz = xr + gate_rows * ldg;
    float* __restrict xn = xr + 2 * gate_rows * ldg;
    float* __restrict hr = dgh + u * ldg;
    float* __restrict hz = hr + gate_rows * ldg;
    float* __restrict hn_ = hr + 2 * gate_rows * ldg;
    float* __restrict dhp = dh_prev + u * ldd;
    const float* __restrict act = active;
#pragma GCC ivdep
    for (std::size_t j = 0; j < b; j++) {
      const float r = gr[j], z = gz[j], n = gn[j], d = dhr[j];
      const float dan = d * (1.0f - z) * (1.0f - n * n);
      const float dar = dan * hl[j] * r * (1.0f - r);
      const float daz = d * (hp[j] - n) * z * (1.0f - z);
      const float dhl = dan * r;
      if (kMasked) {
        const bool on = act[j] != 0.0f;
        xr[j] = hr[j] = on ? dar : 0.0f;
        xz[j] = hz[j] = on ? daz : 0.0f;
        xn[j] = on ? dan : 0.0f;
        hn_[j] = on ? dhl : 0.0f;
        dhp[j] = on ? d * z : d;
      } else {
        xr[j] = hr[j] = dar;
        xz[j] = hz[j] = daz;
        xn[j] = dan;
        hn_[j] = dhl;
        dhp[j] = d * z;
      }
    }
  }
}

void gruCellBackward(float* dgx, float* dgh, float* dh_prev, const float* dh, const float* gates, const float* hn,
                     const float* h_prev, const float* active, std::size_t ldg, std::size_t gate_rows, std::size_t lds,
                     std::size_t ldd, std::size_t units, std::size_t b) {
  if (active != nullptr) {
    gruCellBackwardRows<true>(dgx, dgh, dh_prev, dh, gates, hn, h_prev, active, ldg, gate_rows, lds, ldd, units, b);
  } else {
    gruCellBackwardRows<false>(dgx, dgh, dh_prev, dh, gates, hn, h_prev, active, ldg, gate_rows, lds, ldd, units, b);
  }
}

const GruCellKernels kGruCellKernels{gruCellForward, gruCellBackward};
