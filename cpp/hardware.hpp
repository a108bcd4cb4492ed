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
