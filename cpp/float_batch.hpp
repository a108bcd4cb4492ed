// Batched float runs: one prepared network (engine.hpp), many input samples, in one call. Each sample is
// an independent run from the same initial state and current, its input spikes expanded here from a
// raster through the input synapses into external events (in the order snnas.evaluate.onchip's per-sample
// loop gave them, so that every run is the one that loop made); the samples are spread over threads and
// the spikes of all of them come back in one array. Plain C++17, no Python headers; results do not
// depend on the number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "batch_raster.hpp"
#include "engine.hpp"
#include "network.hpp"

namespace snnas {

// The input of a batch: a raster of spike counts (batch_raster.hpp). A count c of input i at step t delivers
// in_weight[j] * c to in_target[j] at step t + in_delay[j] (dropped at or beyond n_steps), for the
// input's synapses j in in_ptr[i] .. in_ptr[i+1]-1. The events of one arrival step come in the order of
// their spikes (step, then input), each spike's synapses in CSR order.
struct FloatBatch : BatchRaster {
  int32_t n_inputs = 0;
  std::vector<int64_t> in_ptr;
  std::vector<int32_t> in_target;
  std::vector<double> in_weight;
  std::vector<int32_t> in_delay;
};

struct FloatBatchResult {
  std::vector<int64_t> spike_ptr;   // samples + 1: the spikes of sample s are spike_ptr[s] .. spike_ptr[s+1]-1
  std::vector<int64_t> spike_step;  // step of each spike within its sample
  std::vector<int32_t> spike_id;    // neuron of each spike
  std::vector<int64_t> synaptic_events, external_events, neuron_updates;  // per sample
};

// "" when valid, else one message naming the argument. `shared` is the run input every sample starts
// from (its current; no external events); `init` the initial state.
std::string validate_float_batch(int32_t num_neurons, const ExternalInput& shared, const InitialState& init,
                                 const FloatBatch& batch, int64_t n_steps, int32_t threads);

// Runs every sample (threads >= 1 workers; never more than samples); throws std::invalid_argument unless
// validate_float_batch() accepts the input (or, naming the sample, a sample's events are refused by
// validate_run(): a weight times a count that overflows). Does not touch the Python interpreter.
FloatBatchResult run_float_batch(const PreparedNetwork& net, const ExternalInput& shared, const InitialState& init,
                                 const FloatBatch& batch, int64_t n_steps, int32_t threads);

}  // namespace snnas
