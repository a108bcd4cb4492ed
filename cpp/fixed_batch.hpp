// Batched fixed-point runs: one network, many input samples, in one call. Each sample is an independent
// run from the same initial state (fixed.hpp's engine, unchanged); the samples are spread over threads,
// and what a chip evaluation reads is reduced here, so that nothing per spike crosses into Python:
// the output neurons' spikes per step, optionally the sum over the steps of their membrane, the run's
// counters per sample and the spikes of every neuron summed over the batch. Plain C++17, no Python
// headers; results do not depend on the number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "batch_raster.hpp"
#include "fixed.hpp"

namespace snnas {

// The input of a batch: a raster of spike counts (batch_raster.hpp). A count c of input i at step t delivers
// c * in_weight[j] to in_target[j] at step t, for the input's synapses j in in_ptr[i] .. in_ptr[i+1]-1
// (CSR order); within a step the inputs arrive in ascending order.
struct FixedBatch : BatchRaster {
  int32_t n_inputs = 0;
  std::vector<int64_t> in_ptr;
  std::vector<int32_t> in_target;
  std::vector<int32_t> in_weight;
  int32_t out_begin = 0, n_out = 0;  // the output neurons [out_begin, out_begin + n_out)
  bool membrane = false;             // also sum the outputs' v (end of every step, after the reset)
};

struct FixedBatchResult {
  std::vector<int32_t> out_spikes;  // samples x n_steps x n_out: spikes of each output neuron per step
  std::vector<int64_t> v_sum;       // samples x n_out: sum over the steps of v (membrane only)
  std::vector<int64_t> synaptic_events, external_events, neuron_updates, spikes;  // per sample
  std::vector<int64_t> neuron_spikes;  // per neuron: its spikes summed over the samples
};

// "" when valid, else one message naming the argument. `shared` is the run input every sample starts
// from (v0, i0 and the current; no external events, no probe); the network is checked with it.
std::string validate_fixed_batch(const FixedNetwork& net, const FixedInput& shared, const FixedBatch& batch,
                                 int64_t n_steps, int32_t threads);

// Runs every sample (threads >= 1 workers; never more than samples); throws std::invalid_argument
// unless validate_fixed_batch() accepts the input, std::runtime_error (naming the sample) when a
// sample's per_event activity grows without bound. Does not touch the Python interpreter.
FixedBatchResult simulate_fixed_batch(const FixedNetwork& net, const FixedInput& shared, const FixedBatch& batch,
                                      int64_t n_steps, int32_t threads);

}  // namespace snnas
