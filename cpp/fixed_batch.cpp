// Batched fixed-point runs (fixed_batch.hpp): validation, then the samples on a few threads, each
// sample expanded to its external events and run by the fixed-point engine.
#include "fixed_batch.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "messages.hpp"

namespace snnas {
namespace {

constexpr int32_t kMaxThreads = 1024;

// The external events of sample s: every input spike's synapses, in the order of arrival; returns the
// number of synaptic input events. With integration summed a neuron's input of one step is one exact
// integer sum whatever its order (fixed.hpp), so each step's events are summed per target here (in
// int64, emitted in int32 parts) and the engine receives one event per target and step, not one per
// synapse: the same run, with far fewer events.
class Expander {
 public:
  Expander(const FixedBatch& b, size_t n, bool summed) : b_(b), summed_(summed) {
    if (summed_) {
      acc_.assign(n, 0);
      seen_.assign(n, 0);
    }
  }

  int64_t expand(int64_t s, int64_t n_steps, FixedInput& in) {
    in.spike_step.clear();
    in.spike_id.clear();
    in.spike_weight.clear();
    int64_t events = 0;
    const auto push = [&in](int64_t step, int32_t t, int32_t w) {
      in.spike_step.push_back(step);
      in.spike_id.push_back(t);
      in.spike_weight.push_back(w);
    };
    const int32_t* tg = b_.in_target.data();
    const int32_t* wt = b_.in_weight.data();
    const size_t n_in = static_cast<size_t>(b_.n_inputs);
    for (int64_t step = 0; step < n_steps; ++step) {
      const size_t row = (static_cast<size_t>(s) * static_cast<size_t>(n_steps) + static_cast<size_t>(step)) * n_in;
      int64_t step_events = 0;
      for (size_t i = 0; i < n_in; ++i)
        if (b_.count(row + i)) step_events += b_.in_ptr[i + 1] - b_.in_ptr[i];
      if (step_events == 0) continue;
      events += step_events;
      // Many events: sum into acc_ and read every neuron back; few: keep a list of the neurons touched.
      const bool dense = summed_ && step_events * 4 >= static_cast<int64_t>(acc_.size());
      for (size_t i = 0; i < n_in; ++i) {
        const int32_t c = b_.count(row + i);
        if (!c) continue;
        const int64_t j0 = b_.in_ptr[i], j1 = b_.in_ptr[i + 1];
        if (dense) {
          int64_t* acc = acc_.data();
          for (int64_t j = j0; j < j1; ++j) acc[tg[j]] += static_cast<int64_t>(c) * wt[j];
          continue;
        }
        for (int64_t j = j0; j < j1; ++j) {
          const int32_t t = tg[j];
          const int32_t w = c * wt[j];  // fits: validate_fixed_batch() bounds it
          if (!summed_) {
            push(step, t, w);
            continue;
          }
          acc_[t] += w;
          if (!seen_[t]) {
            seen_[t] = 1;
            touched_.push_back(t);
          }
        }
      }
      const auto emit = [&](int32_t t) {
        for (int64_t x = acc_[t]; x != 0;) {  // int32 parts of the exact sum
          const int64_t part = std::max<int64_t>(std::min<int64_t>(x, INT32_MAX), INT32_MIN + 1);
          push(step, t, static_cast<int32_t>(part));
          x -= part;
        }
        acc_[t] = 0;
      };
      if (dense) {
        for (int32_t t = 0; t < static_cast<int32_t>(acc_.size()); ++t)
          if (acc_[t] != 0) emit(t);
      }
      for (int32_t t : touched_) {
        emit(t);
        seen_[t] = 0;
      }
      touched_.clear();
    }
    return events;
  }

 private:
  const FixedBatch& b_;
  bool summed_;
  std::vector<int64_t> acc_;
  std::vector<uint8_t> seen_;
  std::vector<int32_t> touched_;
};

}  // namespace

std::string validate_fixed_batch(const FixedNetwork& net, const FixedInput& shared, const FixedBatch& b,
                                 int64_t n_steps, int32_t threads) {
  if (!shared.spike_step.empty())
    return "ext_step: a batch takes its input spikes from its raster; expected no ext events";
  if (!shared.probe.empty()) return "probe: a batch probes its outputs itself (membrane); expected no probe";
  std::string problem = validate_fixed(net, shared, n_steps);
  if (!problem.empty()) return problem;
  if (threads < 1 || threads > kMaxThreads)
    return "threads: expected an integer in [1, " + std::to_string(kMaxThreads) + "], got " + std::to_string(threads);
  const int64_t n = net.num_neurons;
  if (b.n_inputs < 0) return "in_ptr: expected at least one entry";
  const size_t m = b.in_target.size();
  problem = row_pointer_problem("in_ptr", b.in_ptr, static_cast<size_t>(b.n_inputs), m, "input synapses");
  if (!problem.empty()) return problem;
  if (b.in_weight.size() != m) return size_problem("in_weight", b.in_weight.size(), m, "one per input synapse");
  int64_t w_max = 0;
  for (size_t j = 0; j < m; ++j) {
    if (b.in_target[j] < 0 || b.in_target[j] >= n)
      return at("in_target", j, b.in_target[j]) + ": expected a neuron index in [0, " + std::to_string(n) + ")";
    w_max = std::max<int64_t>(w_max, std::llabs(b.in_weight[j]));
  }
  int64_t c_max = 0;
  problem = b.raster_problem(n_steps, b.n_inputs, &c_max);
  if (!problem.empty()) return problem;
  if (w_max * c_max > std::numeric_limits<int32_t>::max())
    return "raster: the largest spike count (" + std::to_string(c_max) + ") x the largest input weight (" +
           std::to_string(w_max) + ") exceeds the int32 range of an event's weight";
  if (b.n_out < 0 || b.out_begin < 0 || int64_t{b.out_begin} + b.n_out > n)
    return "out_begin, n_out: expected output neurons within [0, " + std::to_string(n) + "), got [" +
           std::to_string(b.out_begin) + ", " + std::to_string(int64_t{b.out_begin} + b.n_out) + ")";
  return "";
}

FixedBatchResult simulate_fixed_batch(const FixedNetwork& net, const FixedInput& shared, const FixedBatch& b,
                                      int64_t n_steps, int32_t threads) {
  const std::string problem = validate_fixed_batch(net, shared, b, n_steps, threads);
  if (!problem.empty()) throw std::invalid_argument(problem);
  const int64_t samples = b.samples;
  const size_t nn = static_cast<size_t>(net.num_neurons), n_out = static_cast<size_t>(b.n_out);
  FixedBatchResult r;
  r.out_spikes.assign(static_cast<size_t>(samples) * static_cast<size_t>(n_steps) * n_out, 0);
  if (b.membrane) r.v_sum.assign(static_cast<size_t>(samples) * n_out, 0);
  for (auto* c : {&r.synaptic_events, &r.external_events, &r.neuron_updates, &r.spikes})
    c->assign(static_cast<size_t>(samples), 0);
  r.neuron_spikes.assign(nn, 0);

  std::atomic<int64_t> next{0};
  std::mutex lock;  // guards failure and the reduction of neuron_spikes
  std::string failure;
  auto work = [&]() {
    FixedInput in = shared;
    if (b.membrane)
      for (int32_t o = 0; o < b.n_out; ++o) in.probe.push_back(b.out_begin + o);
    std::vector<int64_t> counts(nn, 0);
    Expander expander(b, nn, net.params.integration == Integration::Summed);
    for (int64_t s; (s = next.fetch_add(1)) < samples;) {
      const int64_t input_events = expander.expand(s, n_steps, in);
      FixedResult res;
      try {
        res = detail::run_fixed(net, in, n_steps);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> guard(lock);
        if (failure.empty()) failure = "sample " + std::to_string(s) + ": " + e.what();
        next = samples;  // stop every worker
        return;
      }
      int32_t* out = r.out_spikes.data() + static_cast<size_t>(s) * static_cast<size_t>(n_steps) * n_out;
      for (size_t k = 0; k < res.spike_id.size(); ++k) {
        const int32_t i = res.spike_id[k];
        ++counts[static_cast<size_t>(i)];
        if (i >= b.out_begin && i - b.out_begin < b.n_out)
          ++out[static_cast<size_t>(res.spike_step[k]) * n_out + static_cast<size_t>(i - b.out_begin)];
      }
      if (b.membrane) {
        int64_t* v = r.v_sum.data() + static_cast<size_t>(s) * n_out;
        for (int64_t t = 0; t < n_steps; ++t)
          for (size_t o = 0; o < n_out; ++o) v[o] += res.v_probe[static_cast<size_t>(t) * n_out + o];
      }
      r.synaptic_events[s] = res.synaptic_events;
      r.external_events[s] = input_events;  // the synaptic input events (the engine saw their sums)
      r.neuron_updates[s] = res.neuron_updates;
      r.spikes[s] = res.spikes;
    }
    std::lock_guard<std::mutex> guard(lock);
    for (size_t i = 0; i < nn; ++i) r.neuron_spikes[i] += counts[i];
  };
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(threads, samples));
  std::vector<std::thread> pool;
  for (int64_t w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (!failure.empty()) throw std::runtime_error(failure);
  return r;
}

}  // namespace snnas
