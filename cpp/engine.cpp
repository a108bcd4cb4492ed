// Event-driven simulation engine: see engine.hpp and, for the rules it implements, neurons.hpp.
//
// Layout and regimes:
//   * Neuron state and parameters are stored as one array per field (structure of arrays), so that a
//     pass over many neurons streams only the fields it uses. The parameters the per-neuron catch-up of
//     the sparse regime reads are also packed in one record per neuron (prepared.hpp, NeuronHot).
//   * Delivery: one dense input accumulator per delay slot. While few events have reached a slot, each
//     event also appends its target to the slot's touched list (branch-free: the list grows when the
//     target's accumulator held zero); once a slot has received more than n/4 events it turns dense and
//     events become a bare scatter-add, and the slot is later read by one sequential scan. Either way a
//     neuron receives input in a step exactly when its summed input is nonzero (neurons.hpp).
//   * The input a non-spiking neuron receives in step n is taken at the start of step n+1, fused with
//     its phase 1 (see loop()). Phase 1 visits either the neurons listed as candidates (few were busy in
//     the previous step) or all neurons in index order (many were). In the first (list) regime, runs of
//     consecutive neurons under a constant current are visited as blocks of the branch-free dense kernel.
// No allocation happens in the step loop except for the growth of the output vectors.
#include "engine.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "dense_kernel.hpp"
#include "dispatch.hpp"
#include "huge_pages.hpp"
#include "neurons.hpp"
#include "prepared.hpp"

namespace snnas {
namespace {

constexpr size_t kPrefetchAhead = 2;     // rows of spiking neurons fetched ahead of the scatter
constexpr int32_t kBlock = 256;          // neurons per block of the dense pass
constexpr int64_t kVisitAhead = 8;       // touched neurons whose state the list visits prefetch ahead
constexpr int32_t kMinRun = 32;          // shortest run of driven neurons evaluated as a block

template <typename R>
class Engine {
 public:
  Engine(const PreparedNetwork::Impl& net, const ExternalInput& ext, const InitialState& init, int64_t n_steps)
      : n_(net.n), nn_(static_cast<size_t>(net.n)), steps_(n_steps), model_(net.model), subtract_(net.subtract),
        ext_(ext), syn_(net.syn), v_th_(tables(net).v_th), v_reset_(tables(net).v_reset),
        v_rest_(tables(net).v_rest), a_(tables(net).a), b_(tables(net).b), t_ref_(net.t_ref),
        pb_row_(tables(net).pb_row), pow_(tables(net).pow), hot_(tables(net).hot),
        weight_(weights(net)) {
    if constexpr (std::is_same_v<R, double>) assign_huge(v_, init.v.data(), init.v.data() + init.v.size());
    else v_.assign(init.v.begin(), init.v.end());
    if (model_ == Model::CUBA_LIF) i_.assign(init.i_syn.begin(), init.i_syn.end());
    else i_.assign(nn_, R(0));
    // External currents and spike weights in the precision of the run (copies only for float).
    if constexpr (std::is_same_v<R, double>) {
      current_ = ext_.current.data();
      ext_weight_ = ext_.spike_weight.data();
    } else {
      current_own_.assign(ext_.current.begin(), ext_.current.end());
      ext_weight_own_.assign(ext_.spike_weight.begin(), ext_.spike_weight.end());
      current_ = current_own_.data();
      ext_weight_ = ext_weight_own_.data();
    }
    last_.assign(nn_, -1);
    ref_end_.assign(nn_, -1);
    block_ref_max_.assign((nn_ + kBlock - 1) / kBlock + 1, -1);
    slots_ = static_cast<int64_t>(syn_.max_delay) + 1;
    const size_t ring = static_cast<size_t>(slots_) * nn_;
    assign_huge(buf_, ring, R(0));  // a scatter over a large accumulator would miss the TLB per event
    touched_.assign(static_cast<size_t>(slots_) * (nn_ + 1), 0);  // stride n + 1: see scatter()
    touched_count_.assign(static_cast<size_t>(slots_), 0);
    slot_events_.assign(static_cast<size_t>(slots_), 0);
    slot_dense_.assign(static_cast<size_t>(slots_), 0);
    want_.assign(nn_, 0);
    fire_flag_.assign(nn_, 0);
    driven_flag_.assign(nn_, 0);
    zeros_.assign(nn_, 0.0);
    no_input_.assign(nn_, 0.0);
    fired_buf_.assign(nn_ + 1, 0);
    cand_.reserve(nn_);
    next_cand_.reserve(nn_);
    fired_.reserve(nn_);
    // Blocks of the dense pass whose neurons share their parameters (bitwise): a population, typically.
    const size_t blocks = (nn_ + kBlock - 1) / kBlock;
    block_uniform_.assign(blocks, 0);
    block_full_step_.assign(blocks, -2);
    block_driven_.assign(blocks, 0);
    block_params_.assign(4 * blocks, R(0));
    for (size_t k = 0; k < blocks; ++k) {
      const size_t lo = k * kBlock, hi = std::min(nn_, lo + kBlock);
      const std::vector<R>* fields[4] = {&v_th_, &v_rest_, &a_, &b_};
      bool same = true;
      for (int f = 0; f < 4 && same; ++f) {
        const std::vector<R>& x = *fields[f];
        if (x.size() < nn_) continue;  // a field the model has no use for (kept empty)
        same = std::all_of(x.begin() + lo, x.begin() + hi,
                           [&](R y) { return std::memcmp(&y, &x[lo], sizeof y) == 0; });
        block_params_[4 * k + f] = x[lo];
      }
      block_uniform_[k] = same;
    }
    if (ext_.current_mode == CurrentMode::PerNeuron) {
      for (int32_t i = 0; i < n_; ++i)
        if (current_[i] != 0.0) driven_flag_[i] = 1;
      for (size_t k = 0; k < blocks; ++k) {
        const auto first = driven_flag_.begin() + static_cast<std::ptrdiff_t>(k * kBlock);
        const auto last = driven_flag_.begin() + static_cast<std::ptrdiff_t>(std::min(nn_, (k + 1) * kBlock));
        block_driven_[k] = std::all_of(first, last, [](uint16_t f) { return f != 0; });
      }
      // Runs of consecutive driven neurons (an input population), cut at the blocks of the dense pass.
      for (int32_t i = 0; i < n_;) {
        if (!driven_flag_[i]) {
          ++i;
          continue;
        }
        int32_t j = i;
        while (j < n_ && driven_flag_[j] && (j == i || j % kBlock != 0)) ++j;
        if (j - i >= kMinRun) {
          runs_.push_back({i, j});
          run_of_.resize(nn_, 0);
          std::fill(run_of_.begin() + i, run_of_.begin() + j, static_cast<int32_t>(runs_.size()));
          run_neurons_ += j - i;
        }
        i = j;
      }

    }
  }

  Result run() {
    switch (model_) {
      case Model::IF: loop<Model::IF>(); break;
      case Model::LIF: loop<Model::LIF>(); break;
      case Model::CUBA_LIF: loop<Model::CUBA_LIF>(); break;
      default: break;  // stepped models run in stepped.cpp
    }
    return std::move(result_);
  }

 private:
  // The parameter tables of precision R: the network's own (double) or its rounded copies (float).
  struct Tables {
    const std::vector<R>&v_th, &v_reset, &v_rest, &a, &b;
    const std::vector<int32_t>& pb_row;
    const detail::PowTable& pow;
    const std::vector<detail::NeuronHot<R>>& hot;
  };
  static Tables tables(const PreparedNetwork::Impl& net) {
    if constexpr (std::is_same_v<R, double>) {
      return Tables{net.v_th, net.v_reset, net.v_rest, net.a, net.b, net.pb_row, net.pow, net.hot};
    } else {
      const detail::SingleTables& s = *net.single;
      return Tables{s.v_th, s.v_reset, s.v_rest, s.a, s.b, s.pb_row, s.pow, s.hot};
    }
  }
  static const R* weights(const PreparedNetwork::Impl& net) {
    if constexpr (std::is_same_v<R, double>) return net.syn.weight.data();
    else return net.single->weight.data();
  }

  // Raw pointers to the arrays the per-neuron functions use, copied into a local of loop(): unlike
  // members they need no reload after an opaque call (a vector growing, pow()).
  // hot holds v_th, v_rest, a and the powers of a of each neuron in one record (prepared.hpp).
  struct View {
    R* v;
    R* i;
    const detail::NeuronHot<R>* hot;
    const R* b;
    int32_t* last;
    const int32_t* ref_end;
    uint16_t* want;
  };

  View view() {
    return View{v_.data(), i_.data(), hot_.data(), b_.data(), last_.data(), ref_end_.data(), want_.data()};
  }

  const R* current_row(int64_t step) const {
    switch (ext_.current_mode) {
      case CurrentMode::PerNeuron: return current_;
      case CurrentMode::PerStep: return current_ + step * n_;
      default: return nullptr;
    }
  }

  // The state v, is (i_syn, CUBA_LIF) of neuron i, with parameters p, brought forward over k >= 1 idle
  // steps (neurons.hpp, "IDLE NEURONS"). The per-neuron functions below work on local copies of the
  // state, written back once, so that the compiler need not reload what a store might have changed.
  template <Model M>
  void idle_state(const detail::NeuronHot<R>& p, int32_t i, int64_t k, R& v, R& is) const {
    if (k == 1) {
      if constexpr (M == Model::IF) v = if_step(v, R(0));
      if constexpr (M == Model::LIF) v = lif_step(v, p.v_rest, p.a, R(0));
      if constexpr (M == Model::CUBA_LIF) cuba_step(v, is, p.v_rest, p.a, b_[i], R(0));
    } else {
      if constexpr (M == Model::LIF) v = lif_idle(v, p.v_rest, p.pa(k));
      if constexpr (M == Model::CUBA_LIF)
        cuba_idle(v, is, p.v_rest, p.a, b_[i], k, p.pa(k), static_cast<R>(pow_.pow(pb_row_[i], k)));
    }
  }

  // Bring neuron i forward over k >= 1 idle steps.
  template <Model M>
  void idle(const View& h, int32_t i, int64_t k) const {
    R v = h.v[i], is = h.i[i];
    idle_state<M>(h.hot[i], i, k, v, is);
    h.v[i] = v;
    if constexpr (M == Model::CUBA_LIF) h.i[i] = is;
  }

  // Not settled at the end of step next_step - 1 with state v, is, refractory until step ref_end and
  // synaptic decay b (CUBA_LIF): must be evaluated in step next_step.
  template <Model M>
  static bool unsettled_state(const detail::NeuronHot<R>& p, R b, R v, R is, int32_t ref_end,
                              int64_t next_step) {
    if (next_step <= ref_end) return true;
    if constexpr (M == Model::CUBA_LIF) return !cuba_settled(v, is, p.v_th, p.v_rest, p.a, b);
    return !(v < p.v_th);
  }

  // Not settled at the end of step next_step - 1: must be evaluated in step next_step.
  template <Model M>
  static bool unsettled(const View& h, int32_t i, int64_t next_step) {
    return unsettled_state<M>(h.hot[i], M == Model::CUBA_LIF ? h.b[i] : R(0), h.v[i], h.i[i], h.ref_end[i],
                              next_step);
  }

  // Add k weights (w[j], or the one weight w0 when w is null) to the accumulators of their targets in
  // delay slot s. In list mode the target is always written at the end of the touched list, which only
  // grows if the target's accumulator held zero before the event (hence the stride n + 1): a target
  // with a nonzero accumulator is listed already, and one listed whose sum returned to zero may be
  // listed twice (the visits skip repeats). A slot whose list could overflow turns dense first, and so
  // does every slot written while the run is in the dense regime (dense_now_): the step that reads it
  // will most likely be dense too and never read the list (if it is not, the slot makes that step
  // dense: the same values, one pass over all neurons).
  void scatter(size_t s, const int32_t* __restrict tgt, const R* __restrict w, R w0, int64_t k) {
    R* __restrict b = buf_.data() + s * nn_;
    if (!slot_dense_[s] && (dense_now_ || touched_count_[s] + k > static_cast<int64_t>(nn_))) slot_dense_[s] = 1;
    if (!slot_dense_[s]) {
      int32_t* __restrict tl = touched_.data() + s * (nn_ + 1);
      int64_t cnt = touched_count_[s];
      for (int64_t j = 0; j < k; ++j) {
        const int32_t t = tgt[j];
        const R old = b[t];
        b[t] = old + (w ? w[j] : w0);
        tl[cnt] = t;
        cnt += old == 0.0;
      }
      touched_count_[s] = cnt;
      slot_events_[s] += k;
      if (slot_events_[s] > static_cast<int64_t>(nn_ / 4)) slot_dense_[s] = 1;
    } else if (w) {
      for (int64_t j = 0; j < k; ++j) b[tgt[j]] += w[j];
    } else {
      for (int64_t j = 0; j < k; ++j) b[tgt[j]] += w0;
    }
  }

  // Phase 3 of step m for neuron i (not in S_m), which received x != 0; run at the start of step m+1.
  template <Model M>
  void receive(const View& h, int32_t i, R x, int32_t m) const {
    const detail::NeuronHot<R> p = h.hot[i];
    R v = h.v[i], is = R(0);
    if constexpr (M == Model::CUBA_LIF) is = h.i[i];
    const int64_t k = int64_t{m} - h.last[i];
    if (k >= 1) idle_state<M>(p, i, k, v, is);
    h.last[i] = m;
    const int32_t re = h.ref_end[i];
    if constexpr (M == Model::CUBA_LIF) {
      is = is + x;
      h.i[i] = is;
    } else {
      if (m > re) v = v + x;
    }
    h.v[i] = v;
    h.want[i] = unsettled_state<M>(p, M == Model::CUBA_LIF ? h.b[i] : R(0), v, is, re, int64_t{m} + 1);
  }

  // Phases 1 and 2 of step n for neuron i; sets want for step n+1 (fired: decided after the reset).
  template <Model M>
  void evaluate(const View& h, int32_t i, int32_t n, const R* cur, bool collect) {
    if (collect) next_cand_.push_back(i);
    const detail::NeuronHot<R> p = h.hot[i];
    const int32_t re = h.ref_end[i];
    R v = h.v[i], is = R(0), b = R(0);
    if constexpr (M == Model::CUBA_LIF) {
      is = h.i[i];
      b = h.b[i];
    }
    if (n <= re) {  // refractory: v held, CUBA current still decays
      if constexpr (M == Model::CUBA_LIF) {
        is = is * b;
        h.i[i] = is;
      }
      h.last[i] = n;
      h.want[i] = unsettled_state<M>(p, b, v, is, re, int64_t{n} + 1);
      return;
    }
    const int64_t k = int64_t{n} - 1 - h.last[i];
    if (k >= 1) idle_state<M>(p, i, k, v, is);
    const R ie = cur ? cur[i] : R(0);
    if constexpr (M == Model::IF) v = if_step(v, ie);
    if constexpr (M == Model::LIF) v = lif_step(v, p.v_rest, p.a, ie);
    if constexpr (M == Model::CUBA_LIF) cuba_step(v, is, p.v_rest, p.a, b, ie);
    h.last[i] = n;
    h.v[i] = v;
    if constexpr (M == Model::CUBA_LIF) h.i[i] = is;
    if (v >= p.v_th) {
      fired_.push_back(i);
      h.want[i] = 1;
    } else {
      h.want[i] = unsettled_state<M>(p, b, v, is, re, int64_t{n} + 1);
    }
  }

  // The start of step n for neuron i: receive() the input of step n-1, then evaluate() if needed.
  // Returns 1 if the neuron was evaluated.
  template <Model M>
  int64_t visit(const View& h, int32_t i, int32_t n, R* prev, const R* cur, bool collect,
                int64_t& received) {
    if (prev && prev[i] != 0.0) {
      const R x = prev[i];
      prev[i] = 0.0;
      receive<M>(h, i, x, n - 1);
      ++received;
    }
    if (!(h.want[i] || (cur && cur[i] != 0.0))) return 0;
    evaluate<M>(h, i, n, cur, collect);
    return 1;
  }

  // visit() for every neuron in index order, written for the dense regime: one sequential pass over the
  // arrays, selects instead of branches where outcomes vary between neurons; same values as visit().
  template <Model M>
  SNNAS_HOT void dense_pass(int32_t n, R* prev_or_null, const R* cur_or_null, bool collect,
                            const int32_t* listed = nullptr, int64_t n_listed = 0) {
    R* __restrict v = v_.data();
    R* __restrict is = i_.data();
    const R* __restrict vth = v_th_.data();
    const R* __restrict vrest = v_rest_.data();
    const R* __restrict am = a_.data();
    const R* __restrict bs = b_.data();
    int32_t* __restrict last = last_.data();
    const int32_t* __restrict ref_end = ref_end_.data();
    uint16_t* __restrict want = want_.data();
    // Stand-ins for missing arrays, distinct so that the restrict promises hold; no_input_ is only ever
    // overwritten with zeros.
    R* __restrict prev = prev_or_null ? prev_or_null : no_input_.data();
    const R* __restrict cur = cur_or_null ? cur_or_null : zeros_.data();
    const bool per_step = ext_.current_mode == CurrentMode::PerStep;
    const uint16_t* __restrict drv = driven_flag_.data();
    int32_t* __restrict fb = fired_buf_.data();
    const View h{v, is, hot_.data(), bs, last, ref_end, want};  // based on them
    int64_t updates = 0, received = 0;
    size_t nf = 0;
    const int32_t m = n - 1;
    // A sparse accumulator (its touched list complete): the driven blocks updated throughout in step n-1
    // take their input from the list, and their kernel then reads neither the accumulator nor want.
    bool given = false;
    if constexpr (M == Model::IF || M == Model::LIF) {
      if (listed && prev_or_null && !collect && !per_step && n_listed * 4 < static_cast<int64_t>(n_)) {
        given = true;
        give_listed_input(prev, listed, n_listed, n, received, v, ref_end, [this, m](int32_t t) {
          const size_t b = static_cast<size_t>(t / kBlock);
          return block_driven_[b] && block_full_step_[b] == m;
        });
      }
    }
    for (int32_t lo = 0; lo < n_; lo += kBlock) {
      const int32_t hi = std::min<int32_t>(n_, lo + kBlock);
      if (!collect) {
        // A block whose every neuron was updated by the kernel in step n-1 has last_ == n-1 throughout.
        int32_t& full = block_full_step_[static_cast<size_t>(lo / kBlock)];
        if constexpr (M == Model::IF || M == Model::LIF) {
          if (given && full == m && block_driven_[static_cast<size_t>(lo / kBlock)]) {
            updates += driven_run<M>(lo, hi, n, prev, cur, fb, nf);
            full = n;
            continue;
          }
        }
        if (full == m || fast_block_ok(lo, hi, m, prev, cur, per_step)) {
          const int64_t u =
              fast_block<M>(lo, hi, n, prev, cur, per_step, block_driven_[static_cast<size_t>(lo / kBlock)], received);
          full = u == hi - lo ? n : -2;
          updates += u;
          if (block_fires_) nf = collect_fired(lo, hi, fb, nf);
          continue;
        }
      }
    for (int32_t i = lo; i < hi; ++i) {
      const R x = prev[i];
      prev[i] = 0.0;
      const bool got = x != 0.0;  // phase 3 of step m
      if (got && m - last[i] >= 1) idle<M>(h, i, m - last[i]);
      received += got;
      R vi = v[i], ii = is[i];
      if constexpr (M == Model::CUBA_LIF) {
        ii = got ? ii + x : ii;
      } else {
        vi = (got && m > ref_end[i]) ? vi + x : vi;
      }
      last[i] = got ? m : last[i];
      bool w = want[i] != 0;
      if constexpr (M == Model::CUBA_LIF) {
        w = got ? (n <= ref_end[i] || !cuba_settled(vi, ii, vth[i], vrest[i], am[i], bs[i])) : w;
      } else {
        w = got ? (n <= ref_end[i] || !(vi < vth[i])) : w;
      }
      const bool driven = per_step ? cur[i] != 0.0 : drv[i] != 0;
      if (!(w || driven)) {
        v[i] = vi;
        is[i] = ii;
        want[i] = 0;
        continue;
      }
      ++updates;  // phases 1 and 2 of step n
      if (collect) next_cand_.push_back(i);
      if (n - 1 - last[i] >= 1) {  // idle before (never while refractory)
        v[i] = vi;
        is[i] = ii;
        idle<M>(h, i, n - 1 - last[i]);
        vi = v[i];
        ii = is[i];
      }
      const bool refractory = n <= ref_end[i];
      const R ie = cur[i];
      R vn = vi;
      if constexpr (M == Model::IF) vn = if_step(vi, ie);
      if constexpr (M == Model::LIF) vn = lif_step(vi, vrest[i], am[i], ie);
      if constexpr (M == Model::CUBA_LIF) {
        ii = ii * bs[i];  // as in cuba_step(), and while refractory
        const R u = vrest[i] + ii + ie;
        vn = u + (vi - u) * am[i];
      }
      vi = refractory ? vi : vn;
      last[i] = n;
      const bool fire = !refractory && vi >= vth[i];
      fb[nf] = i;
      nf += fire;
      bool later = int64_t{n} + 1 <= ref_end[i];
      if constexpr (M == Model::CUBA_LIF) {
        later = later || !cuba_settled(vi, ii, vth[i], vrest[i], am[i], bs[i]);
      } else {
        later = later || !(vi < vth[i]);
      }
      want[i] = fire || later;
      v[i] = vi;
      is[i] = ii;
    }
    }
    fired_.insert(fired_.end(), fb, fb + nf);
    updates_ += updates;
    received_ += received;
  }

  // Whether every neuron of [lo, hi) has last_ == m or nothing to do in step m + 1 (no input pending,
  // not wanted, not driven): the condition of fast_block(). Branch-free, so that GCC vectorises it.
  SNNAS_HOT bool fast_block_ok(int32_t lo, int32_t hi, int32_t m, const R* __restrict prev,
                               const R* __restrict cur, bool per_step) const {
    const int32_t* __restrict last = last_.data();
    const uint16_t* __restrict want = want_.data();
    const uint16_t* __restrict drv = driven_flag_.data();
    int32_t bad = 0;
    if (per_step) {
      for (int32_t i = lo; i < hi; ++i)
        bad |= static_cast<int32_t>(last[i] != m) &
               (static_cast<int32_t>(prev[i] != R(0)) | static_cast<int32_t>(want[i] != 0) |
                static_cast<int32_t>(cur[i] != R(0)));
    } else {
      for (int32_t i = lo; i < hi; ++i)
        bad |= static_cast<int32_t>(last[i] != m) &
               (static_cast<int32_t>(prev[i] != R(0)) | static_cast<int32_t>(want[i] != 0) |
                static_cast<int32_t>(drv[i] != 0));
    }
    return bad == 0;
  }

  // Append to fb[nf..] the neurons of [lo, hi) whose fire_flag_ is set, in index order; returns the new
  // count. Spikes are rare in a step, so the flags are read four at a time and zero words skipped.
  size_t collect_fired(int32_t lo, int32_t hi, int32_t* fb, size_t nf) const {
    const uint16_t* ff = fire_flag_.data();
    int32_t i = lo;
    for (; i + 4 <= hi; i += 4) {
      uint64_t word;
      std::memcpy(&word, ff + i, sizeof word);
      if (word == 0) continue;
      for (int32_t k = 0; k < 4; ++k) {
        fb[nf] = i + k;
        nf += ff[i + k];
      }
    }
    for (; i < hi; ++i)
      if (ff[i]) fb[nf++] = i;
    return nf;
  }

  // The input of step n-1 of the listed neurons (the slot's touched list: a handful in a sparse step) that
  // accept(t) names, given with the arithmetic of driven_block_kernel()'s first lines, so that the kernel
  // need not read the whole accumulator (driven_run()). A neuron listed twice finds its input taken.
  // v and ref_end: the caller's pointers to v_ and ref_end_ (dense_pass() holds restrict-qualified ones).
  template <typename Accept>
  void give_listed_input(R* prev, const int32_t* listed, int64_t n_listed, int32_t n, int64_t& received,
                         R* v, const int32_t* ref_end, Accept accept) const {
    const int32_t m = n - 1;
    for (int64_t j = 0; j < n_listed; ++j) {
      const int32_t t = listed[j];
      const R x = prev[t];
      if (x == 0.0 || !accept(t)) continue;
      prev[t] = 0.0;
      ++received;
      if (m > ref_end[t]) v[t] = v[t] + x;
    }
  }

  // Step n of the run [lo, hi) of driven IF or LIF neurons (within one block) whose input of step n-1 has
  // been given (give_listed_input()), so that their accumulator entries in prev are zero:
  // driven_block_kernel() without reading the accumulator nor ref_end when the block shares its parameters
  // and none of its neurons can be refractory (its largest ref_end < n), the common case of a driven
  // population between spikes; else the plain driven kernel, which finds no input. Returns the updates.
  // The neurons that fired are appended to fb[nf..] in index order.
  template <Model M>
  int64_t driven_run(int32_t lo, int32_t hi, int32_t n, R* prev, const R* cur, int32_t* fb, size_t& nf) {
    int64_t counts[3] = {0, 0, 0};
    const size_t blk = static_cast<size_t>(lo / kBlock);
    const R* const uni = block_params_.data() + 4 * blk;
    if (block_uniform_[blk] && block_ref_max_[blk] < n) {
      detail::driven_block_kernel<M, R, true, false, false>(lo, hi, n, nullptr, cur, v_.data(), nullptr, nullptr,
                                                            nullptr, uni, last_.data(), nullptr, nullptr, counts);
      if (counts[2]) {  // no flags: a neuron fired exactly when its v reached the block's threshold
        const R th = uni[0];
        for (int32_t i = lo; i < hi; ++i) {
          fb[nf] = i;
          nf += v_[i] >= th;
        }
      }
      return counts[0];
    } else if (block_uniform_[blk]) {
      detail::driven_block_kernel<M, R, true>(lo, hi, n, prev, cur, v_.data(), nullptr, nullptr, nullptr, uni,
                                              last_.data(), ref_end_.data(), fire_flag_.data(), counts);
    } else {
      detail::driven_block_kernel<M, R, false>(lo, hi, n, prev, cur, v_.data(), v_th_.data(), v_rest_.data(),
                                               a_.data(), nullptr, last_.data(), ref_end_.data(), fire_flag_.data(),
                                               counts);
    }
    if (counts[2]) nf = collect_fired(lo, hi, fb, nf);
    return counts[0];
  }

  // dense_pass() for neurons [lo, hi), all of which have last_ == n-1 or nothing to do in step n
  // (no input pending, not wanted, not driven): no idle catch-up is needed, and fast_block_kernel()
  // computes the same values as visit() without branches. Returns the updates.
  template <Model M>
  // all_driven: every neuron of [lo, hi) has a constant nonzero current (driven_block_kernel()).
  int64_t fast_block(int32_t lo, int32_t hi, int32_t n, R* prev, const R* cur, bool per_step, bool all_driven,
                     int64_t& received) {
    int64_t counts[3] = {0, 0, 0};
    const size_t blk = static_cast<size_t>(lo / kBlock);
    if constexpr (M == Model::IF || M == Model::LIF) {
      if (all_driven && !per_step) {
        if (block_uniform_[blk])
          detail::driven_block_kernel<M, R, true>(lo, hi, n, prev, cur, v_.data(), nullptr, nullptr, nullptr,
                                                  block_params_.data() + 4 * blk, last_.data(), ref_end_.data(),
                                                  fire_flag_.data(), counts);
        else
          detail::driven_block_kernel<M, R, false>(lo, hi, n, prev, cur, v_.data(), v_th_.data(), v_rest_.data(),
                                                   a_.data(), nullptr, last_.data(), ref_end_.data(),
                                                   fire_flag_.data(), counts);
        received += counts[1];
        block_fires_ = counts[2];
        return counts[0];
      }
    }
    if (block_uniform_[blk]) {
      detail::fast_block_kernel<M, R, true>(lo, hi, n, per_step, prev, cur, v_.data(), i_.data(), nullptr, nullptr,
                                            nullptr, nullptr, block_params_.data() + 4 * blk, last_.data(),
                                            ref_end_.data(), want_.data(), fire_flag_.data(), driven_flag_.data(),
                                            counts);
    } else {
      detail::fast_block_kernel<M, R, false>(lo, hi, n, per_step, prev, cur, v_.data(), i_.data(), v_th_.data(),
                                             v_rest_.data(), a_.data(), b_.data(), nullptr, last_.data(),
                                             ref_end_.data(), want_.data(), fire_flag_.data(), driven_flag_.data(),
                                             counts);
    }
    received += counts[1];
    block_fires_ = counts[2];
    return counts[0];
  }

  // Step n runs phase 3 of step n-1 for the neurons that did not spike in n-1 (their input waited in
  // the accumulator of step n-1), then phases 1 and 2 of step n, then scatters the spikes of S_n into
  // the delay slots, gives the neurons of S_n their input of step n at once and resets them (phases 3
  // and 4). This is the arithmetic of neurons.hpp in its order; the accumulator of step n-1 is read
  // before any spike of step n can reach its slot again.
  template <Model M>
  void loop() {
    const View h = view();
    bool listed = true;  // cand_ lists every neuron with want_ set or current in the coming step
    for (int32_t i = 0; i < n_; ++i) {
      want_[i] = unsettled<M>(h, i, 0);
      if (want_[i]) cand_.push_back(i);
    }
    if (const R* cur0 = steps_ > 0 ? current_row(0) : nullptr)
      for (int32_t i = 0; i < n_; ++i)
        if (cur0[i] != 0.0 && !want_[i]) cand_.push_back(i);
    size_t ext_pos = 0;
    const size_t n_ext = ext_.spike_step.size();
    size_t busy = 0;  // neurons evaluated or receiving input in the previous step

    for (int32_t n = 0; n <= steps_; ++n) {
      const int64_t pslot = (n + slots_ - 1) % slots_;  // accumulator of step n-1
      R* const prev = n > 0 ? buf_.data() + static_cast<size_t>(pslot) * nn_ : nullptr;
      const int32_t* const ptl = touched_.data() + static_cast<size_t>(pslot) * (nn_ + 1);
      const int64_t pcnt = n > 0 ? touched_count_[pslot] : 0;
      const bool prev_dense = n > 0 && slot_dense_[pslot];

      if (n == steps_) {  // after the last step: only the pending input
        for (int32_t i = 0; i < n_ && prev; ++i)
          if (prev[i] != 0.0) receive<M>(h, i, prev[i], n - 1);
        break;
      }

      const R* cur = current_row(n);
      const bool collect = busy * 8 < nn_;  // collect the candidates of step n+1 in a list
      // Dense slots skip the touched list; but a dense pass over few events (every neuron driven, few
      // spikes) gains from the list: its driven blocks then take their input from it (dense_pass()).
      dense_now_ = !collect && step_events_ * 8 > static_cast<int64_t>(nn_);
      next_cand_.clear();
      fired_.clear();
      const int64_t updates_before = updates_, received_before = received_;
      int64_t updates = 0, received = 0;  // list path

      const bool dense = !listed || prev_dense;
      if (!dense) {
        // Runs of driven neurons first, as blocks: each of their neurons is evaluated in every step (so
        // last_ == n-1), which is the condition of fast_block(); the lists then skip them (last_ == n).
        if (!runs_.empty()) {
          R* const in = prev ? prev : no_input_.data();
          int32_t* const fb = fired_buf_.data();
          size_t nf = 0;
          // Taking the runs' input from the touched list pays when the list is short beside the runs (one
          // random read per listed event against a sequential read per run neuron).
          bool given = false;
          if constexpr (M == Model::IF || M == Model::LIF) {
            if (!prev || pcnt * 4 < run_neurons_) {
              given = true;
              if (prev)
                give_listed_input(prev, ptl, pcnt, n, received, v_.data(), ref_end_.data(),
                                  [this](int32_t t) { return run_of_[t] != 0; });
              for (size_t r = 0; r < runs_.size(); ++r) {
                updates += driven_run<M>(runs_[r].lo, runs_[r].hi, n, in, cur, fb, nf);
              }
            }
          }
          if (!given) {
            for (const Run& r : runs_) {
              updates += fast_block<M>(r.lo, r.hi, n, in, cur, false, true, received);
              if (block_fires_) nf = collect_fired(r.lo, r.hi, fb, nf);
            }
          }
          fired_.insert(fired_.end(), fb, fb + nf);
        }
        for (int64_t j = 0; j < pcnt; ++j) {
          // A neuron may be listed twice (in both lists, or twice in one): a repeated visit finds its
          // input taken (zero) and does nothing, unless the first evaluated it (last_ == n): skipped.
          // The state of a target a few places ahead is fetched meanwhile (the targets are scattered).
          if (j + kVisitAhead < pcnt) {
            const int32_t a = ptl[j + kVisitAhead];
            __builtin_prefetch(v_.data() + a);
            __builtin_prefetch(hot_.data() + a);
            __builtin_prefetch(last_.data() + a);
          }
          const int32_t t = ptl[j];
          if (last_[t] == n) continue;
          updates += visit<M>(h, t, n, prev, cur, collect, received);
        }
        for (int32_t i : cand_) {
          if (last_[i] == n) continue;
          updates += visit<M>(h, i, n, prev, cur, collect, received);
        }
        updates_ += updates;
        received_ += received;
      } else {
        dense_pass<M>(n, prev, cur, collect, prev_dense ? nullptr : ptl, prev_dense ? 0 : pcnt);
      }
      if (n > 0) {
        touched_count_[pslot] = 0;
        slot_events_[pslot] = 0;
        slot_dense_[pslot] = 0;
      }
      if (!dense) std::sort(fired_.begin(), fired_.end());  // the dense pass lists them in index order

      // Scatter the spikes of S_n and the external events of step n.
      const int64_t slot = n % slots_;
      int64_t events = 0;
      if (syn_.one_delay >= 0) {  // every row one segment of that delay: delivered from row_ptr
        int64_t s = slot + syn_.one_delay;
        if (s >= slots_) s -= slots_;
        const int64_t* const rp = syn_.row_ptr.data();
        for (size_t f = 0; f < fired_.size(); ++f) {
          if (f + kPrefetchAhead < fired_.size()) syn_.prefetch(fired_[f + kPrefetchAhead]);
          const int32_t i = fired_[f];
          const int64_t b = rp[i], k = rp[i + 1] - b;
          events += k;
          if (k > 0)
            scatter(static_cast<size_t>(s), syn_.target.data() + b, syn_.row_uniform[i] ? nullptr : weight_ + b,
                    static_cast<R>(syn_.row_weight[i]), k);
        }
      }
      for (size_t f = 0; f < fired_.size() && syn_.one_delay < 0; ++f) {
        if (f + kPrefetchAhead < fired_.size()) syn_.prefetch(fired_[f + kPrefetchAhead]);
        const int32_t i = fired_[f];
        for (int64_t g = syn_.seg_ptr[i]; g < syn_.seg_ptr[i + 1]; ++g) {
          const detail::Segment seg = syn_.segs[g];
          int64_t s = slot + seg.delay;
          if (s >= slots_) s -= slots_;
          events += seg.end - seg.begin;
          scatter(static_cast<size_t>(s), syn_.target.data() + seg.begin,
                  seg.uniform ? nullptr : weight_ + seg.begin, static_cast<R>(seg.weight), seg.end - seg.begin);
        }
      }
      synaptic_events_ += events;
      step_events_ = events;
      size_t ext_end = ext_pos;
      while (ext_end < n_ext && ext_.spike_step[ext_end] == n) ++ext_end;
      if (ext_end > ext_pos)
        scatter(static_cast<size_t>(slot), ext_.spike_id.data() + ext_pos, ext_weight_ + ext_pos, R(0),
                static_cast<int64_t>(ext_end - ext_pos));
      external_events_ += static_cast<int64_t>(ext_end - ext_pos);
      ext_pos = ext_end;

      // Phase 3 for the neurons of S_n, then phase 4.
      R* const now = buf_.data() + static_cast<size_t>(slot) * nn_;
      for (int32_t i : fired_) {
        const R x = now[i];
        if (x != 0.0) {
          now[i] = 0.0;
          if constexpr (M == Model::CUBA_LIF) i_[i] = i_[i] + x;
          else v_[i] = v_[i] + x;
        }
        v_[i] = subtract_ ? v_[i] - v_th_[i] : v_reset_[i];
        const int64_t end = int64_t{n} + t_ref_[i];
        ref_end_[i] = static_cast<int32_t>(std::min<int64_t>(end, std::numeric_limits<int32_t>::max()));
        int32_t& bound = block_ref_max_[static_cast<size_t>(i / kBlock)];
        bound = std::max(bound, ref_end_[i]);
        want_[i] = unsettled<M>(h, i, int64_t{n} + 1);
        result_.spike_step.push_back(n);
        result_.spike_id.push_back(i);
      }
      spikes_ += static_cast<int64_t>(fired_.size());

      busy = static_cast<size_t>(updates_ - updates_before + received_ - received_before);
      listed = collect;
      if (collect) {
        // A constant current (PerNeuron) needs nothing more: its neurons were evaluated in step n,
        // so they are listed already.
        if (n + 1 < steps_ && ext_.current_mode == CurrentMode::PerStep) {
          if (const R* next = current_row(n + 1)) {
            for (int32_t i = 0; i < n_; ++i)
              if (next[i] != 0.0) next_cand_.push_back(i);
          }
        }
        cand_.swap(next_cand_);
      }
    }

    // Bring every neuron to the end of the last step.
    for (int32_t i = 0; i < n_; ++i)
      if (steps_ - 1 - last_[i] >= 1) idle<M>(h, i, steps_ - 1 - last_[i]);
    result_.v.assign(v_.begin(), v_.end());
    result_.i_syn.assign(i_.begin(), i_.end());
    result_.counters = Counters{synaptic_events_, external_events_, updates_, spikes_};
  }

  int32_t n_;
  size_t nn_;
  int64_t steps_;
  Model model_;
  bool subtract_;
  const ExternalInput& ext_;
  const detail::Delivery& syn_;
  // Parameters (of the prepared network) and state, one array per field.
  const std::vector<R>&v_th_, &v_reset_, &v_rest_, &a_, &b_;
  const std::vector<int32_t>&t_ref_, &pb_row_;
  const detail::PowTable& pow_;
  const std::vector<detail::NeuronHot<R>>& hot_;
  const R* weight_;                     // per synapse, in the order of syn_.target
  const R* current_ = nullptr;          // external current (see CurrentMode) and spike weights
  const R* ext_weight_ = nullptr;
  std::vector<R> current_own_, ext_weight_own_;  // their float copies (single precision)
  std::vector<R> v_, i_;
  std::vector<int32_t> last_, ref_end_;
  int64_t slots_ = 1;
  std::vector<R> buf_;             // slots x n input accumulators
  std::vector<int32_t> touched_;        // slots x (n + 1) lists of touched neurons (list mode)
  std::vector<int64_t> touched_count_;  // per slot
  std::vector<int64_t> slot_events_;    // events scattered into each slot so far
  std::vector<uint16_t> slot_dense_;    // the slot has turned dense
  // Flags are 16-bit so that their stores do not alias every other access, as char stores would.
  std::vector<uint16_t> want_;          // not settled: evaluate in the coming step
  std::vector<uint16_t> fire_flag_;     // spiked in this step (fast blocks of the dense pass)
  std::vector<uint16_t> driven_flag_;   // constant nonzero current (CurrentMode::PerNeuron)
  std::vector<R> zeros_;           // n zeros: no current
  std::vector<R> no_input_;        // n zeros: no pending input
  std::vector<int32_t> cand_, next_cand_, fired_;
  std::vector<int32_t> fired_buf_;      // n + 1 entries: branch-free append of the dense pass
  struct Run {
    int32_t lo, hi;
  };
  std::vector<Run> runs_;               // runs of >= kMinRun consecutive driven neurons within a block
  std::vector<int32_t> run_of_;         // per neuron: 1 + the index of its run in runs_, 0 if none (or empty)
  int64_t run_neurons_ = 0;             // neurons in runs_
  std::vector<int32_t> block_ref_max_;  // per block of kBlock neurons: the largest ref_end_ set so far
  std::vector<uint8_t> block_uniform_;  // per block of kBlock neurons: one set of parameters (fast_block)
  std::vector<uint8_t> block_driven_;   // per block: every neuron driven (CurrentMode::PerNeuron)
  std::vector<int32_t> block_full_step_;  // per block: the last step in which the kernel updated all its neurons
  std::vector<R> block_params_;         // per block: v_th, v_rest, a, b of its neurons, when uniform
  int64_t block_fires_ = 0;             // spikes of the last fast_block(): its fire flags need reading
  bool dense_now_ = false;              // the coming step will run the dense pass (scatter())
  int64_t step_events_ = 0;             // synaptic events scattered in the last step
  int64_t synaptic_events_ = 0, external_events_ = 0, updates_ = 0, spikes_ = 0, received_ = 0;
  Result result_;
};

}  // namespace

const char* kernel_variant() {
#if SNNAS_HOT_CLONES
  // The tests of the ifunc resolvers of SNNAS_HOT, in their order.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return "x86-64-v4";
  return __builtin_cpu_supports("avx2") ? "avx2" : "default";
#elif defined(SNNAS_NATIVE)
  return "native";
#else
  return "single";
#endif
}

std::vector<const char*> hidden_names(Model model) {
  const ModelInfo& info = model_info(model);
  return {info.hidden, info.hidden + info.num_hidden};
}

Result PreparedNetwork::run_validated(const ExternalInput& ext, const InitialState& init, int64_t n_steps) const {
  if (is_stepped(impl_->model)) return detail::run_stepped(*impl_, ext, init, n_steps);
  if (impl_->single) return Engine<float>(*impl_, ext, init, n_steps).run();
  return Engine<double>(*impl_, ext, init, n_steps).run();
}

Result PreparedNetwork::run(const ExternalInput& ext, const InitialState& init, int64_t n_steps) const {
  const std::string problem = validate_run(impl_->n, ext, init, n_steps);
  if (!problem.empty()) throw std::invalid_argument(problem);
  return run_validated(ext, init, n_steps);
}

Result simulate(const Network& net, const ExternalInput& ext, const InitialState& init, int64_t n_steps,
                Precision precision) {
  std::string problem = validate(net, ext, init, n_steps);
  if (problem.empty()) problem = validate_precision(net.params.model, precision);
  if (!problem.empty()) throw std::invalid_argument(problem);
  Network copy = net;
  return PreparedNetwork(std::move(copy), precision).run_validated(ext, init, n_steps);
}

}  // namespace snnas
