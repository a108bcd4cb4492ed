// Fixed-point mode (fixed.hpp): validation and an event-driven engine. The engine evaluates only the
// neurons that are not settled (still decaying, above threshold, refractory), that received input or
// that have current; settled neurons are exactly at a fixed point of their rule, so skipping them
// changes nothing.
#include "fixed.hpp"
#include "messages.hpp"

#include <algorithm>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace snnas {
namespace {

template <typename T>
std::string in_range(const char* name, const std::vector<T>& x, int64_t lo, int64_t hi, const char* what) {
  for (size_t k = 0; k < x.size(); ++k)
    if (x[k] < lo || x[k] > hi) {
      std::ostringstream out;
      out << at(name, k, x[k]) << ": expected " << what << " in [" << lo << ", " << hi << "]";
      return out.str();
    }
  return "";
}

class FixedEngine {
 public:
  FixedEngine(const FixedNetwork& net, const FixedInput& in, int64_t n_steps)
      : n_(net.num_neurons), nn_(static_cast<size_t>(net.num_neurons)), steps_(n_steps), model_(net.params.model),
        p_(net.params), syn_(net.synapses), in_(in) {
    hi_ = (int64_t{1} << (p_.state_bits - 1)) - 1;
    lo_ = -hi_ - 1;
    v_ = in.v0;
    i_ = model_ == Model::CUBA_LIF ? in.i0 : std::vector<int64_t>(nn_, 0);
    ref_end_.assign(nn_, -1);
    int32_t max_delay = 0;
    for (int32_t d : syn_.delay) max_delay = std::max(max_delay, d);
    slots_ = int64_t{max_delay} + 1;
    acc_.assign(static_cast<size_t>(slots_) * nn_, 0);
    mark_.assign(static_cast<size_t>(slots_) * nn_, 0);
    touched_.assign(static_cast<size_t>(slots_) * (nn_ + 1), 0);
    count_.assign(static_cast<size_t>(slots_), 0);
    stamp_.assign(nn_, -1);
    if (in_.current_mode == CurrentMode::PerNeuron)
      for (int32_t i = 0; i < n_; ++i)
        if (in_.current[i] != 0) driven_.push_back(i);
  }

  FixedResult run() {
    for (int32_t i = 0; i < n_; ++i)
      if (!settled(i, 0)) enqueue(i, 0);
    add_driven(0);
    size_t ext_pos = 0;
    for (int64_t n = 0; n < steps_; ++n) {
      const int64_t slot = n % slots_;
      active_.swap(next_);
      next_.clear();
      fired_.clear();
      const int32_t* cur = current_row(n);
      for (int32_t i : active_) update(i, n, cur ? cur[i] : 0);
      std::sort(fired_.begin(), fired_.end());
      for (int32_t i : fired_) {
        r_.synaptic_events += syn_.row_ptr[i + 1] - syn_.row_ptr[i];
        for (int64_t j = syn_.row_ptr[i]; j < syn_.row_ptr[i + 1]; ++j)
          add((slot + syn_.delay[j]) % slots_, syn_.target[j], syn_.weight[j]);
      }
      for (; ext_pos < in_.spike_step.size() && in_.spike_step[ext_pos] == n; ++ext_pos) {
        add(slot, in_.spike_id[ext_pos], in_.spike_weight[ext_pos]);
        ++r_.external_events;
      }
      int64_t* acc = acc_.data() + static_cast<size_t>(slot) * nn_;
      uint16_t* mark = mark_.data() + static_cast<size_t>(slot) * nn_;
      const int32_t* tl = touched_.data() + static_cast<size_t>(slot) * (nn_ + 1);
      for (int64_t j = 0; j < count_[slot]; ++j) {
        const int32_t t = tl[j];
        const int64_t x = acc[t];
        acc[t] = 0;
        mark[t] = 0;
        if (x == 0) continue;
        if (model_ == Model::CUBA_LIF) {
          i_[t] = sat(i_[t] + x);
        } else if (n > ref_end_[t]) {
          v_[t] = sat(v_[t] + x);
        }
      }
      for (int32_t i : fired_) {
        v_[i] = p_.reset == ResetMode::Subtract ? sat(v_[i] - p_.v_th[i]) : p_.v_reset[i];
        ref_end_[i] = n + p_.t_ref[i];
        r_.spike_step.push_back(n);
        r_.spike_id.push_back(i);
      }
      r_.spikes += static_cast<int64_t>(fired_.size());
      for (int32_t i : active_)
        if (!settled(i, n + 1)) enqueue(i, n + 1);
      for (int64_t j = 0; j < count_[slot]; ++j)
        if (!settled(tl[j], n + 1)) enqueue(tl[j], n + 1);
      count_[slot] = 0;
      if (n + 1 < steps_) add_driven(n + 1);
    }
    r_.v = v_;
    r_.i_syn = i_;
    return std::move(r_);
  }

 private:
  int64_t sat(int64_t x) const { return std::min(std::max(x, lo_), hi_); }
  static int64_t decay(int64_t x, int64_t d) { return (x * d) >> kFixedShift; }  // arithmetic shift

  const int32_t* current_row(int64_t step) const {
    switch (in_.current_mode) {
      case CurrentMode::PerNeuron: return in_.current.data();
      case CurrentMode::PerStep: return in_.current.data() + step * n_;
      default: return nullptr;
    }
  }

  void update(int32_t i, int64_t n, int64_t ie) {
    ++r_.neuron_updates;
    if (model_ == Model::CUBA_LIF) i_[i] = sat(i_[i] - decay(i_[i], p_.decay_s[i]));
    if (n <= ref_end_[i]) return;  // refractory: v held
    switch (model_) {
      case Model::IF: v_[i] = sat(v_[i] + ie); break;
      case Model::LIF: v_[i] = sat(v_[i] - decay(v_[i], p_.decay_m[i]) + ie); break;
      case Model::CUBA_LIF: v_[i] = sat(v_[i] - decay(v_[i], p_.decay_m[i]) + i_[i] + ie); break;
      default: break;  // other models are rejected by validate_fixed()
    }
    if (v_[i] >= p_.v_th[i]) fired_.push_back(i);
  }

  bool settled(int32_t i, int64_t next_step) const {
    if (next_step <= ref_end_[i] || v_[i] >= p_.v_th[i]) return false;
    switch (model_) {
      case Model::IF: return true;
      case Model::LIF: return decay(v_[i], p_.decay_m[i]) == 0;
      default: return decay(i_[i], p_.decay_s[i]) == 0 && i_[i] - decay(v_[i], p_.decay_m[i]) == 0;
    }
  }

  void add(int64_t slot, int32_t t, int64_t w) {
    const size_t base = static_cast<size_t>(slot) * nn_;
    acc_[base + t] += w;
    int32_t* tl = touched_.data() + static_cast<size_t>(slot) * (nn_ + 1);
    tl[count_[slot]] = t;
    count_[slot] += mark_[base + t] == 0;
    mark_[base + t] = 1;
  }

  void enqueue(int32_t i, int64_t step) {
    if (stamp_[i] != step) {
      stamp_[i] = step;
      next_.push_back(i);
    }
  }

  void add_driven(int64_t step) {
    if (in_.current_mode == CurrentMode::PerNeuron) {
      for (int32_t i : driven_) enqueue(i, step);
    } else if (const int32_t* row = step < steps_ ? current_row(step) : nullptr) {
      for (int32_t i = 0; i < n_; ++i)
        if (row[i] != 0) enqueue(i, step);
    }
  }

  int32_t n_;
  size_t nn_;
  int64_t steps_;
  Model model_;
  const FixedParams& p_;
  const FixedSynapses& syn_;
  const FixedInput& in_;
  int64_t lo_ = 0, hi_ = 0, slots_ = 1;
  std::vector<int64_t> v_, i_, ref_end_, acc_, count_, stamp_;
  std::vector<uint16_t> mark_;
  std::vector<int32_t> touched_, active_, next_, fired_, driven_;
  FixedResult r_;
};

}  // namespace

std::string validate_fixed(const FixedNetwork& net, const FixedInput& in, int64_t n_steps) {
  const auto& p = net.params;
  if (p.state_bits < kMinStateBits || p.state_bits > kMaxStateBits)
    return "state_bits: expected an integer in [" + std::to_string(kMinStateBits) + ", " +
           std::to_string(kMaxStateBits) + "], got " +
           std::to_string(p.state_bits);
  const int32_t model = static_cast<int32_t>(p.model);
  if (!is_fixed_point_model(model))
    return "model: expected " + model_choices(true) + " in fixed point, got " + std::to_string(model);
  // The float network validator checks everything but the weights' type and the parameter ranges.
  Network shape;
  shape.num_neurons = net.num_neurons;
  shape.params.model = p.model;
  shape.params.reset = p.reset;
  const size_t nn = net.num_neurons >= 0 ? static_cast<size_t>(net.num_neurons) : 0;
  shape.params.v_th.assign(nn, 1.0);
  shape.params.v_reset.assign(nn, 0.0);
  shape.params.v_rest.assign(nn, 0.0);
  shape.params.alpha_m.assign(nn, 0.5);
  shape.params.alpha_s.assign(nn, 0.5);
  for (auto* unused : {&shape.params.beta, &shape.params.alpha_a, &shape.params.izh_ka, &shape.params.izh_b,
                       &shape.params.izh_d})
    unused->assign(nn, 0.0);
  shape.params.t_ref = p.t_ref;
  shape.synapses.row_ptr = net.synapses.row_ptr;
  shape.synapses.target = net.synapses.target;
  shape.synapses.weight.assign(net.synapses.weight.size(), 0.0);
  shape.synapses.delay = net.synapses.delay;
  std::string problem = validate_network(shape);
  if (!problem.empty()) return problem;
  const int64_t hi = (int64_t{1} << (p.state_bits - 1)) - 1, lo = -hi - 1;
  const std::pair<const char*, const std::vector<int64_t>*> states[] = {
      {"v_th", &p.v_th}, {"v_reset", &p.v_reset}, {"v0", &in.v0}, {"i0", &in.i0}};
  for (const auto& [name, vec] : states) {
    if (vec->size() != nn) return size_problem(name, vec->size(), nn, "one per neuron");
    problem = in_range(name, *vec, lo, hi, "a value of the m-bit state range (state_bits)");
    if (!problem.empty()) return problem;
  }
  const std::pair<const char*, const std::vector<int32_t>*> decays[] = {{"decay_m", &p.decay_m},
                                                                        {"decay_s", &p.decay_s}};
  const std::string decay_what = "a decay factor (fraction of " + std::to_string(kFixedDecayOne) + ")";
  for (const auto& [name, vec] : decays) {
    if (vec->size() != nn) return size_problem(name, vec->size(), nn, "one per neuron");
    problem = in_range(name, *vec, 0, kFixedDecayOne, decay_what.c_str());
    if (!problem.empty()) return problem;
  }
  // External input: the float validator checks steps, ids, sizes and modes.
  ExternalInput ext;
  ext.spike_step = in.spike_step;
  ext.spike_id = in.spike_id;
  ext.spike_weight.assign(in.spike_weight.size(), 0.0);
  ext.current_mode = in.current_mode;
  ext.current.assign(in.current.size(), 0.0);
  InitialState init;
  init.v.assign(nn, 0.0);
  init.i_syn.assign(nn, 0.0);
  return validate_run(net.num_neurons, ext, init, n_steps);
}

FixedResult simulate_fixed(const FixedNetwork& net, const FixedInput& in, int64_t n_steps) {
  const std::string problem = validate_fixed(net, in, n_steps);
  if (!problem.empty()) throw std::invalid_argument(problem);
  FixedEngine engine(net, in, n_steps);
  return engine.run();
}

}  // namespace snnas
