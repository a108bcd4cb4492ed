// A network made ready to run (engine.hpp, PreparedNetwork): synapses regrouped for delivery and
// decay powers tabulated. Plain C++17, internal to the engine.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "engine.hpp"
#include "network.hpp"
#include "neurons.hpp"

namespace snnas {
namespace detail {

struct Segment {  // synapses [begin, end) of one row, all of one delay
  int32_t delay;
  int32_t uniform;  // every weight of the segment is (bitwise) `weight`: the scatter reads targets only
  double weight;
  int64_t begin, end;
};

// pow(a, k) is tabulated (computed by pow_steps) for k < kPowCols for the first kPowRows distinct a.
constexpr int64_t kPowCols = 1024;
constexpr size_t kPowRows = 16;

// Tables of pow_steps(alpha, k) for distinct alphas (by bit pattern).
class PowTable {
 public:
  int32_t row_of(double alpha) {
    uint64_t bits;
    std::memcpy(&bits, &alpha, sizeof bits);
    const auto [it, fresh] = index_.emplace(bits, static_cast<int32_t>(alphas_.size()));
    if (fresh) {
      alphas_.push_back(alpha);
      const bool tabulate = alphas_.size() <= kPowRows;
      offset_.push_back(tabulate ? static_cast<int64_t>(values_.size()) : -1);
      for (int64_t k = 0; tabulate && k < kPowCols; ++k) values_.push_back(pow_steps(alpha, k));
    }
    return it->second;
  }
  // The tabulated powers of row (kPowCols of them), or null when the row is not tabulated. Stable
  // while no row is added.
  const double* row_data(int32_t row) const {
    return offset_[row] >= 0 ? values_.data() + offset_[row] : nullptr;
  }
  double pow(int32_t row, int64_t k) const {
    const int64_t off = offset_[row];
    return off >= 0 && k < kPowCols ? values_[off + k] : pow_steps(alphas_[row], k);
  }

 private:
  std::unordered_map<uint64_t, int32_t> index_;  // bit pattern of alpha -> row
  std::vector<double> alphas_;
  std::vector<int64_t> offset_;  // start of the row's powers in values_, -1 if not tabulated
  std::vector<double> values_;
};

// Synapses rearranged for delivery: each row stably sorted by delay and cut into segments of one
// delay. A segment feeds one delay slot, and stability keeps the order of accumulation into every slot.
struct Delivery {
  std::vector<int32_t> target;
  std::vector<double> weight;
  std::vector<int64_t> row_ptr;  // CSR row pointers
  std::vector<int64_t> seg_ptr;  // segments of row i: seg_ptr[i] .. seg_ptr[i+1]-1
  std::vector<Segment> segs;
  std::vector<uint8_t> row_uniform;  // every segment of row i is uniform
  int32_t max_delay = 0;
  // The delay of every synapse when they all have the same one (each row is then one segment, and a
  // spike's row is delivered from row_ptr without reading its segment), else -1.
  int32_t one_delay = -1;
  std::vector<double> row_weight;  // the weight of row i's first synapse (all of them where row_uniform)

  // Takes the vectors of s when its rows are already sorted by delay (no copy).
  explicit Delivery(Synapses& s);

  // Ask the caches for the synapses of neuron i ahead of their use: the rows of the neurons that fire
  // are scattered over the whole table, so each would otherwise start with cache misses.
  void prefetch(int32_t i) const {
    const int64_t b = row_ptr[i], e = row_ptr[i + 1];
    for (const char* t = reinterpret_cast<const char*>(target.data() + b);
         t < reinterpret_cast<const char*>(target.data() + e); t += 64)
      __builtin_prefetch(t);
    if (one_delay < 0) __builtin_prefetch(&segs[seg_ptr[i]]);
    if (row_uniform[i]) return;
    for (const char* w = reinterpret_cast<const char*>(weight.data() + b);
         w < reinterpret_cast<const char*>(weight.data() + e); w += 64)
      __builtin_prefetch(w);
  }
};

// The parameters one neuron's event-driven updates read, packed in one aligned 32-byte record, so that
// bringing a neuron forward from a list (the sparse regime) touches one cache line for them, not four.
// Copies of the per-field arrays of PreparedNetwork::Impl, which the dense pass streams; pa_tab points
// at the tabulated powers pow_steps(a, k), k < kPowCols, of the neuron's alpha_m (null if none).
// R is the real type of the run (double, or float in single precision).
template <typename R>
struct alignas(32) NeuronHot {
  R v_th, v_rest, a;
  const double* pa_tab;

  // pow_real(a, k) for k >= 0, from the table when it holds it (the same value).
  R pa(int64_t k) const { return pa_tab && k < kPowCols ? static_cast<R>(pa_tab[k]) : pow_real(a, k); }
};

// The per-neuron parameters and weights of a network in single precision (each rounded to float once),
// with powers of the rounded decays (PreparedNetwork::Impl::single).
struct SingleTables {
  std::vector<float> v_th, v_reset, v_rest, a, b;
  std::vector<float> weight;  // Delivery::weight rounded (segments keep their weight, rounded, as double)
  PowTable pow;               // powers pow_steps(double(float(alpha)), k)
  std::vector<int32_t> pb_row;
  std::vector<NeuronHot<float>> hot;
};

}  // namespace detail

// Everything about a network that does not change from run to run.
struct PreparedNetwork::Impl {
  int32_t n;
  Model model;
  bool subtract;
  std::vector<double> v_th, v_reset, v_rest, a, b;
  std::vector<int32_t> t_ref, pa_row, pb_row;
  std::vector<double> beta, alpha_a, izh_ka, izh_b, izh_d;  // stepped models (network.hpp)
  double dt;
  int32_t substeps;
  detail::PowTable pow;
  detail::Delivery syn;
  std::vector<detail::NeuronHot<double>> hot;  // v_th, v_rest, a and the powers of a per neuron (event-driven)
  std::unique_ptr<detail::SingleTables> single;  // single precision (IF, LIF, CUBA_LIF only), else null

  Impl(Network& net, Precision precision)
      : n(net.num_neurons), model(net.params.model), subtract(net.params.reset == ResetMode::Subtract),
        v_th(std::move(net.params.v_th)), v_reset(std::move(net.params.v_reset)),
        v_rest(std::move(net.params.v_rest)), a(std::move(net.params.alpha_m)), b(std::move(net.params.alpha_s)),
        t_ref(std::move(net.params.t_ref)), beta(std::move(net.params.beta)), alpha_a(std::move(net.params.alpha_a)),
        izh_ka(std::move(net.params.izh_ka)), izh_b(std::move(net.params.izh_b)), izh_d(std::move(net.params.izh_d)),
        dt(net.params.dt), substeps(net.params.substeps), syn(net.synapses) {
    pa_row.assign(static_cast<size_t>(n), 0);
    pb_row.assign(static_cast<size_t>(n), 0);
    for (int32_t i = 0; i < n; ++i) {  // distinct alphas are few (one per population)
      if (model == Model::LIF || model == Model::CUBA_LIF) pa_row[i] = pow.row_of(a[i]);
      if (model == Model::CUBA_LIF) pb_row[i] = pow.row_of(b[i]);
    }
    if (!is_stepped(model)) {
      hot.resize(static_cast<size_t>(n));
      for (int32_t i = 0; i < n; ++i)  // after the last row_of(): the tables no longer move
        hot[i] = detail::NeuronHot<double>{v_th[i], v_rest[i], a[i],
                                           model == Model::IF ? nullptr : pow.row_data(pa_row[i])};
    }
    if (precision == Precision::Single) make_single();
  }

  // The tables of single precision: every parameter and weight rounded to float.
  void make_single() {
    auto s = std::make_unique<detail::SingleTables>();
    auto round = [](const std::vector<double>& x) { return std::vector<float>(x.begin(), x.end()); };
    s->v_th = round(v_th);
    s->v_reset = round(v_reset);
    s->v_rest = round(v_rest);
    s->a = round(a);
    s->b = round(b);
    s->weight = round(syn.weight);
    for (detail::Segment& seg : syn.segs) seg.weight = static_cast<float>(seg.weight);
    for (double& w : syn.row_weight) w = static_cast<float>(w);
    std::vector<int32_t> pa(static_cast<size_t>(n), 0);
    s->pb_row.assign(static_cast<size_t>(n), 0);
    for (int32_t i = 0; i < n; ++i) {
      if (model == Model::LIF || model == Model::CUBA_LIF) pa[i] = s->pow.row_of(s->a[i]);
      if (model == Model::CUBA_LIF) s->pb_row[i] = s->pow.row_of(s->b[i]);
    }
    s->hot.resize(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i)
      s->hot[i] = detail::NeuronHot<float>{s->v_th[i], s->v_rest[i], s->a[i],
                                           model == Model::IF ? nullptr : s->pow.row_data(pa[i])};
    single = std::move(s);
  }
};

namespace detail {
// Runs a network of a stepped model (network.hpp, is_stepped) for input that passed validate_run():
// every neuron evaluated in every step (stepped.cpp).
Result run_stepped(const PreparedNetwork::Impl& net, const ExternalInput& ext, const InitialState& init,
                   int64_t n_steps);
}  // namespace detail

}  // namespace snnas
