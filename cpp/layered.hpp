// The layered float32 simulator of source semantics (snnas.sim.layered). Plain C++17, no Python headers.
//
// Every neuron is evaluated in every step (no lazy skipping). Within a step the populations are processed
// in the order given, which the caller makes topological over the zero-delay projections, so a population
// sees the spikes of the populations before it of the same step (snnTorch, Norse, Rockpool and sinabs all
// deliver without delay: layer k+1 sees layer k's spikes of step t at step t). A synapse of delay D >= 1
// reads its source's output of step t - D. Each population has its own neuron model and step rule (the
// codes below, from a snnas.ir.semantics.Semantics).
//
// INPUT OF A NEURON j AT STEP t (fixed order, float64, rounded to float32 once):
//   acc = bias[j]; then for each incoming synapse k in in_ptr order: acc += out[t - delay[k]][source[k]]
//   * weight[k], where out is an input's value (float32 as given) or a neuron's spike count; x = float(acc).
//   With float32 weights and counts below 2^29 every product is exact; the sum is the float64 sum in that
//   order, which is within a float32 rounding of torch's float32 GEMM.
//
// ONE STEP of neuron j (float32 arithmetic throughout, written exactly as evaluated; fm, fs, g, the
// per-neuron factors computed in Python; xg = x * g; prev = neuron j spiked at step t-1):
//   input_first:
//     CUBA_LIF current:  DECAY_ADD     i = D(i) + xg;  d = i
//                        ADD_DECAY     i = D(i + xg);  d = i
//                        ADD_USE_DECAY i = i + xg;     d = i   (and i = i + fs * i at the end of the step)
//       with D(y) = fs * y (EXACT, EXP, EULER) or y + fs * y (EULER_STEP);   other models: d = xg
//     membrane:  EXACT       u = v_leak (+ i for CUBA_LIF); v = u + (v - u) * fm; non-CUBA: v = v + d
//                EXP, EULER  [DELAYED_VALUE, prev, not CUBA: v = v_reset]  v = (fm * v + d) + leak
//                EULER_STEP  LIF: v = v + fm * ((d + v_leak) - v);  CUBA_LIF, LI: v = v + fm * ((v_leak - v) + d)
//                IF (every decay): v = v + d
//     delayed reset of step t-1: DELAYED_SUBTRACT, prev: v = v - v_th;  DELAYED_VALUE, prev, CUBA: v = v_reset
//   test_first (decay EXACT, EXP, EULER or EULER_STEP with current DECAY_ADD, no delayed reset):
//     the same with xg = 0, then the test, then v = v + xg (CUBA_LIF: i = i + xg), then the reset.
//   test:   pass = v > v_th (GT) or v >= v_th (GE); LI never spikes;
//           s = pass ? (max_spikes == 1 ? 1 : min(floor(v / v_th), max_spikes)) : 0
//   reset:  VALUE: s > 0: v = v_reset;  SUBTRACT: v = v - float(s) * v_th;  the delayed resets act at t+1
//   bound:  bounded: v = max(v - v_min, 0) + v_min
// The state after the step (v, i) is what each framework records (snnTorch: before its delayed reset).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace snnas {

namespace layered {
enum Model : int32_t { IF = 0, LIF = 1, CUBA_LIF = 2, LI = 3 };
enum Decay : int32_t { EXACT = 0, EXP = 1, EULER = 2, EULER_STEP = 3 };
enum Current : int32_t { DECAY_ADD = 0, ADD_DECAY = 1, ADD_USE_DECAY = 2 };
enum Order : int32_t { INPUT_FIRST = 0, TEST_FIRST = 1 };
enum Threshold : int32_t { GT = 0, GE = 1 };
enum Reset : int32_t { VALUE = 0, SUBTRACT = 1, DELAYED_SUBTRACT = 2, DELAYED_VALUE = 3 };
// The columns of the rules table, one row per population.
enum Column : int32_t { MODEL = 0, DECAY, CURRENT, ORDER, THRESHOLD, MAX_SPIKES, RESET, BOUNDED, kColumns };
constexpr int64_t kMaxSpikes = int64_t{1} << 30;
// (longest delay + 1) x (inputs + neurons) history entries, and steps x recorded neurons per output table.
constexpr int64_t kMaxHistory = int64_t{1} << 27;
constexpr int64_t kMaxRecorded = int64_t{1} << 31;
}  // namespace layered

struct LayeredInput {
  int32_t n_inputs = 0;
  int64_t n_steps = 0;
  std::vector<int64_t> pop_ptr;  // n_pop + 1: population p owns neurons pop_ptr[p] .. pop_ptr[p+1] - 1
  std::vector<int32_t> rules;    // n_pop x layered::kColumns
  std::vector<int32_t> record;   // per population: 0 nothing, 1 spikes, 2 spikes and state
  std::vector<float> f_m, f_s, gain, v_th, v_reset, v_leak, leak, v_min, v0, i0;  // per neuron
  std::vector<double> bias;                                                         // per neuron
  std::vector<int64_t> in_ptr;   // n + 1: incoming synapses of neuron j are in_ptr[j] .. in_ptr[j+1] - 1
  std::vector<int32_t> source;   // 0 .. n_inputs - 1 an input, n_inputs + k neuron k
  std::vector<double> weight;
  std::vector<int32_t> delay;
  std::vector<float> inputs;     // n_steps x n_inputs
};

struct LayeredResult {
  int64_t n_spike_cols = 0, n_state_cols = 0;
  std::vector<int32_t> spikes;  // n_steps x n_spike_cols (the recorded populations' neurons, in order)
  std::vector<float> v, i;      // n_steps x n_state_cols
};

// "" when the input is consistent, else a message naming the argument and the problem.
std::string validate_layered(const LayeredInput& in);
// Runs a validated input.
LayeredResult run_layered(const LayeredInput& in);
// The code tables as name -> code (for the binding's LAYERED attribute).
struct LayeredCode {
  const char* table;
  const char* name;
  int32_t code;
};
extern const LayeredCode kLayeredCodes[];
extern const int32_t kNumLayeredCodes;

}  // namespace snnas
