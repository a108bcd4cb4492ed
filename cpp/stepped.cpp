// Engine of the stepped models (ADAPTIVE_LIF, IZHIKEVICH, HODGKIN_HUXLEY; network.hpp, is_stepped).
// Plain C++17, no Python headers.
//
// Every neuron is evaluated in phase 1 of every step by its rule in neurons.hpp, so each neuron follows
// its per-step rule exactly (no settling, no closed-form catch-up). Delivery uses the regrouped synapses
// of the prepared network and one dense input accumulator per delay slot: a spike of step n adds its
// weights to the slots of steps n + D when it is emitted, so that the accumulator of step n holds, in
// this order, the spikes of earlier steps, then those of step n by ascending presynaptic index (CSR
// order within a neuron), then the external events of step n: the order of neurons.hpp. The cost is
// O(n) per step plus the synaptic events (times the sub-steps for IZHIKEVICH and HODGKIN_HUXLEY).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "dispatch.hpp"
#include "engine.hpp"
#include "neurons.hpp"
#include "prepared.hpp"

namespace snnas {
namespace detail {
namespace {

// SNNAS_HOT (dispatch.hpp): the per-neuron passes vectorise with AVX2 or later (1.3x for ADAPTIVE_LIF).
template <Model M>
SNNAS_HOT void loop(const PreparedNetwork::Impl& net, const ExternalInput& ext, const InitialState& init,
                    int64_t n_steps, Result& res) {
  const int32_t n = net.n;
  const size_t nn = static_cast<size_t>(n);
  std::vector<double> v = init.v;
  // Hidden state: ADAPTIVE_LIF theta; IZHIKEVICH u; HODGKIN_HUXLEY the gates m, h, n.
  std::vector<double> s1(nn, 0.0), s2, s3;
  std::vector<uint8_t> above;  // HODGKIN_HUXLEY: V >= v_th at the end of the previous sub-step
  std::vector<int64_t> ref_end(nn, -1);
  const double h = net.dt * 1000.0 / static_cast<double>(net.substeps);  // sub-step [ms]
  const int32_t k_sub = net.substeps;
  if constexpr (M == Model::IZHIKEVICH)
    for (size_t i = 0; i < nn; ++i) s1[i] = net.izh_b[i] * v[i];
  if constexpr (M == Model::HODGKIN_HUXLEY) {
    s2.assign(nn, 0.0);
    s3.assign(nn, 0.0);
    above.assign(nn, 0);
    for (size_t i = 0; i < nn; ++i) {
      hh_init(v[i], s1[i], s2[i], s3[i]);
      above[i] = v[i] >= net.v_th[i];
    }
  }
  const Delivery& syn = net.syn;
  const int64_t slots = int64_t{syn.max_delay} + 1;
  std::vector<double> buf(static_cast<size_t>(slots) * nn, 0.0);
  std::vector<int32_t> fired;
  fired.reserve(nn);
  size_t ext_pos = 0;
  const size_t n_ext = ext.spike_step.size();
  Counters c;

  for (int64_t step = 0; step < n_steps; ++step) {
    const double* cur = ext.current_mode == CurrentMode::PerNeuron ? ext.current.data()
                        : ext.current_mode == CurrentMode::PerStep ? ext.current.data() + step * n
                                                                   : nullptr;
    // Phases 1 and 2.
    fired.clear();
    for (int32_t i = 0; i < n; ++i) {
      const double ie = cur ? cur[i] : 0.0;
      if constexpr (M == Model::ADAPTIVE_LIF) {
        if (step <= ref_end[i]) {  // refractory: v held, theta still decays
          s1[i] = s1[i] * net.alpha_a[i];
          continue;
        }
        alif_step(v[i], s1[i], net.v_rest[i], net.a[i], net.alpha_a[i], ie);
        if (v[i] >= net.v_th[i] + s1[i]) fired.push_back(i);
      }
      if constexpr (M == Model::IZHIKEVICH) {
        izh_step(v[i], s1[i], net.v_th[i], net.izh_ka[i], net.izh_b[i], h, k_sub, ie);
        if (v[i] >= net.v_th[i]) fired.push_back(i);
      }
      if constexpr (M == Model::HODGKIN_HUXLEY) {
        bool up = above[i] != 0;
        if (hh_step(v[i], s1[i], s2[i], s3[i], up, net.v_th[i], h, k_sub, ie)) fired.push_back(i);
        above[i] = up;
      }
    }
    c.neuron_updates += n;

    // Phase 3: the spikes of S_n into the slots of their delays, the external events of step n, then
    // every neuron takes its summed input of step n.
    const int64_t slot = step % slots;
    for (int32_t i : fired) {
      for (int64_t g = syn.seg_ptr[i]; g < syn.seg_ptr[i + 1]; ++g) {
        const Segment& seg = syn.segs[static_cast<size_t>(g)];
        int64_t s = slot + seg.delay;
        if (s >= slots) s -= slots;
        double* b = buf.data() + static_cast<size_t>(s) * nn;
        for (int64_t j = seg.begin; j < seg.end; ++j) b[syn.target[j]] += syn.weight[j];
      }
      c.synaptic_events += syn.row_ptr[i + 1] - syn.row_ptr[i];
    }
    double* now = buf.data() + static_cast<size_t>(slot) * nn;
    while (ext_pos < n_ext && ext.spike_step[ext_pos] == step) {
      now[ext.spike_id[ext_pos]] += ext.spike_weight[ext_pos];
      ++ext_pos;
      ++c.external_events;
    }
    for (int32_t i = 0; i < n; ++i) {
      const double x = now[i];
      now[i] = 0.0;
      if (x == 0.0) continue;  // a sum of exactly zero is no input
      if constexpr (M == Model::ADAPTIVE_LIF) {
        if (step <= ref_end[i]) continue;  // discarded while refractory
      }
      v[i] = v[i] + x;
    }

    // Phase 4.
    for (int32_t i : fired) {
      if constexpr (M == Model::ADAPTIVE_LIF) {
        v[i] = net.subtract ? v[i] - (net.v_th[i] + s1[i]) : net.v_reset[i];
        s1[i] = s1[i] + net.beta[i];
        ref_end[i] = step + net.t_ref[i];
      }
      if constexpr (M == Model::IZHIKEVICH) {
        v[i] = net.v_reset[i];
        s1[i] = s1[i] + net.izh_d[i];
      }
      res.spike_step.push_back(step);
      res.spike_id.push_back(i);
    }
    c.spikes += static_cast<int64_t>(fired.size());
  }

  res.v = std::move(v);
  res.i_syn.assign(nn, 0.0);
  res.hidden = s1;
  res.hidden.insert(res.hidden.end(), s2.begin(), s2.end());
  res.hidden.insert(res.hidden.end(), s3.begin(), s3.end());
  res.counters = c;
}

}  // namespace

Result run_stepped(const PreparedNetwork::Impl& net, const ExternalInput& ext, const InitialState& init,
                   int64_t n_steps) {
  Result res;
  switch (net.model) {
    case Model::ADAPTIVE_LIF: loop<Model::ADAPTIVE_LIF>(net, ext, init, n_steps, res); break;
    case Model::IZHIKEVICH: loop<Model::IZHIKEVICH>(net, ext, init, n_steps, res); break;
    case Model::HODGKIN_HUXLEY: loop<Model::HODGKIN_HUXLEY>(net, ext, init, n_steps, res); break;
    default: break;  // the event-driven models run in engine.cpp
  }
  return res;
}

}  // namespace detail
}  // namespace snnas
