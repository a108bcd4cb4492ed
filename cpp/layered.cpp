// The layered float32 simulator of source semantics; the rules are in layered.hpp.
#include "layered.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace snnas {

using namespace layered;

const LayeredCode kLayeredCodes[] = {
    {"model", "if", IF},           {"model", "lif", LIF},
    {"model", "cuba_lif", CUBA_LIF}, {"model", "li", LI},
    {"decay", "exact", EXACT},     {"decay", "exp", EXP},
    {"decay", "euler", EULER},     {"decay", "euler_step", EULER_STEP},
    {"current", "decay_add", DECAY_ADD}, {"current", "add_decay", ADD_DECAY},
    {"current", "add_use_decay", ADD_USE_DECAY},
    {"order", "input_first", INPUT_FIRST}, {"order", "test_first", TEST_FIRST},
    {"threshold", ">", GT},        {"threshold", ">=", GE},
    {"reset", "value", VALUE},     {"reset", "subtract", SUBTRACT},
    {"reset", "delayed_subtract", DELAYED_SUBTRACT}, {"reset", "delayed_value", DELAYED_VALUE},
};
const int32_t kNumLayeredCodes = static_cast<int32_t>(sizeof(kLayeredCodes) / sizeof(kLayeredCodes[0]));

namespace {

std::string at(const char* name, int64_t index) { return std::string(name) + "[" + std::to_string(index) + "]"; }

std::string check_finite(const std::vector<float>& a, const char* name) {
  for (size_t k = 0; k < a.size(); ++k)
    if (!std::isfinite(a[k])) return at(name, static_cast<int64_t>(k)) + ": NaN or infinity";
  return "";
}

std::string check_finite(const std::vector<double>& a, const char* name) {
  for (size_t k = 0; k < a.size(); ++k)
    if (!std::isfinite(a[k])) return at(name, static_cast<int64_t>(k)) + ": NaN or infinity";
  return "";
}

std::string check_rules(const LayeredInput& in, int64_t p) {
  const int32_t* r = in.rules.data() + p * kColumns;
  const std::string row = "rules[" + std::to_string(p) + "]";
  if (r[MODEL] < IF || r[MODEL] > LI) return row + ": model code " + std::to_string(r[MODEL]) + " not in [0, 3]";
  if (r[DECAY] < EXACT || r[DECAY] > EULER_STEP) return row + ": decay code not in [0, 3]";
  if (r[CURRENT] < DECAY_ADD || r[CURRENT] > ADD_USE_DECAY) return row + ": current code not in [0, 2]";
  if (r[ORDER] < INPUT_FIRST || r[ORDER] > TEST_FIRST) return row + ": order code not in [0, 1]";
  if (r[THRESHOLD] < GT || r[THRESHOLD] > GE) return row + ": threshold code not in [0, 1]";
  if (r[MAX_SPIKES] < 1 || r[MAX_SPIKES] > kMaxSpikes) return row + ": max_spikes not in [1, 2^30]";
  if (r[RESET] < VALUE || r[RESET] > DELAYED_VALUE) return row + ": reset code not in [0, 3]";
  if (r[BOUNDED] < 0 || r[BOUNDED] > 1) return row + ": bounded must be 0 or 1";
  if (r[ORDER] == TEST_FIRST && (r[RESET] >= DELAYED_SUBTRACT || r[CURRENT] != DECAY_ADD))
    return row + ": order test_first needs current decay_add and an immediate reset";
  return "";
}

}  // namespace

std::string validate_layered(const LayeredInput& in) {
  if (in.n_inputs < 0) return "n_inputs: expected >= 0";
  if (in.n_steps < 0 || in.n_steps > INT32_MAX) return "n_steps: expected an integer in [0, 2^31 - 1]";
  if (in.pop_ptr.size() < 2) return "pop_ptr: expected at least one population (n_pop + 1 >= 2 entries)";
  const int64_t n_pop = static_cast<int64_t>(in.pop_ptr.size()) - 1;
  if (in.pop_ptr[0] != 0) return "pop_ptr[0]: expected 0";
  for (int64_t p = 0; p < n_pop; ++p)
    if (in.pop_ptr[p + 1] <= in.pop_ptr[p]) return at("pop_ptr", p + 1) + ": populations need >= 1 neuron each";
  const int64_t n = in.pop_ptr[n_pop];
  if (n + in.n_inputs > INT32_MAX - 1) return "pop_ptr: too many neurons for int32 indices";
  if (static_cast<int64_t>(in.rules.size()) != n_pop * kColumns)
    return "rules: expected shape (n_pop, " + std::to_string(kColumns) + ") = (" + std::to_string(n_pop) + ", " +
           std::to_string(kColumns) + ")";
  for (int64_t p = 0; p < n_pop; ++p) {
    const std::string problem = check_rules(in, p);
    if (!problem.empty()) return problem;
  }
  if (static_cast<int64_t>(in.record.size()) != n_pop) return "record: expected one entry per population";
  for (int64_t p = 0; p < n_pop; ++p)
    if (in.record[p] < 0 || in.record[p] > 2) return at("record", p) + ": expected 0, 1 or 2";
  const std::pair<const std::vector<float>*, const char*> per_neuron[] = {
      {&in.f_m, "f_m"}, {&in.f_s, "f_s"}, {&in.gain, "gain"}, {&in.v_th, "v_th"}, {&in.v_reset, "v_reset"},
      {&in.v_leak, "v_leak"}, {&in.leak, "leak"}, {&in.v_min, "v_min"}, {&in.v0, "v0"}, {&in.i0, "i0"}};
  for (const auto& [arr, name] : per_neuron) {
    if (static_cast<int64_t>(arr->size()) != n)
      return std::string(name) + ": expected " + std::to_string(n) + " entries (one per neuron), got " +
             std::to_string(arr->size());
    const std::string problem = check_finite(*arr, name);
    if (!problem.empty()) return problem;
  }
  if (static_cast<int64_t>(in.bias.size()) != n) return "bias: expected one entry per neuron";
  std::string problem = check_finite(in.bias, "bias");
  if (!problem.empty()) return problem;
  for (int64_t p = 0; p < n_pop; ++p) {
    const int32_t* r = in.rules.data() + p * kColumns;
    if (r[MAX_SPIKES] == 1 || r[MODEL] == LI) continue;
    for (int64_t j = in.pop_ptr[p]; j < in.pop_ptr[p + 1]; ++j)
      if (!(in.v_th[j] > 0.0f)) return at("v_th", j) + ": multi-spike neurons need v_th > 0";
  }
  if (static_cast<int64_t>(in.in_ptr.size()) != n + 1) return "in_ptr: expected n + 1 entries";
  if (in.in_ptr[0] != 0) return "in_ptr[0]: expected 0";
  for (int64_t j = 0; j < n; ++j)
    if (in.in_ptr[j + 1] < in.in_ptr[j]) return at("in_ptr", j + 1) + ": must not decrease";
  const int64_t nnz = in.in_ptr[n];
  if (static_cast<int64_t>(in.source.size()) != nnz || static_cast<int64_t>(in.weight.size()) != nnz ||
      static_cast<int64_t>(in.delay.size()) != nnz)
    return "source, weight, delay: expected in_ptr[-1] = " + std::to_string(nnz) + " entries each";
  problem = check_finite(in.weight, "weight");
  if (!problem.empty()) return problem;
  const int64_t total = n + in.n_inputs;
  int64_t max_delay = 0;
  for (int64_t p = 0; p < n_pop; ++p)
    for (int64_t j = in.pop_ptr[p]; j < in.pop_ptr[p + 1]; ++j)
      for (int64_t k = in.in_ptr[j]; k < in.in_ptr[j + 1]; ++k) {
        const int64_t s = in.source[k];
        if (s < 0 || s >= total) return at("source", k) + ": " + std::to_string(s) + " not in [0, " +
                                        std::to_string(total) + ")";
        if (in.delay[k] < 0) return at("delay", k) + ": negative";
        max_delay = std::max<int64_t>(max_delay, in.delay[k]);
        // A zero-delay source must be an input or a neuron of an earlier population (computed this step).
        if (in.delay[k] == 0 && s >= in.n_inputs && s - in.n_inputs >= in.pop_ptr[p])
          return at("source", k) + ": a zero-delay synapse into population " + std::to_string(p) +
                 " from neuron " + std::to_string(s - in.n_inputs) +
                 ", which is not in an earlier population (order the populations topologically; recurrent "
                 "synapses need delay >= 1)";
      }
  if ((max_delay + 1) * total > kMaxHistory) return "delay: (longest delay + 1) x (inputs + neurons) too large";
  if (static_cast<int64_t>(in.inputs.size()) != in.n_steps * in.n_inputs)
    return "inputs: expected shape (n_steps, n_inputs) = (" + std::to_string(in.n_steps) + ", " +
           std::to_string(in.n_inputs) + ")";
  problem = check_finite(in.inputs, "inputs");
  if (!problem.empty()) return problem;
  int64_t cols = 0;
  for (int64_t p = 0; p < n_pop; ++p)
    if (in.record[p]) cols += in.pop_ptr[p + 1] - in.pop_ptr[p];
  if (cols > 0 && in.n_steps > kMaxRecorded / cols) return "record: n_steps x recorded neurons too large";
  return "";
}

LayeredResult run_layered(const LayeredInput& in) {
  const int64_t n_pop = static_cast<int64_t>(in.pop_ptr.size()) - 1;
  const int64_t n = in.pop_ptr[n_pop];
  const int64_t n_in = in.n_inputs;
  const int64_t total = n + n_in;
  int64_t slots = 1;
  for (int32_t d : in.delay) slots = std::max<int64_t>(slots, int64_t{d} + 1);
  std::vector<double> out(static_cast<size_t>(slots * total), 0.0);  // out[slot][source]: value or count
  std::vector<float> v = in.v0, cur = in.i0;
  std::vector<int32_t> prev(static_cast<size_t>(n), 0);
  LayeredResult res;
  for (int64_t p = 0; p < n_pop; ++p) {
    if (in.record[p] >= 1) res.n_spike_cols += in.pop_ptr[p + 1] - in.pop_ptr[p];
    if (in.record[p] == 2) res.n_state_cols += in.pop_ptr[p + 1] - in.pop_ptr[p];
  }
  res.spikes.assign(static_cast<size_t>(in.n_steps * res.n_spike_cols), 0);
  res.v.assign(static_cast<size_t>(in.n_steps * res.n_state_cols), 0.0f);
  res.i.assign(static_cast<size_t>(in.n_steps * res.n_state_cols), 0.0f);

  for (int64_t t = 0; t < in.n_steps; ++t) {
    const int64_t slot = t % slots;
    double* now = out.data() + slot * total;
    for (int64_t k = 0; k < n_in; ++k) now[k] = static_cast<double>(in.inputs[static_cast<size_t>(t * n_in + k)]);
    int64_t spike_col = 0, state_col = 0;
    for (int64_t p = 0; p < n_pop; ++p) {
      const int32_t* r = in.rules.data() + p * kColumns;
      const int32_t model = r[MODEL], decay = r[DECAY], current = r[CURRENT], reset = r[RESET];
      const bool input_first = r[ORDER] == INPUT_FIRST, ge = r[THRESHOLD] == GE, bounded = r[BOUNDED] == 1;
      const int32_t max_spikes = r[MAX_SPIKES];
      for (int64_t j = in.pop_ptr[p]; j < in.pop_ptr[p + 1]; ++j) {
        double acc = in.bias[j];
        for (int64_t k = in.in_ptr[j]; k < in.in_ptr[j + 1]; ++k) {
          int64_t s = slot - in.delay[k];
          if (s < 0) s += slots;
          acc += out[static_cast<size_t>(s * total + in.source[k])] * in.weight[k];
        }
        const float x = static_cast<float>(acc);
        const float fm = in.f_m[j], fs = in.f_s[j];
        const float xg = x * in.gain[j];
        const float now_in = input_first ? xg : 0.0f;  // the input entering before the test
        float vj = v[j], ij = cur[j], d = now_in;
        const bool was = prev[j] > 0;
        if (model == CUBA_LIF) {
          const bool euler_step = decay == EULER_STEP;
          if (current == DECAY_ADD) ij = (euler_step ? ij + fs * ij : fs * ij) + now_in;
          else if (current == ADD_DECAY) {
            const float y = ij + now_in;
            ij = euler_step ? y + fs * y : fs * y;
          } else ij = ij + now_in;
          d = ij;
        }
        if (model == IF) {
          vj = vj + d;
        } else if (decay == EXACT) {
          const float u = model == CUBA_LIF ? in.v_leak[j] + ij : in.v_leak[j];
          vj = u + (vj - u) * fm;
          if (model != CUBA_LIF) vj = vj + d;
        } else if (decay == EULER_STEP) {
          vj = model == LIF ? vj + fm * ((d + in.v_leak[j]) - vj) : vj + fm * ((in.v_leak[j] - vj) + d);
        } else {
          if (reset == DELAYED_VALUE && was && model != CUBA_LIF) vj = in.v_reset[j];
          vj = (fm * vj + d) + in.leak[j];
        }
        if (reset == DELAYED_SUBTRACT && was) vj = vj - in.v_th[j];
        if (reset == DELAYED_VALUE && was && model == CUBA_LIF) vj = in.v_reset[j];
        int32_t spikes = 0;
        const float th = in.v_th[j];
        if (model != LI && (ge ? vj >= th : vj > th)) {
          if (max_spikes == 1) spikes = 1;
          else spikes = static_cast<int32_t>(std::min(std::floor(vj / th), static_cast<float>(max_spikes)));
        }
        if (!input_first) {
          if (model == CUBA_LIF) ij = ij + xg;
          else vj = vj + xg;
        }
        if (reset == VALUE && spikes > 0) vj = in.v_reset[j];
        if (reset == SUBTRACT && spikes > 0) vj = vj - static_cast<float>(spikes) * th;
        if (bounded) vj = std::max(vj - in.v_min[j], 0.0f) + in.v_min[j];
        if (model == CUBA_LIF && current == ADD_USE_DECAY) ij = ij + fs * ij;
        v[j] = vj;
        cur[j] = ij;
        prev[j] = spikes;
        now[n_in + j] = static_cast<double>(spikes);
      }
      const int64_t size = in.pop_ptr[p + 1] - in.pop_ptr[p];
      if (in.record[p] >= 1) {
        int32_t* row = res.spikes.data() + t * res.n_spike_cols + spike_col;
        for (int64_t j = 0; j < size; ++j) row[j] = prev[in.pop_ptr[p] + j];
        spike_col += size;
      }
      if (in.record[p] == 2) {
        float* rv = res.v.data() + t * res.n_state_cols + state_col;
        float* ri = res.i.data() + t * res.n_state_cols + state_col;
        for (int64_t j = 0; j < size; ++j) {
          rv[j] = v[in.pop_ptr[p] + j];
          ri[j] = cur[in.pop_ptr[p] + j];
        }
        state_col += size;
      }
    }
  }
  return res;
}

}  // namespace snnas
