// Network representation of the snnas simulator: plain C++17, no Python headers.
//
// A network of n neurons of one model, with per-neuron parameters, synapses stored as CSR rows per
// presynaptic neuron, and external input given as spike events and/or currents per step. Units are
// those of the caller (snnas uses volts for potentials; "currents" are expressed as the potential
// they drive, R*I, in volts); time is counted in steps of dt.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codes.hpp"

namespace snnas {

// Per-neuron parameters; every vector has one entry per neuron.
struct NeuronParams {
  Model model = Model::LIF;
  ResetMode reset = ResetMode::ToValue;
  std::vector<double> v_th;     // threshold [V]: a neuron spikes when v >= v_th
  std::vector<double> v_reset;  // reset value [V] (ResetMode::ToValue)
  std::vector<double> v_rest;   // resting potential [V] (LIF, CUBA_LIF; unused by IF)
  std::vector<double> alpha_m;  // membrane decay per step, exp(-dt/tau_m), in [0, 1] (LIF, CUBA_LIF)
  std::vector<double> alpha_s;  // synaptic-current decay per step, exp(-dt/tau_s), in [0, 1] (CUBA_LIF)
  std::vector<int32_t> t_ref;   // refractory period [steps] >= 0 (0 for IZHIKEVICH, HODGKIN_HUXLEY)
  // Checked for every model, used by one (a caller without them passes the defaults of the binding):
  std::vector<double> beta;     // threshold increment per spike [V], >= 0 (ADAPTIVE_LIF)
  std::vector<double> alpha_a;  // threshold-adaptation decay per step, exp(-dt/tau_adapt), in [0, 1] (ADAPTIVE_LIF)
  std::vector<double> izh_ka;   // recovery rate per step, a * dt (a in 1/s), in [0, 1] (IZHIKEVICH)
  std::vector<double> izh_b;    // recovery sensitivity b, dimensionless, finite (IZHIKEVICH)
  std::vector<double> izh_d;    // recovery increment per spike d [V], finite (IZHIKEVICH)
  double dt = 1e-3;             // time step [s], finite and > 0 (sub-steps of IZHIKEVICH, HODGKIN_HUXLEY)
  int32_t substeps = 1;         // integration sub-steps per step in [1, kMaxSubsteps] (IZHIKEVICH, HODGKIN_HUXLEY)
};

// Synapses as CSR rows per presynaptic neuron: the synapses of neuron i are the entries
// row_ptr[i] .. row_ptr[i+1]-1 of target, weight and delay.
struct Synapses {
  std::vector<int64_t> row_ptr;  // n + 1 entries, row_ptr[0] = 0, non-decreasing, row_ptr[n] = m
  std::vector<int32_t> target;   // m postsynaptic neuron indices in [0, n)
  std::vector<double> weight;    // m weights [V]: added to i_syn (CUBA_LIF) or to v (every other model)
  std::vector<int32_t> delay;    // m delays [steps] >= 0
};

// External input.
//   Spike events: event k adds spike_weight[k] to neuron spike_id[k] in the delivery phase of step
//   spike_step[k], exactly like a synapse of delay 0 from outside the network. Events are sorted by step
//   (stable: events of one step are delivered in the order given).
//   Currents: current_mode None (no current), PerNeuron (current[i] on neuron i at every step), or
//   PerStep (current[n * num_neurons + i] on neuron i at step n, n_steps x n values, row-major).
enum class CurrentMode : int32_t { None = 0, PerNeuron = 1, PerStep = 2 };

struct ExternalInput {
  std::vector<int64_t> spike_step;
  std::vector<int32_t> spike_id;
  std::vector<double> spike_weight;
  CurrentMode current_mode = CurrentMode::None;
  std::vector<double> current;  // [V] drive R*I, see CurrentMode
};

// Complete description of a run.
struct Network {
  int32_t num_neurons = 0;
  NeuronParams params;
  Synapses synapses;
};

struct InitialState {
  std::vector<double> v;      // membrane potential at the end of step -1 [V]
  std::vector<double> i_syn;  // synaptic current at the end of step -1 [V] (CUBA_LIF; ignored otherwise)
};

// Check every invariant the engine relies on. Each returns "" when its input is valid, otherwise one
// message naming the argument, what was expected and the bad value.
// The network alone: parameters, CSR synapses, sizes of the delivery buffers.
std::string validate_network(const Network& net);
// One run of a network of num_neurons neurons: steps, external input, initial state.
std::string validate_run(int32_t num_neurons, const ExternalInput& ext, const InitialState& init, int64_t n_steps);
// Both.
std::string validate(const Network& net, const ExternalInput& ext, const InitialState& init, int64_t n_steps);

}  // namespace snnas
