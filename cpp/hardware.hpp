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
// Everything is O(synaptic events + spikes), with one (steps x cores) table per counter and a
// (max delay + 1) x neurons table of marks for the distinct active neurons.
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

// Returns "" when the input is consistent, else one message naming the argument and the bad value.
std::string validate_chip_counts(const ChipCountsInput& in);

// Counts; the input must pass validate_chip_counts.
ChipCounts count_chip_events(const ChipCountsInput& in);

}  // namespace snnas
