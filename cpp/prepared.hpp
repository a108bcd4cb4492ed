// A network made ready to run (engine.hpp, PreparedNetwork): synapses regrouped for delivery and
// decay powers tabulated. Plain C++17, internal to the engine.
#pragma once

#include <cstdint>
#include <cstring>
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

  // Takes the vectors of s when its rows are already sorted by delay (no copy).
  explicit Delivery(Synapses& s);

  // Ask the caches for the synapses of neuron i ahead of their use: the rows of the neurons that fire
  // are scattered over the whole table, so each would otherwise start with cache misses.
  void prefetch(int32_t i) const {
    const int64_t b = row_ptr[i], e = row_ptr[i + 1];
    for (const char* t = reinterpret_cast<const char*>(target.data() + b);
         t < reinterpret_cast<const char*>(target.data() + e); t += 64)
      __builtin_prefetch(t);
    __builtin_prefetch(&segs[seg_ptr[i]]);
    if (row_uniform[i]) return;
    for (const char* w = reinterpret_cast<const char*>(weight.data() + b);
         w < reinterpret_cast<const char*>(weight.data() + e); w += 64)
      __builtin_prefetch(w);
  }
};

}  // namespace detail

// Everything about a network that does not change from run to run.
struct PreparedNetwork::Impl {
  int32_t n;
  Model model;
  bool subtract;
  std::vector<double> v_th, v_reset, v_rest, a, b;
  std::vector<int32_t> t_ref, pa_row, pb_row;
  detail::PowTable pow;
  detail::Delivery syn;

  explicit Impl(Network& net)
      : n(net.num_neurons), model(net.params.model), subtract(net.params.reset == ResetMode::Subtract),
        v_th(std::move(net.params.v_th)), v_reset(std::move(net.params.v_reset)),
        v_rest(std::move(net.params.v_rest)), a(std::move(net.params.alpha_m)), b(std::move(net.params.alpha_s)),
        t_ref(std::move(net.params.t_ref)), syn(net.synapses) {
    pa_row.assign(static_cast<size_t>(n), 0);
    pb_row.assign(static_cast<size_t>(n), 0);
    for (int32_t i = 0; i < n; ++i) {  // distinct alphas are few (one per population)
      if (model != Model::IF) pa_row[i] = pow.row_of(a[i]);
      if (model == Model::CUBA_LIF) pb_row[i] = pow.row_of(b[i]);
    }
  }
};

}  // namespace snnas
