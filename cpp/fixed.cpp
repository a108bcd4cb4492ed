// Fixed-point mode (fixed.hpp): validation and an event-driven engine. The engine evaluates only the
// neurons that are not settled (still decaying, above threshold, refractory), that received input or
// that have current; settled neurons are exactly at a fixed point of their rule, so skipping them
// changes nothing.
#include "fixed.hpp"
#include "messages.hpp"

#include <algorithm>
#include <iterator>
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
    state_range(p_.state_bits, p_.v_overflow, v_lo_, v_hi_);
    state_range(p_.current_bits, p_.i_overflow, i_lo_, i_hi_);
    input_first_ = p_.order == StepOrder::DecayInputThresholdReset;
    keep_toward_zero_ = p_.rounding == DecayRounding::KeepTowardZero;
    closed_form_ = p_.rounding == DecayRounding::ClosedFormNearest;
    shift_ = p_.decay_bits;
    one_ = int64_t{1} << shift_;
    above_ = p_.threshold == ThresholdTest::Above;
    floor_ = !p_.v_min.empty();
    multi_ = p_.max_spikes > 1;
    if (multi_) count_k_.assign(nn_, 1);
    serial_ = p_.integration == Integration::PerEvent;
    if (input_first_) pending_.assign(nn_, 0);
    probe_ = in.probe.size();
    if (probe_) {
      r_.v_probe.resize(static_cast<size_t>(n_steps) * probe_);
      r_.i_syn_probe.resize(static_cast<size_t>(n_steps) * probe_);
    }
    v_ = in.v0;
    i_ = model_ == Model::CUBA_LIF ? in.i0 : std::vector<int64_t>(nn_, 0);
    ref_end_.assign(nn_, -1);
    int32_t max_delay = 0;
    for (int32_t d : syn_.delay) max_delay = std::max(max_delay, d);
    slots_ = int64_t{max_delay} + 1 + (serial_ ? 1 : 0);  // per_event: one more step of transit
    if (serial_) events_.resize(static_cast<size_t>(slots_));
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
    if (serial_) return run_per_event();
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
        const int64_t k = multi_ ? count_k_[i] : 1;
        r_.synaptic_events += k * (syn_.row_ptr[i + 1] - syn_.row_ptr[i]);
        for (int64_t j = syn_.row_ptr[i]; j < syn_.row_ptr[i + 1]; ++j)
          add((slot + syn_.delay[j]) % slots_, syn_.target[j], k * syn_.weight[j]);
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
        if (input_first_) {
          pending_[t] += x;  // enters the update of step n + 1
        } else if (model_ == Model::CUBA_LIF) {
          i_[t] = ov_i(i_[t] + x);
        } else if (n > ref_end_[t]) {
          v_[t] = ov_v(v_[t] + x);
        }
      }
      for (int32_t i : fired_) {
        const int64_t k = multi_ ? count_k_[i] : 1;
        v_[i] = p_.reset == ResetMode::Subtract ? ov_v(v_[i] - k * p_.v_th[i]) : p_.v_reset[i];
        ref_end_[i] = n + p_.t_ref[i];
        for (int64_t c = 0; c < k; ++c) {
          r_.spike_step.push_back(n);
          r_.spike_id.push_back(i);
        }
        r_.spikes += k;
      }
      if (floor_) {  // the lower bound, after the reset, on every neuron whose state may have changed
        for (int32_t i : active_) v_[i] = std::max(v_[i], p_.v_min[i]);
        for (int64_t j = 0; j < count_[slot]; ++j) v_[tl[j]] = std::max(v_[tl[j]], p_.v_min[tl[j]]);
      }
      record_probes(n);
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
  // Integration per_event (fixed.hpp): every event of a step applied in arrival order, each followed by the test.
  FixedResult run_per_event() {
    for (int32_t i = 0; i < n_; ++i)
      if (!settled(i, 0)) enqueue(i, 0);
    add_driven(0);
    size_t ext_pos = 0;
    std::vector<std::pair<int32_t, int64_t>> spiked;  // (neuron, spikes) of this step, in the order they fired
    for (int64_t n = 0; n < steps_; ++n) {
      const int64_t slot = n % slots_;
      active_.swap(next_);
      next_.clear();
      spiked.clear();
      const int32_t* cur = current_row(n);
      for (int32_t i : active_) {
        ++r_.neuron_updates;
        if (n <= ref_end_[i]) continue;  // refractory: v held
        const int64_t ie = cur ? cur[i] : 0;
        v_[i] = model_ == Model::LIF ? lif(v_[i], ie, p_.decay_m[i]) : ov_v(v_[i] + ie);
        test(i, spiked);
      }
      auto& events = events_[static_cast<size_t>(slot)];
      for (; ext_pos < in_.spike_step.size() && in_.spike_step[ext_pos] == n; ++ext_pos) {
        events.emplace_back(in_.spike_id[ext_pos], in_.spike_weight[ext_pos]);
        ++r_.external_events;
        ++in_flight_;
      }
      for (const auto& [t, w] : events) {
        if (n <= ref_end_[t]) continue;  // refractory since an earlier step: the event is lost
        v_[t] = ov_v(v_[t] + w);
        test(t, spiked);
      }
      // This step's events are delivered: no longer in flight (the reference counts them the same way).
      in_flight_ -= static_cast<int64_t>(events.size());
      // By ascending neuron; a neuron that fired more than once in the step sends its spikes together.
      std::stable_sort(spiked.begin(), spiked.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      size_t merged = 0;
      for (size_t e = 0; e < spiked.size(); ++e) {
        if (merged && spiked[merged - 1].first == spiked[e].first)
          spiked[merged - 1].second += spiked[e].second;
        else
          spiked[merged++] = spiked[e];
      }
      spiked.resize(merged);
      for (const auto& [i, k] : spiked) {
        for (int64_t c = 0; c < k; ++c) {
          r_.spike_step.push_back(n);
          r_.spike_id.push_back(i);
        }
        r_.spikes += k;
        const int64_t sent = k * (syn_.row_ptr[i + 1] - syn_.row_ptr[i]);
        r_.synaptic_events += sent;
        in_flight_ += sent;
        if (in_flight_ > kMaxEventsInFlight)
          throw std::runtime_error("integration per_event: more than " + std::to_string(kMaxEventsInFlight) +
                                   " events in flight at step " + std::to_string(n) +
                                   "; the network's activity grows without bound (every event fires again)");
        for (int64_t j = syn_.row_ptr[i]; j < syn_.row_ptr[i + 1]; ++j)
          for (int64_t c = 0; c < k; ++c)
            events_[static_cast<size_t>((slot + 1 + syn_.delay[j]) % slots_)].emplace_back(syn_.target[j],
                                                                                             syn_.weight[j]);
      }
      for (const auto& [i, k] : spiked) ref_end_[i] = n + p_.t_ref[i];
      record_probes(n);
      for (int32_t i : active_)
        if (!settled(i, n + 1)) enqueue(i, n + 1);
      for (const auto& [t, w] : events)
        if (!settled(t, n + 1)) enqueue(t, n + 1);
      events.clear();
      if (n + 1 < steps_) add_driven(n + 1);
    }
    r_.v = v_;
    r_.i_syn = i_;
    return std::move(r_);
  }

  // The probed neurons' v and i_syn at the end of step n (i_syn is 0 for IF and LIF).
  void record_probes(int64_t n) {
    if (!probe_) return;
    int64_t* pv = r_.v_probe.data() + static_cast<size_t>(n) * probe_;
    int64_t* pi = r_.i_syn_probe.data() + static_cast<size_t>(n) * probe_;
    for (size_t k = 0; k < probe_; ++k) {
      pv[k] = v_[in_.probe[k]];
      pi[k] = i_[in_.probe[k]];
    }
  }

  // The test after an update or an event (per_event): spikes and reset when v fires, then the lower bound.
  void test(int32_t i, std::vector<std::pair<int32_t, int64_t>>& spiked) {
    if (fires(i)) {
      const int64_t k = multi_ ? spike_count(i) : 1;
      v_[i] = p_.reset == ResetMode::Subtract ? ov_v(v_[i] - k * p_.v_th[i]) : p_.v_reset[i];
      spiked.emplace_back(i, k);
    }
    if (floor_) v_[i] = std::max(v_[i], p_.v_min[i]);
  }

  static int64_t overflow(int64_t x, Overflow kind, int32_t bits, int64_t lo, int64_t hi) {
    if (kind != Overflow::Wrap && kind != Overflow::WrapTwosComplement) return std::min(std::max(x, lo), hi);
    const int64_t mod = int64_t{1} << bits;  // into [lo, lo + 2^m - 1]: (x - lo) mod 2^m + lo
    int64_t r = (x - lo) % mod;
    return (r < 0 ? r + mod : r) + lo;
  }
  int64_t ov_v(int64_t x) const { return overflow(x, p_.v_overflow, p_.state_bits, v_lo_, v_hi_); }
  int64_t ov_i(int64_t x) const { return overflow(x, p_.i_overflow, p_.current_bits, i_lo_, i_hi_); }
  // The state left after one step's decay (fixed.hpp): |x| <= 2^(m-1), d <= 2^b and m + b <= 62, so the
  // products fit.
  int64_t keep(int64_t x, int64_t d) const {
    if (!keep_toward_zero_) return x - ((x * d) >> shift_);  // arithmetic shift
    const int64_t kept = x * (one_ - d);
    return kept >= 0 ? kept >> shift_ : -((-kept) >> shift_);
  }
  // LIF's v after a step with input a (x + I): the decay then a, or the closed form (fixed.hpp).
  int64_t lif(int64_t v, int64_t a, int64_t d) const {
    if (!closed_form_) return ov_v(keep(v, d) + a);
    const int64_t held = ov_v(a);
    return ov_v(held - (((one_ - d) * ov_v(held - v) + (one_ >> 1)) >> shift_));
  }
  bool fires(int32_t i) const { return above_ ? v_[i] > p_.v_th[i] : v_[i] >= p_.v_th[i]; }
  // Spikes of a neuron that fires, when several per step are allowed (v_th > 0, fixed.hpp).
  int64_t spike_count(int32_t i) const {
    const int64_t k = (above_ ? v_[i] - 1 : v_[i]) / p_.v_th[i];
    return std::min<int64_t>(std::max<int64_t>(k, 1), p_.max_spikes);
  }

  const int32_t* current_row(int64_t step) const {
    switch (in_.current_mode) {
      case CurrentMode::PerNeuron: return in_.current.data();
      case CurrentMode::PerStep: return in_.current.data() + step * n_;
      default: return nullptr;
    }
  }

  void update(int32_t i, int64_t n, int64_t ie) {
    ++r_.neuron_updates;
    int64_t x = 0;
    if (input_first_) {
      x = pending_[i];
      pending_[i] = 0;
    }
    if (model_ == Model::CUBA_LIF) i_[i] = ov_i(keep(i_[i], p_.decay_s[i]) + x);
    if (n <= ref_end_[i]) return;  // refractory: v held
    switch (model_) {
      case Model::IF: v_[i] = ov_v(v_[i] + x + ie); break;
      case Model::LIF: v_[i] = lif(v_[i], x + ie, p_.decay_m[i]); break;
      case Model::CUBA_LIF: v_[i] = ov_v(keep(v_[i], p_.decay_m[i]) + i_[i] + ie); break;
      default: break;  // other models are rejected by validate_fixed()
    }
    if (fires(i)) {
      fired_.push_back(i);
      if (multi_) count_k_[i] = spike_count(i);
    }
  }

  // Whether the rule without input leaves neuron i as it is in step next_step (fixed.hpp).
  bool settled(int32_t i, int64_t next_step) const {
    if (next_step <= ref_end_[i] || fires(i) || (input_first_ && pending_[i] != 0)) return false;
    if (floor_ && v_[i] < p_.v_min[i]) return false;
    switch (model_) {
      case Model::IF: return true;
      case Model::LIF: return lif(v_[i], 0, p_.decay_m[i]) == v_[i];
      default: {
        const int64_t i_next = ov_i(keep(i_[i], p_.decay_s[i]));
        return i_next == i_[i] && ov_v(keep(v_[i], p_.decay_m[i]) + i_next) == v_[i];
      }
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
  int64_t v_lo_ = 0, v_hi_ = 0, i_lo_ = 0, i_hi_ = 0, slots_ = 1, one_ = kFixedDecayOne;
  int32_t shift_ = kFixedShift;
  bool input_first_ = false, keep_toward_zero_ = false, closed_form_ = false, above_ = false, floor_ = false,
       multi_ = false, serial_ = false;
  std::vector<std::vector<std::pair<int32_t, int64_t>>> events_;  // per_event: each slot's events in order
  int64_t in_flight_ = 0;                                          // per_event: events held in events_
  size_t probe_ = 0;
  std::vector<int64_t> v_, i_, ref_end_, acc_, count_, stamp_, pending_, count_k_;
  std::vector<uint16_t> mark_;
  std::vector<int32_t> touched_, active_, next_, fired_, driven_;
  FixedResult r_;
};

}  // namespace

std::string validate_fixed(const FixedNetwork& net, const FixedInput& in, int64_t n_steps) {
  const auto& p = net.params;
  for (const auto& [name, bits] : {std::pair<const char*, int32_t>{"state_bits", p.state_bits},
                                   std::pair<const char*, int32_t>{"current_bits", p.current_bits}})
    if (bits < kMinStateBits || bits > kMaxStateBits)
      return std::string(name) + ": expected an integer in [" + std::to_string(kMinStateBits) + ", " +
             std::to_string(kMaxStateBits) + "], got " + std::to_string(bits);
  const int32_t model = static_cast<int32_t>(p.model);
  if (!is_fixed_point_model(model))
    return "model: expected " + model_choices(true) + " in fixed point, got " + std::to_string(model);
  // Each rule field must be a code of its table (codes.hpp).
  const auto bad_code = [](const char* name, int32_t code, int32_t count, const std::string& choices) {
    return code < 0 || code >= count ? std::string(name) + ": expected " + choices + ", got " + std::to_string(code)
                                     : std::string();
  };
  for (const std::string& problem :
       {bad_code("order", static_cast<int32_t>(p.order), std::size(kStepOrders), code_choices(kStepOrders)),
        bad_code("decay_rounding", static_cast<int32_t>(p.rounding), std::size(kDecayRoundings),
                 code_choices(kDecayRoundings)),
        bad_code("threshold_test", static_cast<int32_t>(p.threshold), std::size(kThresholdTests),
                 code_choices(kThresholdTests)),
        bad_code("v_overflow", static_cast<int32_t>(p.v_overflow), std::size(kOverflows), code_choices(kOverflows)),
        bad_code("i_overflow", static_cast<int32_t>(p.i_overflow), std::size(kOverflows), code_choices(kOverflows)),
        bad_code("integration", static_cast<int32_t>(p.integration), std::size(kIntegrations),
                 code_choices(kIntegrations))})
    if (!problem.empty()) return problem;
  if (p.integration == Integration::PerEvent && p.model == Model::CUBA_LIF)
    return "integration: per_event (1) applies to IF and LIF, got model 2 (CUBA_LIF)";
  if (p.rounding == DecayRounding::ClosedFormNearest && (p.model != Model::LIF || p.integration != Integration::Summed))
    return "decay_rounding: closed_form_nearest (2) applies to LIF (model 1) with integration summed (0), got model " +
           std::to_string(model) + " with integration " + std::to_string(static_cast<int32_t>(p.integration));
  if (p.decay_bits < kMinDecayBits || p.decay_bits > kMaxDecayBits)
    return "decay_bits: expected an integer in [" + std::to_string(kMinDecayBits) + ", " +
           std::to_string(kMaxDecayBits) + "], got " + std::to_string(p.decay_bits);
  if (std::max(p.state_bits, p.current_bits) + p.decay_bits > kMaxStateDecayBits)
    return "decay_bits: expected state_bits + decay_bits and current_bits + decay_bits <= " +
           std::to_string(kMaxStateDecayBits) + ", got " + std::to_string(p.state_bits) + ", " +
           std::to_string(p.current_bits) + " and " + std::to_string(p.decay_bits);
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
  int64_t v_lo = 0, v_hi = 0, i_lo = 0, i_hi = 0;
  state_range(p.state_bits, p.v_overflow, v_lo, v_hi);
  state_range(p.current_bits, p.i_overflow, i_lo, i_hi);
  if (p.max_spikes < 1 || p.max_spikes > kMaxSpikesPerStep)
    return "max_spikes: expected an integer in [1, " + std::to_string(kMaxSpikesPerStep) +
           "] (spikes a neuron may emit per step), got " + std::to_string(p.max_spikes);
  const std::pair<const char*, const std::vector<int64_t>*> states[] = {
      {"v_th", &p.v_th}, {"v_reset", &p.v_reset}, {"v0", &in.v0}, {"i0", &in.i0}, {"v_min", &p.v_min}};
  for (const auto& [name, vec] : states) {
    if (vec == &p.v_min && vec->empty()) continue;  // no lower bound
    if (vec->size() != nn) return size_problem(name, vec->size(), nn, "one per neuron");
    const bool current = std::string(name) == "i0";
    problem = in_range(name, *vec, current ? i_lo : v_lo, current ? i_hi : v_hi,
                       current ? "a value of the current's range (current_bits, i_overflow)"
                               : "a value of the membrane's range (state_bits, v_overflow)");
    if (!problem.empty()) return problem;
  }
  if (p.max_spikes > 1) {
    problem = in_range("v_th", p.v_th, 1, v_hi, "a positive threshold when max_spikes > 1, a value");
    if (!problem.empty()) return problem;
  }
  problem = in_range("probe", in.probe, 0, static_cast<int64_t>(nn) - 1, "a neuron index");
  if (!problem.empty()) return problem;
  const std::pair<const char*, const std::vector<int32_t>*> decays[] = {{"decay_m", &p.decay_m},
                                                                        {"decay_s", &p.decay_s}};
  const int64_t decay_one = int64_t{1} << p.decay_bits;
  const std::string decay_what = "a decay factor (fraction of 2^decay_bits = " + std::to_string(decay_one) + ")";
  for (const auto& [name, vec] : decays) {
    if (vec->size() != nn) return size_problem(name, vec->size(), nn, "one per neuron");
    problem = in_range(name, *vec, 0, decay_one, decay_what.c_str());
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
  return detail::run_fixed(net, in, n_steps);
}

FixedResult detail::run_fixed(const FixedNetwork& net, const FixedInput& in, int64_t n_steps) {
  FixedEngine engine(net, in, n_steps);
  return engine.run();
}

}  // namespace snnas
