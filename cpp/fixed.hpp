// Fixed-point mode of the snnas simulator: integer weights and integer state of m bits with saturation,
// decay as an integer multiply-and-shift as on Loihi. Plain C++17, no Python headers.
// src/snnas/sim/reference.py (simulate_fixed_reference) implements the same rules; both are bit-identical.
//
// The time step is the one of neurons.hpp (update, threshold, deliver, reset). With sat(x) the
// clamp of x to [-2^(m-1), 2^(m-1) - 1], d_m and d_s decay factors in [0, 4096] (4096 = 2^12: a
// state x loses (x * d) >> 12 per step, the shift being arithmetic, i.e. rounding down), and I the
// external current of the step (an integer, Loihi's bias):
//   IF:        v <- sat(v + I)
//   LIF:       v <- sat(v - ((v * d_m) >> 12) + I)
//   CUBA_LIF:  i_syn <- sat(i_syn - ((i_syn * d_s) >> 12));  v <- sat(v - ((v * d_m) >> 12) + i_syn + I)
// While refractory, v is held and CUBA_LIF's i_syn still decays. Delivery adds the exact integer sum x
// of a neuron's weights of the step: v <- sat(v + x) (IF, LIF; discarded while refractory) or
// i_syn <- sat(i_syn + x) (CUBA_LIF); x == 0 is no input. Threshold: v >= v_th. Reset: v <- v_reset, or
// v <- sat(v - v_th).
//
// A neuron is settled at the end of a step when the rule without input leaves its state unchanged
// (IF: always; LIF: (v * d_m) >> 12 == 0; CUBA_LIF: (i_syn * d_s) >> 12 == 0 and
// i_syn - ((v * d_m) >> 12) == 0), v < v_th and it is not refractory in the next step. A settled
// neuron without current is not evaluated: skipping it is exact, since each skipped step would leave
// it as it is. Neurons still decaying are evaluated every step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "network.hpp"

namespace snnas {

// The decay shift, the state-bit limits and the fixed-point models are in codes.hpp.

struct FixedParams {
  Model model = Model::LIF;
  ResetMode reset = ResetMode::ToValue;
  int32_t state_bits = 24;        // m: v and i_syn saturate to [-2^(m-1), 2^(m-1) - 1]
  std::vector<int64_t> v_th;      // threshold, in [lo + 1, hi]
  std::vector<int64_t> v_reset;   // reset value, in [lo, hi]
  std::vector<int32_t> decay_m;   // d_m in [0, 4096] (LIF, CUBA_LIF)
  std::vector<int32_t> decay_s;   // d_s in [0, 4096] (CUBA_LIF)
  std::vector<int32_t> t_ref;     // refractory period [steps] >= 0
};

struct FixedSynapses {  // CSR rows per presynaptic neuron, as Synapses but with integer weights
  std::vector<int64_t> row_ptr;
  std::vector<int32_t> target;
  std::vector<int32_t> weight;
  std::vector<int32_t> delay;
};

struct FixedNetwork {
  int32_t num_neurons = 0;
  FixedParams params;
  FixedSynapses synapses;
};

struct FixedInput {  // as ExternalInput, with integer weights and currents
  std::vector<int64_t> spike_step;
  std::vector<int32_t> spike_id;
  std::vector<int32_t> spike_weight;
  CurrentMode current_mode = CurrentMode::None;
  std::vector<int32_t> current;
  std::vector<int64_t> v0, i0;  // initial state, within the m-bit range
};

struct FixedResult {
  std::vector<int64_t> spike_step;
  std::vector<int32_t> spike_id;
  std::vector<int64_t> v, i_syn;
  int64_t synaptic_events = 0, external_events = 0, neuron_updates = 0, spikes = 0;
};

// "" when valid, else one message naming the argument, what was expected and the bad value.
std::string validate_fixed(const FixedNetwork& net, const FixedInput& in, int64_t n_steps);

// Runs n_steps steps; throws std::invalid_argument unless validate_fixed() accepts the input. Does not
// touch the Python interpreter, so it may run without the GIL.
FixedResult simulate_fixed(const FixedNetwork& net, const FixedInput& in, int64_t n_steps);

}  // namespace snnas
