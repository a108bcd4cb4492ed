// Chip model: per-core, per-step event counts (see hardware.hpp for every definition).
#include "hardware.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace snnas {

std::string validate_chip_counts(const ChipCountsInput& in) {
  std::ostringstream err;
  if (in.num_neurons < 0) return "num_neurons: expected >= 0";
  if (in.num_cores < 0) return "num_cores: expected >= 0";
  if (in.n_steps < 0) return "n_steps: expected >= 0";
  if (in.n_steps > 0 && in.num_cores > 0 && in.n_steps > (int64_t{1} << 40) / in.num_cores)
    return "n_steps x num_cores: too large for the count tables";
  if (in.row_ptr[0] != 0) return "row_ptr: expected row_ptr[0] = 0";
  for (int32_t i = 0; i < in.num_neurons; ++i) {
    if (in.row_ptr[i + 1] < in.row_ptr[i]) {
      err << "row_ptr: expected non-decreasing, row_ptr[" << i + 1 << "] = " << in.row_ptr[i + 1] << " < "
          << in.row_ptr[i];
      return err.str();
    }
  }
  const int64_t m = in.row_ptr[in.num_neurons];
  for (int64_t s = 0; s < m; ++s) {
    if (in.target[s] < 0 || in.target[s] >= in.num_neurons) {
      err << "target[" << s << "] = " << in.target[s] << ": expected in [0, " << in.num_neurons << ")";
      return err.str();
    }
    if (in.delay[s] < 0) {
      err << "delay[" << s << "] = " << in.delay[s] << ": expected >= 0";
      return err.str();
    }
  }
  for (int32_t i = 0; i < in.num_neurons; ++i) {
    if (in.neuron_core[i] < -1 || in.neuron_core[i] >= in.num_cores) {
      err << "neuron_core[" << i << "] = " << in.neuron_core[i] << ": expected in [-1, " << in.num_cores << ")";
      return err.str();
    }
  }
  if ((in.core_x == nullptr) != (in.core_y == nullptr)) return "core_x, core_y: give both or neither";
  if (in.core_x != nullptr) {
    for (int32_t k = 0; k < in.num_cores; ++k) {
      if (in.core_x[k] < 0 || in.core_y[k] < 0) {
        err << "core_xy[" << k << "] = (" << in.core_x[k] << ", " << in.core_y[k] << "): expected >= 0";
        return err.str();
      }
    }
  }
  for (int64_t j = 0; j < in.n_spikes; ++j) {
    if (in.spike_id[j] < 0 || in.spike_id[j] >= in.num_neurons) {
      err << "spike_id[" << j << "] = " << in.spike_id[j] << ": expected in [0, " << in.num_neurons << ")";
      return err.str();
    }
    if (in.spike_step[j] < 0 || in.spike_step[j] >= in.n_steps) {
      err << "spike_step[" << j << "] = " << in.spike_step[j] << ": expected in [0, " << in.n_steps << ")";
      return err.str();
    }
    if (j > 0 && in.spike_step[j] < in.spike_step[j - 1]) {
      err << "spike_step: expected non-decreasing, spike_step[" << j << "] = " << in.spike_step[j] << " < "
          << in.spike_step[j - 1];
      return err.str();
    }
  }
  return "";
}

ChipCounts count_chip_events(const ChipCountsInput& in) {
  const int64_t K = in.num_cores;
  const size_t cells = static_cast<size_t>(in.n_steps * K);
  ChipCounts c;
  for (auto* v : {&c.synops, &c.spikes_out, &c.packets_out, &c.packets_in, &c.hops_x, &c.hops_y, &c.max_hops_x,
                  &c.max_hops_y, &c.active, &c.idle}) {
    v->assign(cells, 0);
  }
  std::vector<int64_t> neurons(static_cast<size_t>(K), 0);
  for (int32_t i = 0; i < in.num_neurons; ++i) {
    if (in.neuron_core[i] >= 0) ++neurons[in.neuron_core[i]];
  }
  int32_t max_delay = 0;
  for (int64_t s = 0; s < in.row_ptr[in.num_neurons]; ++s) max_delay = std::max(max_delay, in.delay[s]);
  // Targets of the events arriving at each future step (ring over the delay window), to count distinct
  // active neurons once every event of a step has arrived.
  const int64_t ring_size = static_cast<int64_t>(max_delay) + 1;
  std::vector<std::vector<int32_t>> arriving(static_cast<size_t>(ring_size));
  std::vector<int64_t> marked(static_cast<size_t>(in.num_neurons), -1);
  // Per-spike scratch: which destination cores this spike reaches (cleared through the touched list).
  std::vector<char> reached(static_cast<size_t>(K), 0);
  std::vector<int32_t> touched;
  touched.reserve(static_cast<size_t>(K));
  const bool mesh = in.core_x != nullptr;
  int64_t j = 0;
  for (int64_t n = 0; n < in.n_steps; ++n) {
    const int64_t row = n * K;
    for (; j < in.n_spikes && in.spike_step[j] == n; ++j) {
      const int32_t src = in.spike_id[j];
      const int32_t src_core = in.neuron_core[src];
      if (src_core >= 0) ++c.spikes_out[row + src_core];
      for (int64_t s = in.row_ptr[src]; s < in.row_ptr[src + 1]; ++s) {
        const int32_t tgt = in.target[s];
        const int32_t k = in.neuron_core[tgt];
        if (k < 0) continue;  // an input neuron receives nothing on the chip
        const int64_t arrive = n + in.delay[s];
        if (arrive < in.n_steps) {
          ++c.synops[arrive * K + k];
          arriving[static_cast<size_t>(arrive % ring_size)].push_back(tgt);
        }
        if (!reached[k]) {
          reached[k] = 1;
          touched.push_back(k);
        }
      }
      for (int32_t k : touched) {
        reached[k] = 0;
        if (k == src_core) continue;  // delivery within the core is part of the spike's own cost
        if (src_core >= 0) ++c.packets_out[row + src_core];
        ++c.packets_in[row + k];
        if (mesh) {
          const int64_t sx = src_core >= 0 ? in.core_x[src_core] : 0;
          const int64_t sy = src_core >= 0 ? in.core_y[src_core] : 0;
          const int64_t dx = std::llabs(in.core_x[k] - sx), dy = std::llabs(in.core_y[k] - sy);
          c.hops_x[row + k] += dx;
          c.hops_y[row + k] += dy;
          c.max_hops_x[row + k] = std::max(c.max_hops_x[row + k], dx);
          c.max_hops_y[row + k] = std::max(c.max_hops_y[row + k], dy);
        }
      }
      touched.clear();
    }
    // Every event arriving at step n is in (spikes of later steps arrive later): count distinct targets.
    auto& now = arriving[static_cast<size_t>(n % ring_size)];
    for (int32_t tgt : now) {
      if (marked[tgt] != n) {
        marked[tgt] = n;
        ++c.active[row + in.neuron_core[tgt]];
      }
    }
    now.clear();
    for (int64_t k = 0; k < K; ++k) c.idle[row + k] = std::max<int64_t>(0, neurons[k] - c.active[row + k]);
  }
  return c;
}

}  // namespace snnas
