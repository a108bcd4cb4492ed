// Event-driven simulation engine of snnas: plain C++17, no Python headers.
//
// Runs the step of neurons.hpp for n_steps steps. Delayed spikes wait in per-delay ring buffers (one
// dense input accumulator and one list of touched neurons per delay slot); phase 1 visits only the
// neurons that are not settled or have external current; settled neurons are brought forward lazily
// when they next receive input. The work per step grows with the spikes, the synaptic events and the
// active neurons, not with the number of neurons.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "network.hpp"

namespace snnas {

struct Counters {
  int64_t synaptic_events = 0;  // synapse traversals: sum of out-degrees of all emitted spikes
  int64_t external_events = 0;  // external spike events delivered
  int64_t neuron_updates = 0;   // phase-1 evaluations (per-step rule applications)
  int64_t spikes = 0;           // spikes emitted
};

struct Result {
  std::vector<int64_t> spike_step;  // step of each spike, non-decreasing
  std::vector<int32_t> spike_id;    // neuron of each spike, ascending within a step
  std::vector<double> v;            // membrane at the end of the last step [V]
  std::vector<double> i_syn;        // synaptic current at the end of the last step [V] (0 unless CUBA_LIF)
  // Further state at the end of the last step, hidden_names(model) rows of n values (row-major):
  // ADAPTIVE_LIF theta [V]; IZHIKEVICH u [V]; HODGKIN_HUXLEY the gates m, h, n; none for the others.
  std::vector<double> hidden;
  Counters counters;
};

// Arithmetic of the float mode. Double: every rule of neurons.hpp in double precision. Single (IF, LIF
// and CUBA_LIF only): the parameters, weights, external currents and spike weights and the initial
// state are rounded to float once; the state, the input accumulators and every operation of the rules
// are in float (a^k: pow_real<float>); the results (v, i_syn) are returned widened to double.
enum class Precision : int32_t { Double = 0, Single = 1 };

// "" when a network of this model can run in this precision, else a message naming `precision`.
std::string validate_precision(Model model, Precision precision);

// Names of the rows of Result::hidden for a model.
std::vector<const char*> hidden_names(Model model);

// Which variant of the multiversioned kernels (dispatch.hpp) runs on this CPU: "x86-64-v4", "avx2" or
// "default" (the baseline clone) in a portable build, "native" in a SNNAS_NATIVE build, "single" where no clones exist
// (another compiler or CPU).
const char* kernel_variant();

// A validated network made ready to run: synapses regrouped for delivery, decay powers tabulated.
// Runs do not modify it, so one PreparedNetwork can serve many runs (several at once, from different
// threads).
class PreparedNetwork {
 public:
  // net must satisfy validate_network() (network.hpp) and validate_precision(); its vectors are taken
  // over.
  explicit PreparedNetwork(Network&& net, Precision precision = Precision::Double);
  PreparedNetwork(PreparedNetwork&&) noexcept;
  PreparedNetwork& operator=(PreparedNetwork&&) noexcept;
  ~PreparedNetwork();

  int32_t num_neurons() const;
  int64_t num_synapses() const;
  Model model() const;
  Precision precision() const;

  // Runs n_steps steps from init with input ext; throws std::invalid_argument unless validate_run()
  // accepts them. Does not touch the Python interpreter, so it may run without the GIL.
  Result run(const ExternalInput& ext, const InitialState& init, int64_t n_steps) const;
  // As run(), for input that already passed validate_run().
  Result run_validated(const ExternalInput& ext, const InitialState& init, int64_t n_steps) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Prepares and runs in one call; throws std::invalid_argument unless validate() and
// validate_precision() accept the input.
Result simulate(const Network& net, const ExternalInput& ext, const InitialState& init, int64_t n_steps,
                Precision precision = Precision::Double);

}  // namespace snnas
