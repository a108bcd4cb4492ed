// The codes and limits of the snnas core, defined once. Plain C++17, no Python headers.
//
// The neuron-model table (kModels), the reset table (kResets) and the limits below are the only
// definition of these numbers in snnas: the validators and their messages read them here, and the
// binding exports them to Python as snnas._core.MODELS, RESETS, FIXED_MODELS, STEPPED_MODELS, HIDDEN
// and LIMITS, which snnas.sim.engine, snnas.sim.fixed and snnas.sim.reference read.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>

namespace snnas {

// Neuron model of a network (see neurons.hpp for the exact update rules). IF, LIF and CUBA_LIF are
// evaluated event-driven (settled neurons cost nothing); the stepped models ADAPTIVE_LIF, IZHIKEVICH
// and HODGKIN_HUXLEY are evaluated in every step (stepped.cpp).
enum class Model : int32_t { IF = 0, LIF = 1, CUBA_LIF = 2, ADAPTIVE_LIF = 3, IZHIKEVICH = 4, HODGKIN_HUXLEY = 5 };

// One row of the model table.
struct ModelInfo {
  Model model;
  const char* name;         // the name Python uses ("cuba_lif")
  const char* label;        // the name messages use ("CUBA_LIF")
  bool stepped;             // evaluated in every step, double precision only (stepped.cpp)
  bool fixed_point;         // has a fixed-point mode (fixed.hpp)
  double default_substep;   // longest integration sub-step [s] when the caller chooses none; 0: one per step
  int32_t num_hidden;       // rows of Result::hidden (engine.hpp)
  const char* hidden[3];    // their names
};

// Every model, in the order of its code (kModels[c].model == Model(c)).
inline constexpr ModelInfo kModels[] = {
    {Model::IF, "if", "IF", false, true, 0.0, 0, {}},
    {Model::LIF, "lif", "LIF", false, true, 0.0, 0, {}},
    {Model::CUBA_LIF, "cuba_lif", "CUBA_LIF", false, true, 0.0, 0, {}},
    {Model::ADAPTIVE_LIF, "adaptive_lif", "ADAPTIVE_LIF", true, false, 0.0, 1, {"theta"}},
    // Izhikevich (2003) integrates v in two half-steps of a 1 ms step: sub-steps of at most 0.5 ms.
    {Model::IZHIKEVICH, "izhikevich", "IZHIKEVICH", true, false, 0.5e-3, 1, {"u"}},
    // 0.01 ms keeps the forward-Euler V update stable for any gates (neurons.hpp).
    {Model::HODGKIN_HUXLEY, "hodgkin_huxley", "HODGKIN_HUXLEY", true, false, 0.01e-3, 3, {"m", "h", "n"}},
};

constexpr int32_t kNumModels = static_cast<int32_t>(sizeof(kModels) / sizeof(kModels[0]));
// Highest value of Model.
constexpr int32_t kLastModel = kNumModels - 1;

constexpr bool models_in_code_order() {
  for (int32_t c = 0; c < kNumModels; ++c)
    if (static_cast<int32_t>(kModels[c].model) != c) return false;
  return true;
}
static_assert(models_in_code_order(), "kModels must list the models in the order of their codes");

// The row of a valid model.
inline const ModelInfo& model_info(Model m) { return kModels[static_cast<int32_t>(m)]; }

// Models whose neurons are evaluated in every step (no lazy catch-up).
inline bool is_stepped(Model m) { return model_info(m).stepped; }

// What happens to the membrane of a neuron that spiked (phase 4 of a step).
enum class ResetMode : int32_t { ToValue = 0, Subtract = 1 };

struct ResetInfo {
  ResetMode reset;
  const char* name;   // the name Python uses ("subtract")
  const char* label;  // the wording of messages ("subtract")
};

inline constexpr ResetInfo kResets[] = {
    {ResetMode::ToValue, "value", "to value"},
    {ResetMode::Subtract, "subtract", "subtract"},
};

constexpr int32_t kNumResets = static_cast<int32_t>(sizeof(kResets) / sizeof(kResets[0]));

constexpr bool resets_in_code_order() {
  for (int32_t c = 0; c < kNumResets; ++c)
    if (static_cast<int32_t>(kResets[c].reset) != c) return false;
  return true;
}
static_assert(resets_in_code_order(), "kResets must list the reset modes in the order of their codes");

// ---- Fixed-point rules (fixed.hpp) --------------------------------------------------------------------
// A chip's integer neuron rule is a choice from each of these small tables; the chip files name the
// choices (hw_targets/*.yaml, section 'numerics') and snnas.chip.numerics checks the names against them.

// The order of the phases within a step.
enum class StepOrder : int32_t {
  DecayThresholdInputReset = 0,  // generic: the step's input is added after the threshold test (and decays next step)
  DecayInputThresholdReset = 1,  // Loihi (Lava), sinabs: the input is added after the decay, before the test
};
// How a state x loses the fraction d / 2^b of itself per step (b = decay_bits, 12 unless the rule says).
enum class DecayRounding : int32_t {
  LossFloor = 0,     // x <- x - floor(x * d / 2^b)           (arithmetic shift of the loss)
  KeepTowardZero = 1,  // x <- trunc(x * (2^b - d) / 2^b)     (Loihi: the kept part rounded toward zero)
  ClosedFormNearest = 2,  // LIF's exact solution for the step's input a held over the step (sPyNNaker):
                          // v <- a - rnd((2^b - d) * (a - v) / 2^b), rnd rounding half up; a moves v by d / 2^b of it
};
// When v crosses the threshold.
enum class ThresholdTest : int32_t { AtLeast = 0 /* v >= v_th */, Above = 1 /* v > v_th (Loihi) */ };
// What a state variable does when a result leaves its m-bit range.
enum class Overflow : int32_t {
  Saturate = 0,           // clamp to [-2^(m-1), 2^(m-1) - 1]
  SaturateSymmetric = 1,  // clamp to [-(2^(m-1) - 1), 2^(m-1) - 1] (Loihi's v)
  Wrap = 2,               // modulo 2^m into (-2^(m-1), 2^(m-1)] (Loihi's u, as Lava's PyLifModelBitAcc wraps it)
  WrapTwosComplement = 3, // modulo 2^m into [-2^(m-1), 2^(m-1) - 1] (a CPU's m-bit integer: SpiNNaker's s16.15)
};

// How the input of a step reaches v.
enum class Integration : int32_t {
  Summed = 0,    // the step's input is summed exactly, then added once (every clocked chip here)
  PerEvent = 1,  // each event is added in arrival order, each followed by the threshold test, reset and lower
                 // bound (ODIN's event-driven RTL; Speck's silicon: at most one spike per input event)
};

struct CodeInfo {
  int32_t code;
  const char* name;  // the name Python and the chip files use
};

inline constexpr CodeInfo kStepOrders[] = {{0, "decay_threshold_input_reset"}, {1, "decay_input_threshold_reset"}};
inline constexpr CodeInfo kDecayRoundings[] = {{0, "loss_floor"}, {1, "keep_toward_zero"}, {2, "closed_form_nearest"}};
inline constexpr CodeInfo kThresholdTests[] = {{0, ">="}, {1, ">"}};
inline constexpr CodeInfo kOverflows[] = {
    {0, "saturate"}, {1, "saturate_symmetric"}, {2, "wrap"}, {3, "wrap_twos_complement"}};
inline constexpr CodeInfo kIntegrations[] = {{0, "summed"}, {1, "per_event"}};

template <size_t N>
constexpr bool codes_in_order(const CodeInfo (&table)[N]) {
  for (size_t c = 0; c < N; ++c)
    if (table[c].code != static_cast<int32_t>(c)) return false;
  return true;
}
static_assert(codes_in_order(kStepOrders) && codes_in_order(kDecayRoundings) && codes_in_order(kThresholdTests) &&
                  codes_in_order(kOverflows) && codes_in_order(kIntegrations),
              "the fixed-point rule tables must list their codes in order");

// "0 (saturate), 1 (saturate_symmetric) or 2 (wrap)".
template <size_t N>
std::string code_choices(const CodeInfo (&table)[N]) {
  std::string out;
  for (size_t c = 0; c < N; ++c) {
    if (c) out += c + 1 == N ? " or " : ", ";
    out += std::to_string(table[c].code) + " (" + table[c].name + ")";
  }
  return out;
}

// ---- Limits the core enforces ------------------------------------------------------------------------
// Largest number of neurons of a network (neuron indices and n + 1 row pointers fit in int32).
constexpr int64_t kMaxNeurons = int64_t{INT32_MAX} - 1;
// Largest number of steps of a run.
constexpr int64_t kMaxSteps = INT32_MAX;
// Largest number of integration sub-steps per step (IZHIKEVICH, HODGKIN_HUXLEY).
constexpr int32_t kMaxSubsteps = 1000000;
// Largest number of (delay slot x neuron) entries of the delivery ring buffers, so that a bad input
// cannot ask for an unbounded allocation: (max delay + 1) * n <= kMaxRingEntries (about 15 bytes each).
constexpr int64_t kMaxRingEntries = int64_t{1} << 25;
// Largest (max delay + 1) x neurons of the chip model's per-delay marks (hardware.cpp).
constexpr int64_t kMaxChipMarks = int64_t{1} << 30;
// Fixed point (fixed.hpp): decay factors are fractions of 2^b, b = decay_bits in [kMinDecayBits,
// kMaxDecayBits] (default kFixedShift); the state has m bits with kMinStateBits <= m <= kMaxStateBits, and
// m + b <= kMaxStateDecayBits (of v and of i_syn), so that state * 2^b fits in int64.
constexpr int32_t kFixedShift = 12;
constexpr int64_t kFixedDecayOne = int64_t{1} << kFixedShift;
constexpr int32_t kMinDecayBits = 1;
constexpr int32_t kMaxDecayBits = 16;
constexpr int32_t kMaxStateDecayBits = 62;
constexpr int32_t kMinStateBits = 2;
// Most events a per_event run may hold in flight (fixed.hpp), so that activity growing without bound (a
// recurrent loop whose every event fires again) ends with an error instead of exhausting memory.
constexpr int64_t kMaxEventsInFlight = int64_t{1} << 24;
// Most spikes one neuron may emit in one step in fixed point (max_spikes), so that k * w stays far inside int64.
constexpr int32_t kMaxSpikesPerStep = 65535;
constexpr int32_t kMaxStateBits = 48;

// "0 (IF), 1 (LIF), ... or 5 (HODGKIN_HUXLEY)": the codes of every model, or of the fixed-point ones.
inline std::string model_choices(bool fixed_point_only = false) {
  std::string out;
  int32_t last = -1;
  for (const ModelInfo& m : kModels)
    if (!fixed_point_only || m.fixed_point) last = static_cast<int32_t>(m.model);
  for (const ModelInfo& m : kModels) {
    if (fixed_point_only && !m.fixed_point) continue;
    const int32_t code = static_cast<int32_t>(m.model);
    if (!out.empty()) out += code == last ? " or " : ", ";
    out += std::to_string(code) + " (" + m.label + ")";
  }
  return out;
}

// "0 (to value) or 1 (subtract)".
inline std::string reset_choices() {
  std::string out;
  for (const ResetInfo& r : kResets) {
    const int32_t code = static_cast<int32_t>(r.reset);
    if (!out.empty()) out += code == kNumResets - 1 ? " or " : ", ";
    out += std::to_string(code) + " (" + r.label + ")";
  }
  return out;
}

// Whether code is a model with a fixed-point mode.
inline bool is_fixed_point_model(int64_t code) {
  return code >= 0 && code <= kLastModel && kModels[code].fixed_point;
}

}  // namespace snnas
