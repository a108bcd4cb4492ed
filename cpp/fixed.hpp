// Fixed-point mode of the snnas simulator: integer weights and integer m-bit state, with the integer rule
// of a chip chosen from the small tables of codes.hpp (step order, decay rounding, threshold test, overflow
// of each state variable). Plain C++17, no Python headers. src/snnas/sim/reference/fixed.py implements the
// same rules; both are bit-identical.
//
// Notation: b = decay_bits (12 unless the chip's rule says: SpiNNaker's 15); d_m, d_s decay factors in
// [0, 2^b] (the fraction d / 2^b of a state is lost per step); keep(x, d) the state left after one step's decay:
//   loss_floor:       keep(x, d) = x - ((x * d) >> b)              (arithmetic shift: the loss rounds down)
//   keep_toward_zero: keep(x, d) = trunc(x * (2^b - d) / 2^b)     (Loihi; Lava's PyLifModelBitAcc)
// ov_v, ov_i the overflow of v (state_bits wide) and i_syn (current_bits wide): saturate to
// [-2^(m-1), 2^(m-1) - 1], saturate_symmetric to [-(2^(m-1) - 1), 2^(m-1) - 1], wrap modulo 2^m into
// (-2^(m-1), 2^(m-1)], or wrap_twos_complement modulo 2^m into [-2^(m-1), 2^(m-1) - 1]. I the external
// current of the step (an integer: a bias), x the exact integer sum of the weights reaching the neuron in
// the step (x == 0 is no input). fires(v): v >= v_th or v > v_th.
//
// LIF's update with decay_rounding closed_form_nearest (sPyNNaker's closed form, neuron_model_lif_impl.h,
// with R_membrane = 1 and V_rest = 0): the input a = ov_v(x + I) is the current held over the step, and
//   v <- ov_v(a - rnd((2^b - d_m) * ov_v(a - v)))      rnd(y) = (y + 2^(b-1)) >> b  (round half up)
// so that an input a moves v by about a * d_m / 2^b in the step (the chip's weights hold that gain). It
// replaces keep(v, d_m) + x + I below; LIF only, with integration summed.
//
// Step order decay_threshold_input_reset (generic): (1) update
//   IF:        v <- ov_v(v + I)
//   LIF:       v <- ov_v(keep(v, d_m) + I)
//   CUBA_LIF:  i_syn <- ov_i(keep(i_syn, d_s));  v <- ov_v(keep(v, d_m) + i_syn + I)
// (2) threshold; (3) deliver: v <- ov_v(v + x) (IF, LIF; discarded while refractory) or
// i_syn <- ov_i(i_syn + x) (CUBA_LIF); (4) reset of the neurons that fired: v <- v_reset or ov_v(v - v_th).
//
// Step order decay_input_threshold_reset (Loihi, sinabs): the x delivered in step n is held and enters the
// update of step n + 1, after the decay and before the threshold test (the same arrival step as above,
// but x is not decayed before it is tested):
//   IF:        v <- ov_v(v + x + I)
//   LIF:       v <- ov_v(keep(v, d_m) + x + I)
//   CUBA_LIF:  i_syn <- ov_i(keep(i_syn, d_s) + x);  v <- ov_v(keep(v, d_m) + i_syn + I)
// then threshold and reset as above. While refractory, v is held (IF and LIF discard their x) and
// CUBA_LIF's i_syn still decays and integrates.
//
// Spikes per step (sinabs' MultiSpike, DYNAP-CNN/Speck): with max_spikes = s > 1 a neuron that fires emits
// k = min(s, floor(v / v_th)) spikes (v >= v_th) or k = min(s, floor((v - 1) / v_th)) (v > v_th), v_th > 0;
// each spike is one event on every outgoing synapse (the target receives k * w) and the subtract reset
// removes k * v_th. s = 1 is the usual single spike.
// Lower bound (sinabs' min_v_mem, TrueNorth's negative threshold in saturate mode): at the end of the step,
// after the reset, v <- max(v, v_min). Without v_min there is no bound but v's range.
//
// Integration per_event (ODIN, event-driven silicon): the events of a step are applied one at a time in
// arrival order (spikes by ascending source neuron and CSR order, then external events), each as
// v <- ov_v(v + w) followed by the test: fires(v) -> k spikes and the reset, then v <- max(v, v_min); the
// update (decay and current I) is followed by the same test. A spike of step n reaches its targets in step
// n + 1 + delay (one step of transit, so that spikes of the event phase cannot re-enter their own step); k
// spikes are k events. The order field does not apply; refractory steps (after the spike's step) discard
// events. IF and LIF only.
//
// A neuron is settled at the end of a step when the rule without input leaves its state unchanged, it
// holds no input for the next step, v >= v_min, fires(v) is false and it is not refractory in the next step. A settled
// neuron without current is not evaluated: skipping it is exact, since each skipped step would leave it
// as it is. Neurons still decaying are evaluated every step.
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
  int32_t state_bits = 24;        // m of v
  int32_t current_bits = 24;      // m of i_syn (CUBA_LIF)
  StepOrder order = StepOrder::DecayThresholdInputReset;
  DecayRounding rounding = DecayRounding::LossFloor;
  ThresholdTest threshold = ThresholdTest::AtLeast;
  Overflow v_overflow = Overflow::Saturate;
  Overflow i_overflow = Overflow::Saturate;
  Integration integration = Integration::Summed;
  int32_t decay_bits = kFixedShift;  // b: decay factors are fractions of 2^b
  std::vector<int64_t> v_th;      // threshold, within v's range
  std::vector<int64_t> v_reset;   // reset value, within v's range
  std::vector<int32_t> decay_m;   // d_m in [0, 2^decay_bits] (LIF, CUBA_LIF)
  std::vector<int32_t> decay_s;   // d_s in [0, 2^decay_bits] (CUBA_LIF)
  std::vector<int32_t> t_ref;     // refractory period [steps] >= 0
  std::vector<int64_t> v_min;     // lower bound of v at the end of a step, within v's range; empty: none
  int32_t max_spikes = 1;         // spikes a neuron may emit in one step, >= 1 (v_th > 0 when > 1)
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
  std::vector<int64_t> v0, i0;  // initial state, within the range of v and of i_syn
  std::vector<int32_t> probe;   // neurons whose v and i_syn are recorded at the end of every step
};

struct FixedResult {
  std::vector<int64_t> spike_step;
  std::vector<int32_t> spike_id;
  std::vector<int64_t> v, i_syn;
  std::vector<int64_t> v_probe, i_syn_probe;  // (n_steps x probe.size()), row-major; empty without probe
  int64_t synaptic_events = 0, external_events = 0, neuron_updates = 0, spikes = 0;
};

// The range [lo, hi] of an m-bit state with the given overflow.
inline void state_range(int32_t bits, Overflow overflow, int64_t& lo, int64_t& hi) {
  const int64_t half = int64_t{1} << (bits - 1);
  lo = overflow == Overflow::Saturate || overflow == Overflow::WrapTwosComplement ? -half : -half + 1;
  hi = overflow == Overflow::Wrap ? half : half - 1;
}

// "" when valid, else one message naming the argument, what was expected and the bad value.
std::string validate_fixed(const FixedNetwork& net, const FixedInput& in, int64_t n_steps);

// Runs n_steps steps; throws std::invalid_argument unless validate_fixed() accepts the input. Does not
// touch the Python interpreter, so it may run without the GIL.
FixedResult simulate_fixed(const FixedNetwork& net, const FixedInput& in, int64_t n_steps);

namespace detail {
// simulate_fixed() for input that validate_fixed() has accepted: the checks are not repeated (a batch
// checks its network once, fixed_batch.cpp). Throws std::runtime_error when per_event activity grows
// without bound.
FixedResult run_fixed(const FixedNetwork& net, const FixedInput& in, int64_t n_steps);
}  // namespace detail

}  // namespace snnas
