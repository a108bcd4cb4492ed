// Validation of a simulation's input (network.hpp): every invariant the engine relies on.
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "network.hpp"
#include "messages.hpp"

namespace snnas {
namespace {

// "" if every value is finite, else the first offender.
std::string finite(const char* name, const std::vector<double>& x) {
  for (size_t k = 0; k < x.size(); ++k)
    if (!std::isfinite(x[k])) return at(name, k, x[k]) + ": expected a finite number";
  return "";
}

std::string in_unit_interval(const char* name, const std::vector<double>& x) {
  for (size_t k = 0; k < x.size(); ++k)
    if (!(x[k] >= 0.0 && x[k] <= 1.0)) return at(name, k, x[k]) + ": expected a decay factor in [0, 1]";
  return "";
}

}  // namespace

std::string validate_network(const Network& net) {
  const int64_t n = net.num_neurons;
  if (n < 0 || n > kMaxNeurons)
    return "number of neurons: expected an integer in [0, " + std::to_string(kMaxNeurons) + "], got " +
           std::to_string(n);
  const auto& p = net.params;
  const int32_t model = static_cast<int32_t>(p.model);
  if (model < 0 || model > kLastModel)
    return "model: expected " + model_choices() + ", got " + std::to_string(model);
  const int32_t reset = static_cast<int32_t>(p.reset);
  if (reset < 0 || reset >= kNumResets)
    return "reset: expected " + reset_choices() + ", got " + std::to_string(reset);

  const size_t nn = static_cast<size_t>(n);
  const std::pair<const char*, const std::vector<double>*> per_neuron[] = {
      {"v_th", &p.v_th}, {"v_reset", &p.v_reset}, {"v_rest", &p.v_rest}, {"alpha_m", &p.alpha_m},
      {"alpha_s", &p.alpha_s}, {"beta", &p.beta}, {"alpha_a", &p.alpha_a}, {"izh_ka", &p.izh_ka},
      {"izh_b", &p.izh_b}, {"izh_d", &p.izh_d}};
  for (const auto& [name, vec] : per_neuron) {
    if (vec->size() != nn) return size_problem(name, vec->size(), nn, "one per neuron");
    std::string bad = finite(name, *vec);
    if (!bad.empty()) return bad;
  }
  if (p.t_ref.size() != nn) return size_problem("t_ref", p.t_ref.size(), nn, "one per neuron");
  for (size_t k = 0; k < nn; ++k)
    if (p.t_ref[k] < 0) return at("t_ref", k, p.t_ref[k]) + ": expected a refractory period >= 0 steps";
  // The parameters of the stepped models are checked whatever the model, so that a network is valid
  // or not independently of which model reads them.
  for (size_t k = 0; k < nn; ++k)
    if (!(p.beta[k] >= 0.0)) return at("beta", k, p.beta[k]) + ": expected a threshold increment >= 0 V";
  {
    std::string bad = in_unit_interval("alpha_a", p.alpha_a);
    if (bad.empty()) bad = in_unit_interval("izh_ka", p.izh_ka);
    if (!bad.empty()) return bad;
  }
  if (!(std::isfinite(p.dt) && p.dt > 0.0)) {
    std::ostringstream out;
    out.precision(17);
    out << "dt: expected a finite time step > 0 s, got " << p.dt;
    return out.str();
  }
  if (p.substeps < 1 || p.substeps > kMaxSubsteps)
    return "substeps: expected an integer in [1, " + std::to_string(kMaxSubsteps) + "], got " +
           std::to_string(p.substeps);
  if (p.model == Model::IZHIKEVICH || p.model == Model::HODGKIN_HUXLEY) {
    const char* name = model_info(p.model).label;
    if (p.reset != ResetMode::ToValue)
      return std::string("reset: expected 0 (to value) for ") + name + ", which has no reset by subtraction";
    for (size_t k = 0; k < nn; ++k)
      if (p.t_ref[k] != 0)
        return at("t_ref", k, p.t_ref[k]) + ": expected 0 for " + name + ", which has no refractory period";
  }
  if (p.model == Model::LIF || p.model == Model::CUBA_LIF || p.model == Model::ADAPTIVE_LIF) {
    std::string bad = in_unit_interval("alpha_m", p.alpha_m);
    if (!bad.empty()) return bad;
    for (size_t k = 0; k < nn; ++k)
      if (!(p.v_rest[k] < p.v_th[k]))
        return at("v_rest", k, p.v_rest[k]) + ": expected v_rest < v_th (v_th[" + std::to_string(k) +
               "] = " + std::to_string(p.v_th[k]) + "), else a neuron at rest would fire forever";
  }
  if (p.model == Model::CUBA_LIF) {
    std::string bad = in_unit_interval("alpha_s", p.alpha_s);
    if (!bad.empty()) return bad;
  }

  const auto& s = net.synapses;
  if (s.row_ptr.size() != nn + 1) return size_problem("row_ptr", s.row_ptr.size(), nn + 1, "number of neurons + 1");
  if (s.row_ptr[0] != 0) return at("row_ptr", 0, s.row_ptr[0]) + ": expected 0";
  for (size_t k = 1; k <= nn; ++k)
    if (s.row_ptr[k] < s.row_ptr[k - 1])
      return at("row_ptr", k, s.row_ptr[k]) + ": expected a non-decreasing sequence (row_ptr[" +
             std::to_string(k - 1) + "] = " + std::to_string(s.row_ptr[k - 1]) + ")";
  const size_t m = s.target.size();
  if (static_cast<uint64_t>(s.row_ptr[nn]) != m)
    return at("row_ptr", nn, s.row_ptr[nn]) + ": expected the number of synapses, len(target) = " + std::to_string(m);
  if (s.weight.size() != m) return size_problem("weight", s.weight.size(), m, "one per synapse, as target");
  if (s.delay.size() != m) return size_problem("delay", s.delay.size(), m, "one per synapse, as target");
  int64_t max_delay = 0;
  for (size_t k = 0; k < m; ++k) {
    if (s.target[k] < 0 || s.target[k] >= n)
      return at("target", k, s.target[k]) + ": expected a neuron index in [0, " + std::to_string(n) + ")";
    if (s.delay[k] < 0) return at("delay", k, s.delay[k]) + ": expected a delay >= 0 steps";
    if (s.delay[k] > max_delay) max_delay = s.delay[k];
  }
  {
    std::string bad = finite("weight", s.weight);
    if (!bad.empty()) return bad;
  }
  if (n > 0 && (max_delay + 1) > kMaxRingEntries / n)
    return "delay: the largest delay (" + std::to_string(max_delay) + " steps) times the number of neurons (" +
           std::to_string(n) + ") exceeds the delivery buffer limit of " + std::to_string(kMaxRingEntries) +
           " entries";

  return "";
}

std::string validate_run(int32_t num_neurons, const ExternalInput& ext, const InitialState& init, int64_t n_steps) {
  const int64_t n = num_neurons;
  const size_t nn = static_cast<size_t>(n);
  if (n_steps < 0 || n_steps > kMaxSteps)
    return "n_steps: expected an integer in [0, " + std::to_string(kMaxSteps) + "], got " + std::to_string(n_steps);
  const std::pair<const char*, const std::vector<double>*> per_neuron[] = {{"v0", &init.v}, {"i0", &init.i_syn}};
  for (const auto& [name, vec] : per_neuron) {
    if (vec->size() != nn) return size_problem(name, vec->size(), nn, "one per neuron");
    std::string bad = finite(name, *vec);
    if (!bad.empty()) return bad;
  }
  const size_t k_ext = ext.spike_step.size();
  if (ext.spike_id.size() != k_ext)
    return size_problem("ext_id", ext.spike_id.size(), k_ext, "one per event, as ext_step");
  if (ext.spike_weight.size() != k_ext)
    return size_problem("ext_weight", ext.spike_weight.size(), k_ext, "one per event, as ext_step");
  for (size_t k = 0; k < k_ext; ++k) {
    if (ext.spike_step[k] < 0 || ext.spike_step[k] >= n_steps)
      return at("ext_step", k, ext.spike_step[k]) + ": expected a step in [0, n_steps = " +
             std::to_string(n_steps) + ")";
    if (k > 0 && ext.spike_step[k] < ext.spike_step[k - 1])
      return at("ext_step", k, ext.spike_step[k]) + ": expected steps sorted in non-decreasing order";
    if (ext.spike_id[k] < 0 || ext.spike_id[k] >= n)
      return at("ext_id", k, ext.spike_id[k]) + ": expected a neuron index in [0, " + std::to_string(n) + ")";
  }
  {
    std::string bad = finite("ext_weight", ext.spike_weight);
    if (!bad.empty()) return bad;
  }
  const int32_t mode = static_cast<int32_t>(ext.current_mode);
  if (mode < 0 || mode > 2) return "i_ext: unknown current mode " + std::to_string(mode);
  const size_t want = ext.current_mode == CurrentMode::None      ? 0
                      : ext.current_mode == CurrentMode::PerNeuron ? nn
                                                                   : nn * static_cast<size_t>(n_steps);
  if (ext.current.size() != want) return size_problem("i_ext", ext.current.size(), want, "per current mode");
  return finite("i_ext", ext.current);
}

std::string validate(const Network& net, const ExternalInput& ext, const InitialState& init, int64_t n_steps) {
  std::string problem = validate_network(net);
  return problem.empty() ? validate_run(net.num_neurons, ext, init, n_steps) : problem;
}

}  // namespace snnas
