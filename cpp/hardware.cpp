// Chip model: per-core, per-step event counts (see hardware.hpp for every definition).
#include "hardware.hpp"
#include "codes.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <sstream>
#include <unordered_map>

namespace snnas {

std::string validate_chip_network(const ChipCountsInput& in) {
  std::ostringstream err;
  if (in.num_neurons < 0) return "num_neurons: expected >= 0";
  if (in.num_cores < 0) return "num_cores: expected >= 0";
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
  if ((max_delay + 1) * static_cast<int64_t>(in.num_neurons) > kMaxChipMarks)
    return "delay: (max delay + 1) x neurons exceeds " + std::to_string(kMaxChipMarks) +
           " marks; shorten the longest delay";
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
  return "";
}

std::string validate_chip_spikes(const ChipCountsInput& in) {
  std::ostringstream err;
  if (in.n_steps < 0) return "n_steps: expected >= 0";
  if (in.n_steps > 0 && in.num_cores > 0 && in.n_steps > (int64_t{1} << 30) / in.num_cores)
    return "n_steps x num_cores: too large for the count tables (at most 2^30 cells)";
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

std::string validate_chip_counts(const ChipCountsInput& in) {
  std::string problem = validate_chip_network(in);
  if (problem.empty()) problem = validate_chip_spikes(in);
  return problem;
}

namespace {

// Folds the packet counts of one source x (or y) coordinate of a step into the per-destination tables
// (branch-free, so the compiler vectorises it) and clears them: the packets, their hops and the largest.
void fold_x(int64_t K, int32_t* __restrict r, const int64_t* __restrict hop, int64_t* __restrict p_in,
            int64_t* __restrict h, int64_t* __restrict m) {
  for (int64_t k = 0; k < K; ++k) {
    const int64_t cnt = r[k];
    p_in[k] += cnt;
    h[k] += cnt * hop[k];
    m[k] = std::max(m[k], (cnt > 0 ? 1 : 0) * hop[k]);
    r[k] = 0;
  }
}

// fold_x() without the packets (y coordinates: every packet was counted with its x).
void fold_y(int64_t K, int32_t* __restrict r, const int64_t* __restrict hop, int64_t* __restrict h,
            int64_t* __restrict m) {
  for (int64_t k = 0; k < K; ++k) {
    const int64_t cnt = r[k];
    h[k] += cnt * hop[k];
    m[k] = std::max(m[k], (cnt > 0 ? 1 : 0) * hop[k]);
    r[k] = 0;
  }
}

// dst[k] += src[k] for k < K (a dense SOP row; vectorised).
void add_row(int64_t K, int64_t* __restrict dst, const uint8_t* __restrict src) {
  for (int64_t k = 0; k < K; ++k) dst[k] += src[k];
}

// add_row() and, in the same pass, px[k] += (src[k] != 0), py[k] += (src[k] != 0): the cores it reaches.
void add_row_reach(int64_t K, int64_t* __restrict dst, int32_t* __restrict px, int32_t* __restrict py,
                   const uint8_t* __restrict src) {
  for (int64_t k = 0; k < K; ++k) {
    const int32_t nz = src[k] != 0;
    dst[k] += src[k];
    px[k] += nz;
    py[k] += nz;
  }
}

// px[k] += (src[k] != 0), py[k] += (src[k] != 0) for k < K.
void add_nonzero(int64_t K, int32_t* __restrict px, int32_t* __restrict py, const uint8_t* __restrict src) {
  for (int64_t k = 0; k < K; ++k) {
    const int32_t nz = src[k] != 0;
    px[k] += nz;
    py[k] += nz;
  }
}

// px[k] += src[k], py[k] += src[k] for k < K (a destination row into the packet rows; vectorised).
void add_reach(int64_t K, int32_t* __restrict px, int32_t* __restrict py, const uint8_t* __restrict src) {
  for (int64_t k = 0; k < K; ++k) {
    px[k] += src[k];
    py[k] += src[k];
  }
}

// How many of the bytes p[0 .. len) are 1 (each is 0 or 1; len < 2^31).
int64_t count_marks(const uint8_t* __restrict p, int64_t len) {
  uint32_t s = 0;
  for (int64_t i = 0; i < len; ++i) s += p[i];
  return s;
}

constexpr int64_t kDenseSopBytes = int64_t{64} << 20;  // at most 64 MiB of dense SOP rows

}  // namespace

ChipCounter::ChipCounter(const ChipCountsInput& in)
    : n_(in.num_neurons), k_(in.num_cores), neuron_core_(in.neuron_core, in.neuron_core + in.num_neurons) {
  const int32_t N = n_;
  const int64_t K = k_;
  // Positions: the on-chip neurons renumbered by core (stable), so that each core is one range.
  core_begin_.assign(static_cast<size_t>(K) + 1, 0);
  for (int32_t i = 0; i < N; ++i)
    if (neuron_core_[i] >= 0) ++core_begin_[static_cast<size_t>(neuron_core_[i]) + 1];
  for (int64_t k = 0; k < K; ++k) core_begin_[k + 1] += core_begin_[k];
  on_chip_ = static_cast<int32_t>(core_begin_[K]);
  std::vector<int32_t> pos(static_cast<size_t>(N), -1);
  {
    std::vector<int64_t> next(core_begin_.begin(), core_begin_.end() - 1);
    pos_core_.assign(static_cast<size_t>(on_chip_), 0);
    for (int32_t i = 0; i < N; ++i) {
      const int32_t k = neuron_core_[i];
      if (k < 0) continue;
      pos[i] = static_cast<int32_t>(next[k]++);
      pos_core_[pos[i]] = k;
    }
  }
  // Groups: each row's on-chip synapses stably ordered by delay and cut where the delay changes.
  grp_ptr_.assign(static_cast<size_t>(N) + 1, 0);
  std::vector<int64_t> order;
  std::vector<int64_t> tally(static_cast<size_t>(K), 0);  // synapses of the current group per core
  std::vector<int32_t> cores;                              // cores the current group reaches
  int64_t max_count = 0, total_pairs = 0;
  int32_t max_delay = 0;
  mark_pos_.reserve(static_cast<size_t>(in.row_ptr[N]));
  for (int32_t i = 0; i < N; ++i) {
    order.clear();
    for (int64_t s = in.row_ptr[i]; s < in.row_ptr[i + 1]; ++s)
      if (neuron_core_[in.target[s]] >= 0) order.push_back(s);
    auto by_delay = [&](int64_t x, int64_t y) { return in.delay[x] < in.delay[y]; };
    if (!std::is_sorted(order.begin(), order.end(), by_delay)) std::stable_sort(order.begin(), order.end(), by_delay);
    for (size_t e = 0; e < order.size();) {
      Group g{in.delay[order[e]], 0, static_cast<int64_t>(mark_pos_.size()), 0,
              static_cast<int64_t>(pair_core_.size())};
      for (; e < order.size() && in.delay[order[e]] == g.delay; ++e) {
        const int32_t t = in.target[order[e]];
        mark_pos_.push_back(pos[t]);
        const int32_t k = neuron_core_[t];
        if (tally[k]++ == 0) cores.push_back(k);
      }
      g.end = static_cast<int64_t>(mark_pos_.size());
      for (int32_t k : cores) {
        pair_core_.push_back(k);
        pair_count_.push_back(tally[k]);
        max_count = std::max(max_count, tally[k]);
        tally[k] = 0;
      }
      g.pairs = static_cast<int32_t>(cores.size());
      total_pairs += g.pairs;
      cores.clear();
      max_delay = std::max(max_delay, g.delay);
      grp_.push_back(g);
    }
    grp_ptr_[static_cast<size_t>(i) + 1] = static_cast<int64_t>(grp_.size());
  }
  ring_ = max_delay + 1;
  // Dense SOP rows when most groups reach a good share of the cores (a row costs K / vector width, a
  // pair list a scalar update per core reached), the counts fit 16 bits and the rows fit the budget.
  const int64_t groups = static_cast<int64_t>(grp_.size());
  dense_sop_ = K > 0 && groups > 0 && max_count <= 0xFF && total_pairs * 8 >= groups * K &&
               groups * K <= kDenseSopBytes;
  if (dense_sop_) {
    sop_rows_.assign(static_cast<size_t>(groups * K), 0);
    for (int64_t g = 0; g < groups; ++g) {
      Group& gr = grp_[static_cast<size_t>(g)];
      for (int64_t e = gr.sop; e < gr.sop + gr.pairs; ++e)
        sop_rows_[static_cast<size_t>(g * K + pair_core_[e])] = static_cast<uint8_t>(pair_count_[e]);
      gr.sop = g * K;
    }
    std::vector<int32_t>().swap(pair_core_);
    std::vector<int64_t>().swap(pair_count_);
  }
  single_.assign(static_cast<size_t>(N), 0);
  for (int32_t i = 0; i < N; ++i) single_[i] = grp_ptr_[static_cast<size_t>(i) + 1] - grp_ptr_[i] == 1;
  if (on_chip_ <= 0x10000) {
    mark_pos16_.assign(mark_pos_.begin(), mark_pos_.end());
    std::vector<int32_t>().swap(mark_pos_);
  }
  // Per neuron, the other cores its spikes reach (a packet each).
  dest_ptr_.assign(static_cast<size_t>(N) + 1, 0);
  {
    std::vector<int32_t> seen(static_cast<size_t>(K), -1);
    for (int32_t i = 0; i < N; ++i) {
      const int32_t own = neuron_core_[i];
      for (int64_t s = in.row_ptr[i]; s < in.row_ptr[i + 1]; ++s) {
        const int32_t k = neuron_core_[in.target[s]];
        if (k < 0 || k == own || seen[k] == i) continue;  // delivery within the core is the spike's own cost
        seen[k] = i;
        dest_core_.push_back(k);
      }
      dest_ptr_[static_cast<size_t>(i) + 1] = static_cast<int64_t>(dest_core_.size());
    }
  }
  // Packets of one step are summed per source x and per source y coordinate (the input port sits at
  // (0, 0)), so that hop sums and maxima are formed once per coordinate at the end of the step. When
  // N x K is small enough, each neuron's destination cores are also kept as a dense 0/1 row, which a
  // spike adds to its coordinates' rows (vectorised).
  mesh_ = in.core_x != nullptr;
  if (mesh_) {
    core_x_.assign(in.core_x, in.core_x + K);
    core_y_.assign(in.core_y, in.core_y + K);
  }
  const int64_t rows = K + 1;
  dense_reach_ = static_cast<int64_t>(N) * K <= (int64_t{1} << 26) && rows * K <= (int64_t{1} << 24);
  if (dense_reach_) {
    reach_.assign(static_cast<size_t>(N) * static_cast<size_t>(K), 0);
    for (int32_t i = 0; i < N; ++i)
      for (int64_t e = dest_ptr_[i]; e < dest_ptr_[i + 1]; ++e)
        reach_[static_cast<size_t>(i) * static_cast<size_t>(K) + static_cast<size_t>(dest_core_[e])] = 1;
    // Distinct coordinates of the sources (cores and the port); without a mesh every source is at 0.
    for (int axis = 0; axis < 2; ++axis) {
      std::vector<int32_t> coord(static_cast<size_t>(rows), 0);
      if (mesh_)
        for (int64_t a = 0; a < K; ++a) coord[a] = axis == 0 ? core_x_[a] : core_y_[a];
      std::vector<int32_t> values(coord);
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      std::vector<int32_t>& index = axis == 0 ? src_xi_ : src_yi_;
      index.resize(static_cast<size_t>(rows));
      for (int64_t a = 0; a < rows; ++a)
        index[a] = static_cast<int32_t>(std::lower_bound(values.begin(), values.end(), coord[a]) - values.begin());
      std::vector<int64_t>& hop = axis == 0 ? hop_x_ : hop_y_;
      hop.assign(values.size() * static_cast<size_t>(K), 0);
      for (size_t u = 0; u < values.size(); ++u)
        for (int64_t k = 0; k < K; ++k)
          hop[u * static_cast<size_t>(K) + static_cast<size_t>(k)] = std::llabs(int64_t{coord[k]} - values[u]);
      (axis == 0 ? nx_ : ny_) = static_cast<int32_t>(values.size());
    }
  }
}

void ChipCounter::count_into(int64_t n_steps, int64_t n_spikes, const int64_t* spike_step, const int32_t* spike_id,
                             const ChipTables& out) const {
  if (mark_pos16_.empty() && !mark_pos_.empty())
    count_with(mark_pos_.data(), n_steps, n_spikes, spike_step, spike_id, out);
  else
    count_with(mark_pos16_.data(), n_steps, n_spikes, spike_step, spike_id, out);
}

// The count, with the renumbered targets as P (uint16_t or int32_t). Members used in the loops are
// copied to locals first: the byte stores of the marks may alias anything, so the compiler would
// otherwise reload them after every store.
template <typename P>
void ChipCounter::count_with(const P* mark_pos, int64_t n_steps, int64_t n_spikes, const int64_t* spike_step,
                             const int32_t* spike_id, const ChipTables& out) const {
  const int64_t K = k_;
  const size_t cells = static_cast<size_t>(n_steps * K);
  for (int64_t* t : {out.synops, out.spikes_out, out.packets_out, out.packets_in, out.hops_x, out.hops_y,
                     out.max_hops_x, out.max_hops_y, out.active, out.idle})
    if (cells > 0) std::memset(t, 0, cells * sizeof(int64_t));
  // Distinct active neurons per (step, core): an event arriving at step a marks its target's position
  // in the byte array of slot a mod ring. Arrival steps lie in [n, n + max delay] while the spikes of
  // step n are processed, so each slot stands for one arrival step at a time; it is summed per core
  // and cleared when its step ends. While few events have reached a slot, each also lists its target
  // the first time it is marked, and the slot is then summed and cleared through the list; past
  // `cap` listed targets it turns dense: bare byte stores, summed per core range.
  const int64_t ring = ring_, width = on_chip_;
  const int64_t cap = width / 8 + 1;
  std::vector<uint8_t> mark(static_cast<size_t>(ring * width), 0);
  std::vector<int32_t> listed(static_cast<size_t>(ring * cap), 0);
  std::vector<int64_t> listed_count(static_cast<size_t>(ring), 0);
  std::vector<uint8_t> slot_dense(static_cast<size_t>(ring), 0);
  // Packet rows per source x and y of the current step (dense) or (a * K + k) -> packets (sparse).
  std::vector<int32_t> pkt_x(dense_reach_ ? static_cast<size_t>(nx_) * static_cast<size_t>(K) : 0, 0);
  std::vector<int32_t> pkt_y(dense_reach_ ? static_cast<size_t>(ny_) * static_cast<size_t>(K) : 0, 0);
  std::vector<char> x_used(static_cast<size_t>(nx_), 0), y_used(static_cast<size_t>(ny_), 0);
  std::vector<int32_t> used_x, used_y;
  std::unordered_map<int64_t, int64_t> sparse_pkt;
  auto add_pair = [&](int64_t row, int64_t a, int64_t k, int64_t cnt) {
    out.packets_in[row + k] += cnt;
    if (a < K) out.packets_out[row + a] += cnt;
    if (mesh_) {
      const int64_t sx = a < K ? core_x_[a] : 0, sy = a < K ? core_y_[a] : 0;
      const int64_t dx = std::llabs(core_x_[k] - sx), dy = std::llabs(core_y_[k] - sy);
      out.hops_x[row + k] += cnt * dx;
      out.hops_y[row + k] += cnt * dy;
      out.max_hops_x[row + k] = std::max(out.max_hops_x[row + k], dx);
      out.max_hops_y[row + k] = std::max(out.max_hops_y[row + k], dy);
    }
  };
  const Group* const groups = grp_.data();
  const int64_t* const gptr = grp_ptr_.data();
  const int32_t* const ncore = neuron_core_.data();
  const uint8_t* const single = single_.data();
  const uint8_t* const sop_rows = sop_rows_.data();
  const int32_t* const pair_core = pair_core_.data();
  const int64_t* const pair_count = pair_count_.data();
  const uint8_t* const reach = reach_.data();
  const bool dense_sop = dense_sop_, dense_reach = dense_reach_;
  int64_t* const synops = out.synops;
  // The rows of the spiking neurons are scattered over the tables, so each would start with cache
  // misses: ask for the group records kFar spikes ahead and for the rows they point at kNear ahead.
  constexpr int64_t kFar = 6, kNear = 3;
  auto prefetch_rows = [&](int32_t i) {
    for (int64_t gi = gptr[i]; gi < gptr[static_cast<size_t>(i) + 1]; ++gi) {
      const Group& g = groups[gi];
      if (dense_sop)
        for (int64_t b = 0; b < K; b += 64) __builtin_prefetch(sop_rows + g.sop + b);
      const char* lo = reinterpret_cast<const char*>(mark_pos + g.begin);
      const char* hi = reinterpret_cast<const char*>(mark_pos + g.end);
      for (const char* c = lo; c < hi; c += 64) __builtin_prefetch(c);
    }
  };
  int64_t j = 0;
  for (int64_t n = 0; n < n_steps; ++n) {
    const int64_t row = n * K;
    const int64_t slot_n = n % ring;
    for (; j < n_spikes && spike_step[j] == n; ++j) {
      if (j + kFar < n_spikes) __builtin_prefetch(groups + gptr[spike_id[j + kFar]]);
      if (j + kNear < n_spikes) prefetch_rows(spike_id[j + kNear]);
      const int32_t src = spike_id[j];
      const int32_t src_core = ncore[src];
      if (src_core >= 0) ++out.spikes_out[row + src_core];
      const int64_t a = src_core >= 0 ? src_core : K;
      int32_t* const px = dense_reach ? pkt_x.data() + src_xi_[a] * K : nullptr;
      int32_t* const py = dense_reach ? pkt_y.data() + src_yi_[a] * K : nullptr;
      // For a neuron of one group with dense rows, its packets come with its SOP row.
      bool reached = !(dense_reach && dense_sop && single[src]);
      for (int64_t gi = gptr[src]; gi < gptr[static_cast<size_t>(src) + 1]; ++gi) {
        const Group g = groups[gi];
        const int64_t arrive = n + g.delay;
        if (arrive >= n_steps) continue;
        int64_t* const sop = synops + arrive * K;
        if (dense_sop) {
          const uint8_t* const r = sop_rows + g.sop;
          if (!reached) {
            add_row_reach(K, sop, px, py, r);
            if (a < K && r[a] != 0) {  // delivery within the own core: no packet
              --px[a];
              --py[a];
            }
            reached = true;
          } else {
            add_row(K, sop, r);
          }
        } else {
          for (int64_t e = g.sop; e < g.sop + g.pairs; ++e) sop[pair_core[e]] += pair_count[e];
        }
        int64_t s = slot_n + g.delay;  // arrive mod ring without a division: delay < ring
        if (s >= ring) s -= ring;
        uint8_t* __restrict mk = mark.data() + s * width;
        const P* __restrict p = mark_pos + g.begin;
        const int64_t len = g.end - g.begin;
        if (!slot_dense[s] && listed_count[s] + len > cap) slot_dense[s] = 1;
        if (slot_dense[s]) {
          for (int64_t e = 0; e < len; ++e) mk[p[e]] = 1;
        } else {
          int32_t* __restrict l = listed.data() + s * cap;
          int64_t c = listed_count[s];
          for (int64_t e = 0; e < len; ++e) {
            const int32_t t = p[e];
            l[c] = t;  // kept when the position was not marked yet (c < cap: checked above)
            c += mk[t] ^ 1;
            mk[t] = 1;
          }
          listed_count[s] = c;
        }
      }
      if (dense_reach) {
        if (a < K) out.packets_out[row + a] += dest_ptr_[static_cast<size_t>(src) + 1] - dest_ptr_[src];
        const int32_t u = src_xi_[a], v = src_yi_[a];
        if (!x_used[u]) {
          x_used[u] = 1;
          used_x.push_back(u);
        }
        if (!y_used[v]) {
          y_used[v] = 1;
          used_y.push_back(v);
        }
        if (!reached) {  // one group arriving after the last step: its packets still leave
          const uint8_t* r = sop_rows + groups[gptr[src]].sop;
          add_nonzero(K, px, py, r);
          if (a < K && r[a] != 0) {
            --px[a];
            --py[a];
          }
        } else if (!(dense_sop && single[src])) {
          add_reach(K, px, py, reach + static_cast<size_t>(src) * static_cast<size_t>(K));
        }
      } else {
        for (int64_t e = dest_ptr_[src]; e < dest_ptr_[static_cast<size_t>(src) + 1]; ++e)
          ++sparse_pkt[a * K + dest_core_[e]];
      }
    }
    // Step n ends: its marks give the active neurons of each core.
    uint8_t* mk = mark.data() + slot_n * width;
    int64_t* act = out.active + row;
    if (slot_dense[slot_n]) {
      for (int64_t k = 0; k < K; ++k) act[k] = count_marks(mk + core_begin_[k], core_begin_[k + 1] - core_begin_[k]);
      std::memset(mk, 0, static_cast<size_t>(width));
    } else {
      const int32_t* l = listed.data() + slot_n * cap;
      for (int64_t e = 0; e < listed_count[slot_n]; ++e) {
        ++act[pos_core_[l[e]]];
        mk[l[e]] = 0;
      }
    }
    listed_count[slot_n] = 0;
    slot_dense[slot_n] = 0;
    if (dense_reach) {
      int64_t* p_in = out.packets_in + row;
      int64_t* h_x = out.hops_x + row;
      int64_t* h_y = out.hops_y + row;
      int64_t* m_x = out.max_hops_x + row;
      int64_t* m_y = out.max_hops_y + row;
      for (int32_t u : used_x) {
        const size_t off = static_cast<size_t>(u) * static_cast<size_t>(K);
        fold_x(K, &pkt_x[off], &hop_x_[off], p_in, h_x, m_x);
        x_used[u] = 0;
      }
      for (int32_t v : used_y) {
        const size_t off = static_cast<size_t>(v) * static_cast<size_t>(K);
        fold_y(K, &pkt_y[off], &hop_y_[off], h_y, m_y);
        y_used[v] = 0;
      }
      used_x.clear();
      used_y.clear();
    } else {
      for (const auto& [idx, cnt] : sparse_pkt) add_pair(row, idx / K, idx % K, cnt);
      sparse_pkt.clear();
    }
    for (int64_t k = 0; k < K; ++k)
      out.idle[row + k] = std::max<int64_t>(0, core_begin_[k + 1] - core_begin_[k] - act[k]);
  }
}

ChipCounts ChipCounter::count(int64_t n_steps, int64_t n_spikes, const int64_t* spike_step,
                              const int32_t* spike_id) const {
  ChipCounts c;
  const size_t cells = static_cast<size_t>(n_steps * k_);
  for (auto* v : {&c.synops, &c.spikes_out, &c.packets_out, &c.packets_in, &c.hops_x, &c.hops_y, &c.max_hops_x,
                  &c.max_hops_y, &c.active, &c.idle})
    v->assign(cells, 0);
  count_into(n_steps, n_spikes, spike_step, spike_id,
             ChipTables{c.synops.data(), c.spikes_out.data(), c.packets_out.data(), c.packets_in.data(),
                        c.hops_x.data(), c.hops_y.data(), c.max_hops_x.data(), c.max_hops_y.data(), c.active.data(),
                        c.idle.data()});
  return c;
}

ChipCounts count_chip_events(const ChipCountsInput& in) {
  return ChipCounter(in).count(in.n_steps, in.n_spikes, in.spike_step, in.spike_id);
}

}  // namespace snnas
