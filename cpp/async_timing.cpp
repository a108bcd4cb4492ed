// Event timing of an asynchronous chip (execution model async_event): see hardware.hpp.
#include "hardware.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace snnas {

std::string validate_async_timing(const AsyncTimingInput& in) {
  const std::string base = validate_chip_counts(in.counts);
  if (!base.empty()) return base;
  const double figures[] = {in.dt, in.t_syn, in.t_spike, in.t_hop_x, in.t_hop_y};
  const char* names[] = {"dt", "t_syn", "t_spike", "t_hop_x", "t_hop_y"};
  for (int f = 0; f < 5; ++f) {
    if (!(figures[f] >= 0.0) || figures[f] > 1e6) {  // also rejects NaN
      std::ostringstream err;
      err << names[f] << " = " << figures[f] << ": expected a finite time >= 0 s";
      return err.str();
    }
  }
  if (!(in.dt > 0.0)) return "dt: expected > 0 s";
  return "";
}

AsyncTiming async_event_timing(const AsyncTimingInput& in) {
  const ChipCountsInput& g = in.counts;
  const int32_t N = g.num_neurons;
  const int64_t K = g.num_cores;
  AsyncTiming out;
  out.release.assign(static_cast<size_t>(g.n_spikes), 0.0);
  out.busy.assign(static_cast<size_t>(K), 0.0);
  std::vector<double> done(static_cast<size_t>(N), -1.0);  // last input finished, per neuron (-1: none yet)
  std::vector<int64_t> done_step(static_cast<size_t>(N), -1);  // the delivery step of that input
  std::vector<double> free_at(static_cast<size_t>(K), 0.0);
  struct Packet {
    double arrive;
    int32_t core;
    int32_t src;
    int32_t delay;  // the delay group: synapses of src into core with this delay
  };
  int32_t max_delay = 0;
  for (int64_t s = 0; s < g.row_ptr[N]; ++s) max_delay = std::max(max_delay, g.delay[s]);
  const int64_t ring = static_cast<int64_t>(max_delay) + 1;
  std::vector<std::vector<Packet>> pending(static_cast<size_t>(ring));  // by delivery step mod ring
  std::vector<double> pending_done(static_cast<size_t>(N), -1.0);       // inputs of this step, applied after it
  std::vector<int32_t> touched;
  const bool mesh = g.core_x != nullptr;
  // Per spike: which (core, delay) groups it reaches, found by scanning its row (cleared through a list).
  std::vector<int64_t> group_mark(static_cast<size_t>(K) * static_cast<size_t>(ring), -1);
  int64_t j = 0;
  for (int64_t n = 0; n < g.n_steps; ++n) {
    // (1) release the spikes of step n: their inputs are those delivered at steps < n.
    for (; j < g.n_spikes && g.spike_step[j] == n; ++j) {
      const int32_t src = g.spike_id[j];
      const int32_t own = g.neuron_core[src];
      // A spike caused by input delivered in the previous step leaves as soon as that input is served;
      // any other spike (inputs, constant drive) leaves at its step's time.
      double r = static_cast<double>(n) * in.dt;
      if (own >= 0 && done_step[src] == n - 1)
        r = std::max(static_cast<double>(n - 1) * in.dt, done[src] + in.t_spike);
      out.release[static_cast<size_t>(j)] = r;
      const int64_t sx = (mesh && own >= 0) ? g.core_x[own] : 0, sy = (mesh && own >= 0) ? g.core_y[own] : 0;
      for (int64_t s = g.row_ptr[src]; s < g.row_ptr[src + 1]; ++s) {
        const int32_t k = g.neuron_core[g.target[s]];
        const int32_t d = g.delay[s];
        if (k < 0 || n + d >= g.n_steps) continue;
        const size_t mark = static_cast<size_t>(k) * static_cast<size_t>(ring) + static_cast<size_t>(d);
        if (group_mark[mark] == j) continue;
        group_mark[mark] = j;
        const double hops = mesh ? std::llabs(g.core_x[k] - sx) * in.t_hop_x + std::llabs(g.core_y[k] - sy) * in.t_hop_y
                                 : 0.0;
        pending[static_cast<size_t>((n + d) % ring)].push_back(Packet{r + hops + d * in.dt, k, src, d});
      }
    }
    // (2) deliver the packets of step n in order of arrival, each core serving one at a time.
    auto& now = pending[static_cast<size_t>(n % ring)];
    std::stable_sort(now.begin(), now.end(), [](const Packet& a, const Packet& b) { return a.arrive < b.arrive; });
    for (const Packet& p : now) {
      int64_t events = 0;
      for (int64_t s = g.row_ptr[p.src]; s < g.row_ptr[p.src + 1]; ++s)
        if (g.delay[s] == p.delay && g.neuron_core[g.target[s]] == p.core) ++events;
      const double start = std::max(p.arrive, free_at[static_cast<size_t>(p.core)]);
      const double finish = start + static_cast<double>(events) * in.t_syn;
      free_at[static_cast<size_t>(p.core)] = finish;
      out.busy[static_cast<size_t>(p.core)] += finish - start;
      for (int64_t s = g.row_ptr[p.src]; s < g.row_ptr[p.src + 1]; ++s) {
        const int32_t t = g.target[s];
        if (g.delay[s] != p.delay || g.neuron_core[t] != p.core) continue;
        if (pending_done[t] < 0.0) touched.push_back(t);
        pending_done[t] = std::max(pending_done[t], finish);
      }
    }
    now.clear();
    for (int32_t t : touched) {
      done[t] = pending_done[t];
      done_step[t] = n;
      pending_done[t] = -1.0;
    }
    touched.clear();
  }
  return out;
}

}  // namespace snnas
