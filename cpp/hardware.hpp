// Chip model of snnas: per-core, per-step event counts of a run on a mapped chip. Plain C++17.
//
// Given the synapses (CSR rows per presynaptic neuron), where every neuron sits (logical core, -1 for
// off-chip inputs), the router position of every core, and the spikes of a run, count for every step n
// and core k (definitions shared with snnas/activity.py, which is the reference):
//   synops[n][k]      synaptic events delivered at step n to neurons of core k (at step of spike + delay)
//   spikes_out[n][k]  spikes emitted at step n by neurons of core k
//   packets_out[n][k] packets core k sends at step n: one per spike per destination core other than k
//   packets_in[n][k]  packets core k receives at step n (from other cores and from the input port)
//   hops_x/y[n][k]    sum of |dx| and |dy| of those packets (dimension-order XY routing; the input port
//                     sits at (0, 0)); max_hops_x/y the largest of them
//   active[n][k]      distinct neurons of core k that receive a synaptic event at step n
//   idle[n][k]        neurons of core k minus active[n][k]
// Counting is split into a preparation per network and placement (ChipCounter: what every spike will
// cost, tabulated once) and a count per run, which costs
//   O(spikes x (delay groups of the row + destination cores / vector width))  SOPs, packets, hops
//   + O(synaptic events), one byte store each                                   marks of active neurons
//   + O(steps x (neurons / vector width + cores))                               sums of the marks, flushes
// rather than several count-table updates per synaptic event.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace snnas {

struct ChipCountsInput {
  int32_t num_neurons = 0;
  int32_t num_cores = 0;
  int64_t n_steps = 0;
  const int64_t* row_ptr = nullptr;     // num_neurons + 1
  const int32_t* target = nullptr;      // row_ptr[num_neurons]
  const int32_t* delay = nullptr;       // row_ptr[num_neurons], >= 0
  const int32_t* neuron_core = nullptr; // num_neurons, in [-1, num_cores)
  const int32_t* core_x = nullptr;      // num_cores, or nullptr when the chip has no mesh
  const int32_t* core_y = nullptr;
  int64_t n_spikes = 0;
  const int64_t* spike_step = nullptr;  // n_spikes, in [0, n_steps), non-decreasing
  const int32_t* spike_id = nullptr;    // n_spikes, in [0, num_neurons)
};

struct ChipCounts {
  // Each table holds n_steps * num_cores entries, row-major (step, core).
  std::vector<int64_t> synops, spikes_out, packets_out, packets_in, hops_x, hops_y, max_hops_x, max_hops_y,
      active, idle;
};

// Output tables of a count: each points at n_steps * num_cores values, row-major (step, core), all of
// which the count overwrites.
struct ChipTables {
  int64_t *synops, *spikes_out, *packets_out, *packets_in, *hops_x, *hops_y, *max_hops_x, *max_hops_y, *active,
      *idle;
};

// Each returns "" when the input is consistent, else one message naming the argument and the bad value.
// The network and placement (every field but n_steps and the spikes).
std::string validate_chip_network(const ChipCountsInput& in);
// n_steps and the spikes, for the network and placement of in.
std::string validate_chip_spikes(const ChipCountsInput& in);
// Both.
std::string validate_chip_counts(const ChipCountsInput& in);

// The chip model prepared for one network and placement; counts any number of runs (count() is const
// and allocates its own scratch, so several threads may count at once).
//   Per presynaptic neuron, its on-chip synapses are grouped by delay; per group the chip keeps the
//   number of synapses into each core (a dense row of K 8-bit counts when most groups reach many cores,
//   else a list of (core, count) pairs) and the targets renumbered so that the neurons of one core are
//   consecutive. Per neuron it keeps its destination cores (a dense 0/1 row when N x K is small).
//   A spike then adds its groups' rows to the SOP table and its destination row to the packet rows of
//   its source's x and y coordinates (for a neuron of one group, all in one pass over its SOP row: a
//   core it reaches is one with a nonzero count), and marks its targets in a byte array per arrival
//   step; at the end of a step the packet rows are folded into packets and hops (one row per distinct
//   x and per distinct y, not per source core), and the marks are summed per core (the active neurons).
class ChipCounter {
 public:
  // in must pass validate_chip_network(); n_steps and the spikes are ignored; the arrays are read here
  // only.
  explicit ChipCounter(const ChipCountsInput& in);

  int32_t num_neurons() const { return n_; }
  int32_t num_cores() const { return k_; }

  // Counts a run of n_steps steps whose spikes (spike_step non-decreasing, as validate_chip_spikes()
  // checks) are given; out holds n_steps * num_cores() entries per table.
  void count_into(int64_t n_steps, int64_t n_spikes, const int64_t* spike_step, const int32_t* spike_id,
                  const ChipTables& out) const;
  ChipCounts count(int64_t n_steps, int64_t n_spikes, const int64_t* spike_step, const int32_t* spike_id) const;

 private:
  struct Group {      // the on-chip synapses of one neuron with one delay
    int32_t delay;
    int32_t pairs;    // distinct target cores (sparse SOP rows: entries of pair_core_ / pair_count_)
    int64_t begin, end;  // their renumbered targets: mark_pos_[begin, end)
    int64_t sop;      // dense: offset of the group's row in sop_rows_; sparse: its first pair
  };
  int32_t n_ = 0, k_ = 0, ring_ = 1;
  int32_t on_chip_ = 0;                   // neurons with a core
  std::vector<int32_t> neuron_core_;      // n
  std::vector<int64_t> core_begin_;       // k + 1: core k holds positions [core_begin_[k], core_begin_[k+1])
  std::vector<int32_t> pos_core_;         // on_chip_: the core of each position
  std::vector<int64_t> grp_ptr_;          // n + 1: groups of neuron i are grp_[grp_ptr_[i] .. grp_ptr_[i+1])
  std::vector<Group> grp_;
  std::vector<int32_t> mark_pos_;         // renumbered targets, by group (empty when mark_pos16_ is used)
  std::vector<uint16_t> mark_pos16_;      // the same in 16 bits, when at most 65536 neurons are on chip
  std::vector<uint8_t> single_;           // n: the neuron has exactly one group
  bool dense_sop_ = false;
  std::vector<uint8_t> sop_rows_;         // dense: k per group (every count <= 255)
  std::vector<int32_t> pair_core_;        // sparse: (core, synapse count) pairs per group
  std::vector<int64_t> pair_count_;
  std::vector<int64_t> dest_ptr_;         // n + 1: cores other than its own that neuron i reaches
  std::vector<int32_t> dest_core_;
  bool dense_reach_ = false;              // reach_ / hop tables kept as dense rows
  std::vector<uint8_t> reach_;            // n x k: 1 where neuron i reaches core k (another than its own)
  bool mesh_ = false;
  std::vector<int32_t> core_x_, core_y_;  // k each (mesh only)
  // Packet rows are kept per source x and per source y coordinate (not per source core): the hops of a
  // packet are |x_k - x_a| + |y_k - y_a|, so the x hops need only the source's x, the y hops its y.
  int32_t nx_ = 1, ny_ = 1;                // distinct source x and y coordinates (the input port's 0 included)
  std::vector<int32_t> src_xi_, src_yi_;  // k + 1: index of source a's x and y (a = k: the input port)
  std::vector<int64_t> hop_x_, hop_y_;    // nx x k and ny x k: |x_k - x| and |y_k - y|

  template <typename P>
  void count_with(const P* mark_pos, int64_t n_steps, int64_t n_spikes, const int64_t* spike_step,
                  const int32_t* spike_id, const ChipTables& out) const;
};

// Counts in one call (prepares a ChipCounter); the input must pass validate_chip_counts.
ChipCounts count_chip_events(const ChipCountsInput& in);

}  // namespace snnas

namespace snnas {

// Event timing of an asynchronous chip (execution model async_event), as a discrete-event model over
// the spikes of a run. Every core is one server that takes its packets in order of arrival time:
//   a spike j of neuron i at step n that input delivered at step n - 1 caused is released as soon as
//     that input is served: r_j = max((n - 1) * dt, done_i + t_spike), done_i being when the core of i
//     finished the last packet delivering to i at step n - 1; any other spike (of an input neuron, or
//     of a neuron driven by constant current) is released at r_j = n * dt;
//   it sends one packet to every core holding targets of i (its own core included, 0 hops), arriving at
//     a_j,k = r_j + dx * t_hop_x + dy * t_hop_y + D * dt for the synapses of delay D (one packet per
//     delay group), the input port sitting at (0, 0);
//   core k serves its packets of one delivery step in order of arrival: start = max(a, free_k),
//     free_k = start + (synapses of the packet) * t_syn; every target of the packet gets done = free_k.
// Output: the release time of every spike (aligned with the input spike order) and each core's busy time.
struct AsyncTimingInput {
  ChipCountsInput counts;  // network, placement and spikes (core_x/core_y may be null: 0 hops)
  double dt = 0.0;         // seconds per step
  double t_syn = 0.0;      // seconds per synaptic event
  double t_spike = 0.0;    // seconds per spike emitted
  double t_hop_x = 0.0;    // seconds per router hop in x
  double t_hop_y = 0.0;    // seconds per router hop in y
};

struct AsyncTiming {
  std::vector<double> release;  // per spike [s]
  std::vector<double> busy;     // per core [s]
};

std::string validate_async_timing(const AsyncTimingInput& in);
AsyncTiming async_event_timing(const AsyncTimingInput& in);

}  // namespace snnas
