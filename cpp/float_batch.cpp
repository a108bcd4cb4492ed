// Batched float runs (float_batch.hpp): validation, then the samples on a few threads, each expanded to
// its external events and run by the prepared network.
#include "float_batch.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "messages.hpp"

namespace snnas {
namespace {

constexpr int32_t kMaxThreads = 1024;

// The external events of sample s, sorted by arrival step (a stable counting sort of the events in the
// order of their spikes), into in.spike_*.
class Expander {
 public:
  Expander(const FloatBatch& b, int64_t n_steps)
      : b_(b), steps_(n_steps), per_step_(static_cast<size_t>(n_steps) + 1) {}

  void expand(int64_t s, ExternalInput& in) {
    step_.clear();
    id_.clear();
    weight_.clear();
    const size_t n_in = static_cast<size_t>(b_.n_inputs);
    for (int64_t t = 0; t < steps_; ++t) {
      const size_t row = (static_cast<size_t>(s) * static_cast<size_t>(steps_) + static_cast<size_t>(t)) * n_in;
      for (size_t i = 0; i < n_in; ++i) {
        const int32_t c = b_.count(row + i);
        if (!c) continue;
        const double mult = c;
        for (int64_t j = b_.in_ptr[i]; j < b_.in_ptr[i + 1]; ++j) {
          const int64_t at = t + b_.in_delay[j];
          if (at >= steps_) continue;
          step_.push_back(at);
          id_.push_back(b_.in_target[j]);
          weight_.push_back(b_.in_weight[j] * mult);
        }
      }
    }
    std::fill(per_step_.begin(), per_step_.end(), 0);
    for (int64_t at : step_) ++per_step_[static_cast<size_t>(at) + 1];
    for (size_t k = 1; k < per_step_.size(); ++k) per_step_[k] += per_step_[k - 1];
    const size_t m = step_.size();
    in.spike_step.resize(m);
    in.spike_id.resize(m);
    in.spike_weight.resize(m);
    for (size_t k = 0; k < m; ++k) {
      const size_t pos = static_cast<size_t>(per_step_[static_cast<size_t>(step_[k])]++);
      in.spike_step[pos] = step_[k];
      in.spike_id[pos] = id_[k];
      in.spike_weight[pos] = weight_[k];
    }
  }

 private:
  const FloatBatch& b_;
  int64_t steps_;
  std::vector<int64_t> per_step_;
  std::vector<int64_t> step_;
  std::vector<int32_t> id_;
  std::vector<double> weight_;
};

}  // namespace

std::string validate_float_batch(int32_t num_neurons, const ExternalInput& shared, const InitialState& init,
                                 const FloatBatch& b, int64_t n_steps, int32_t threads) {
  if (!shared.spike_step.empty())
    return "ext_step: a batch takes its input spikes from its raster; expected no ext events";
  std::string problem = validate_run(num_neurons, shared, init, n_steps);
  if (!problem.empty()) return problem;
  if (threads < 1 || threads > kMaxThreads)
    return "threads: expected an integer in [1, " + std::to_string(kMaxThreads) + "], got " + std::to_string(threads);
  if (b.n_inputs < 0) return "in_ptr: expected at least one entry";
  const size_t m = b.in_target.size();
  problem = row_pointer_problem("in_ptr", b.in_ptr, static_cast<size_t>(b.n_inputs), m, "input synapses");
  if (!problem.empty()) return problem;
  if (b.in_weight.size() != m) return size_problem("in_weight", b.in_weight.size(), m, "one per input synapse");
  if (b.in_delay.size() != m) return size_problem("in_delay", b.in_delay.size(), m, "one per input synapse");
  for (size_t j = 0; j < m; ++j) {
    if (b.in_target[j] < 0 || b.in_target[j] >= num_neurons)
      return at("in_target", j, b.in_target[j]) + ": expected a neuron index in [0, " + std::to_string(num_neurons) +
             ")";
    if (!std::isfinite(b.in_weight[j])) return at("in_weight", j, b.in_weight[j]) + ": expected a finite weight";
    if (b.in_delay[j] < 0) return at("in_delay", j, b.in_delay[j]) + ": expected a delay >= 0 steps";
  }
  return b.raster_problem(n_steps, b.n_inputs);
}

FloatBatchResult run_float_batch(const PreparedNetwork& net, const ExternalInput& shared, const InitialState& init,
                                 const FloatBatch& b, int64_t n_steps, int32_t threads) {
  const std::string problem = validate_float_batch(net.num_neurons(), shared, init, b, n_steps, threads);
  if (!problem.empty()) throw std::invalid_argument(problem);
  const size_t samples = static_cast<size_t>(b.samples);
  std::vector<Result> runs(samples);
  FloatBatchResult r;
  for (auto* c : {&r.synaptic_events, &r.external_events, &r.neuron_updates}) c->assign(samples, 0);

  std::atomic<int64_t> next{0};
  std::mutex lock;  // guards failure
  std::string failure;
  auto work = [&]() {
    ExternalInput in = shared;
    Expander expander(b, n_steps);
    for (int64_t s; (s = next.fetch_add(1)) < b.samples;) {
      expander.expand(s, in);
      try {
        runs[static_cast<size_t>(s)] = net.run(in, init, n_steps);  // checks the events (a weight may overflow)
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> guard(lock);
        if (failure.empty()) failure = "sample " + std::to_string(s) + ": " + e.what();
        next = b.samples;  // stop every worker
        return;
      }
      Result& res = runs[static_cast<size_t>(s)];
      res.v.clear();  // what the batch does not return, freed early
      res.i_syn.clear();
      res.hidden.clear();
    }
  };
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(threads, b.samples));
  std::vector<std::thread> pool;
  for (int64_t w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (!failure.empty()) throw std::invalid_argument(failure);

  r.spike_ptr.assign(samples + 1, 0);
  for (size_t s = 0; s < samples; ++s)
    r.spike_ptr[s + 1] = r.spike_ptr[s] + static_cast<int64_t>(runs[s].spike_id.size());
  r.spike_step.reserve(static_cast<size_t>(r.spike_ptr.back()));
  r.spike_id.reserve(static_cast<size_t>(r.spike_ptr.back()));
  for (size_t s = 0; s < samples; ++s) {
    const Result& res = runs[s];
    r.spike_step.insert(r.spike_step.end(), res.spike_step.begin(), res.spike_step.end());
    r.spike_id.insert(r.spike_id.end(), res.spike_id.begin(), res.spike_id.end());
    r.synaptic_events[s] = res.counters.synaptic_events;
    r.external_events[s] = res.counters.external_events;
    r.neuron_updates[s] = res.counters.neuron_updates;
  }
  return r;
}

}  // namespace snnas
