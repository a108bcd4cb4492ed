// Chip model: per-core, per-step event counts (see hardware.hpp for every definition).
#include "hardware.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <unordered_map>

namespace snnas {

std::string validate_chip_counts(const ChipCountsInput& in) {
  std::ostringstream err;
  if (in.num_neurons < 0) return "num_neurons: expected >= 0";
  if (in.num_cores < 0) return "num_cores: expected >= 0";
  if (in.n_steps < 0) return "n_steps: expected >= 0";
  if (in.n_steps > 0 && in.num_cores > 0 && in.n_steps > (int64_t{1} << 30) / in.num_cores)
    return "n_steps x num_cores: too large for the count tables (at most 2^30 cells)";
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
  int64_t max_delay = 0;
  for (int64_t s = 0; s < m; ++s) max_delay = std::max<int64_t>(max_delay, in.delay[s]);
  if ((max_delay + 1) * static_cast<int64_t>(in.num_neurons) > (int64_t{1} << 30))
    return "delay: (max delay + 1) x neurons exceeds 2^30 marks; shorten the longest delay";
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

namespace {

// Folds one source core's packet counts of a step into the per-destination tables (branch-free, so the
// compiler vectorises it), clears them, and returns how many packets the source sent.
int64_t fold_row(int64_t K, int32_t* __restrict r, const int64_t* __restrict dx, const int64_t* __restrict dy,
                 int64_t* __restrict p_in, int64_t* __restrict h_x, int64_t* __restrict h_y,
                 int64_t* __restrict m_x, int64_t* __restrict m_y) {
  int64_t sent = 0;
  for (int64_t k = 0; k < K; ++k) {
    const int64_t cnt = r[k];
    const int64_t any = cnt > 0 ? 1 : 0;
    sent += cnt;
    p_in[k] += cnt;
    h_x[k] += cnt * dx[k];
    h_y[k] += cnt * dy[k];
    m_x[k] = std::max(m_x[k], any * dx[k]);
    m_y[k] = std::max(m_y[k], any * dy[k]);
    r[k] = 0;
  }
  return sent;
}

}  // namespace

ChipCounts count_chip_events(const ChipCountsInput& in) {
  const int64_t K = in.num_cores;
  const int32_t N = in.num_neurons;
  const size_t cells = static_cast<size_t>(in.n_steps * K);
  ChipCounts c;
  for (auto* v : {&c.synops, &c.spikes_out, &c.packets_out, &c.packets_in, &c.hops_x, &c.hops_y, &c.max_hops_x,
                  &c.max_hops_y, &c.active, &c.idle}) {
    v->assign(cells, 0);
  }
  std::vector<int64_t> neurons(static_cast<size_t>(K), 0);
  for (int32_t i = 0; i < N; ++i) {
    if (in.neuron_core[i] >= 0) ++neurons[in.neuron_core[i]];
  }
  const int64_t m = in.row_ptr[N];
  int32_t max_delay = 0;
  for (int64_t s = 0; s < m; ++s) max_delay = std::max(max_delay, in.delay[s]);
  // Distinct active neurons per (step, core): an event arriving at step a marks its target in slot
  // a mod R. Arrival steps lie in [n, n + max_delay] while spikes of step n are processed, so each slot
  // stands for one arrival step at a time and "mark == a" means the target is already counted.
  const int32_t ring = max_delay + 1;
  std::vector<int64_t> marked(static_cast<size_t>(ring) * static_cast<size_t>(N), -1);
  // Per synapse: the core of its target (-1: an input neuron, which receives nothing on the chip).
  std::vector<int32_t> syn_core(static_cast<size_t>(m));
  for (int64_t s = 0; s < m; ++s) syn_core[s] = in.neuron_core[in.target[s]];
  // Per neuron, the other cores its spikes reach (the routes are fixed by the placement, so this is
  // computed once): dest_ptr / dest_core, CSR over neurons.
  std::vector<int64_t> dest_ptr(static_cast<size_t>(N) + 1, 0);
  std::vector<int32_t> dest_core;
  {
    std::vector<int32_t> seen(static_cast<size_t>(K), -1);
    for (int32_t i = 0; i < N; ++i) {
      const int32_t own = in.neuron_core[i];
      for (int64_t s = in.row_ptr[i]; s < in.row_ptr[i + 1]; ++s) {
        const int32_t k = syn_core[s];
        if (k < 0 || k == own || seen[k] == i) continue;  // delivery within the core is the spike's own cost
        seen[k] = i;
        dest_core.push_back(k);
      }
      dest_ptr[static_cast<size_t>(i) + 1] = static_cast<int64_t>(dest_core.size());
    }
  }
  // Packets of one step are first summed per (source core, destination core), source K being the input
  // port at (0, 0): every packet of a pair has the same route, so hop sums and maxima are formed once
  // per pair at the end of the step. When N x K is small enough, each neuron's destination cores are
  // also kept as a dense 0/1 row, so a spike adds its row to its source core's row (vectorised)
  // instead of walking its destination list.
  const bool mesh = in.core_x != nullptr;
  const int64_t rows = K + 1;
  const bool dense_reach = static_cast<int64_t>(N) * K <= (int64_t{1} << 26) && rows * K <= (int64_t{1} << 24);
  std::vector<uint8_t> reach;
  if (dense_reach) {
    reach.assign(static_cast<size_t>(N) * static_cast<size_t>(K), 0);
    for (int32_t i = 0; i < N; ++i)
      for (int64_t e = dest_ptr[i]; e < dest_ptr[i + 1]; ++e)
        reach[static_cast<size_t>(i) * static_cast<size_t>(K) + static_cast<size_t>(dest_core[e])] = 1;
  }
  std::vector<int32_t> pkt(dense_reach ? static_cast<size_t>(rows * K) : 0, 0);
  std::vector<char> row_used(static_cast<size_t>(rows), 0);
  std::vector<int32_t> used_rows;
  std::unordered_map<int64_t, int64_t> sparse_pkt;  // (a * K + k) -> packets, when not dense
  auto add_pair = [&](int64_t row, int64_t a, int64_t k, int64_t cnt) {
    c.packets_in[row + k] += cnt;
    if (a < K) c.packets_out[row + a] += cnt;
    if (mesh) {
      const int64_t sx = a < K ? in.core_x[a] : 0, sy = a < K ? in.core_y[a] : 0;
      const int64_t dx = std::llabs(in.core_x[k] - sx), dy = std::llabs(in.core_y[k] - sy);
      c.hops_x[row + k] += cnt * dx;
      c.hops_y[row + k] += cnt * dy;
      c.max_hops_x[row + k] = std::max(c.max_hops_x[row + k], dx);
      c.max_hops_y[row + k] = std::max(c.max_hops_y[row + k], dy);
    }
  };
  // Hops of every (source, destination) pair, for the branch-free dense flush.
  std::vector<int64_t> hop_dx, hop_dy;  // zeros without a mesh: every pair is 0 hops
  if (dense_reach) {
    hop_dx.assign(static_cast<size_t>(rows * K), 0);
    hop_dy.assign(static_cast<size_t>(rows * K), 0);
  }
  if (dense_reach && mesh) {
    hop_dx.assign(static_cast<size_t>(rows * K), 0);
    hop_dy.assign(static_cast<size_t>(rows * K), 0);
    for (int64_t a = 0; a < rows; ++a) {
      const int64_t sx = a < K ? in.core_x[a] : 0, sy = a < K ? in.core_y[a] : 0;
      for (int64_t k = 0; k < K; ++k) {
        hop_dx[static_cast<size_t>(a * K + k)] = std::llabs(in.core_x[k] - sx);
        hop_dy[static_cast<size_t>(a * K + k)] = std::llabs(in.core_y[k] - sy);
      }
    }
  }
  auto flush = [&](int64_t row) {
    if (dense_reach) {
      int64_t* p_in = &c.packets_in[static_cast<size_t>(row)];
      int64_t* h_x = &c.hops_x[static_cast<size_t>(row)];
      int64_t* h_y = &c.hops_y[static_cast<size_t>(row)];
      int64_t* m_x = &c.max_hops_x[static_cast<size_t>(row)];
      int64_t* m_y = &c.max_hops_y[static_cast<size_t>(row)];
      for (int32_t a : used_rows) {
        const size_t off = static_cast<size_t>(a) * static_cast<size_t>(K);
        const int64_t sent = fold_row(K, &pkt[off], &hop_dx[off], &hop_dy[off], p_in, h_x, h_y, m_x, m_y);
        if (a < K) c.packets_out[static_cast<size_t>(row + a)] += sent;
        row_used[static_cast<size_t>(a)] = 0;
      }
      used_rows.clear();
    } else {
      for (const auto& [idx, cnt] : sparse_pkt) add_pair(row, idx / K, idx % K, cnt);
      sparse_pkt.clear();
    }
  };
  int64_t j = 0;
  for (int64_t n = 0; n < in.n_steps; ++n) {
    const int64_t row = n * K;
    const int32_t slot_n = static_cast<int32_t>(n % ring);
    for (; j < in.n_spikes && in.spike_step[j] == n; ++j) {
      const int32_t src = in.spike_id[j];
      const int32_t src_core = in.neuron_core[src];
      if (src_core >= 0) ++c.spikes_out[row + src_core];
      const int64_t last = in.row_ptr[src + 1];
      for (int64_t s = in.row_ptr[src]; s < last; ++s) {
        const int32_t k = syn_core[s];
        const int32_t d = in.delay[s];
        const int64_t arrive = n + d;
        if (k < 0 || arrive >= in.n_steps) continue;
        const int64_t cell = arrive * K + k;
        ++c.synops[cell];
        int32_t slot = slot_n + d;  // (n + d) mod ring without a division: d < ring
        if (slot >= ring) slot -= ring;
        int64_t& mark = marked[static_cast<size_t>(slot) * static_cast<size_t>(N) + static_cast<size_t>(in.target[s])];
        c.active[cell] += (mark != arrive);  // branch-free: whether the target is new this step is random
        mark = arrive;
      }
      const int64_t a = src_core >= 0 ? src_core : K;
      if (dense_reach) {
        if (!row_used[static_cast<size_t>(a)]) {
          row_used[static_cast<size_t>(a)] = 1;
          used_rows.push_back(static_cast<int32_t>(a));
        }
        int32_t* r = &pkt[static_cast<size_t>(a) * static_cast<size_t>(K)];
        const uint8_t* bits = &reach[static_cast<size_t>(src) * static_cast<size_t>(K)];
        for (int64_t k = 0; k < K; ++k) r[k] += bits[k];
      } else {
        for (int64_t e = dest_ptr[src]; e < dest_ptr[src + 1]; ++e) ++sparse_pkt[a * K + dest_core[e]];
      }
    }
    flush(row);
    for (int64_t k = 0; k < K; ++k) c.idle[row + k] = std::max<int64_t>(0, neurons[k] - c.active[row + k]);
  }
  return c;
}

}  // namespace snnas

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
