// Preparing a network: regrouping the synapses for delivery (prepared.hpp).
#include "prepared.hpp"

#include <algorithm>
#include <memory>
#include <utility>

namespace snnas {
namespace detail {

Delivery::Delivery(Synapses& s) {
  const size_t n = s.row_ptr.size() - 1;
  for (int32_t d : s.delay) max_delay = std::max(max_delay, d);
  one_delay = s.delay.empty() ? 0 : s.delay[0];
  for (int32_t d : s.delay)
    if (d != one_delay) one_delay = -1;
  bool sorted = true;
  for (size_t i = 0; i < n && sorted; ++i)
    for (int64_t j = s.row_ptr[i] + 1; j < s.row_ptr[i + 1] && sorted; ++j) sorted = s.delay[j] >= s.delay[j - 1];
  std::vector<int32_t> delay;
  if (sorted) {
    target = std::move(s.target);
    weight = std::move(s.weight);
    delay = std::move(s.delay);
  } else {
    const size_t m = s.target.size();
    target.resize(m);
    weight.resize(m);
    delay.resize(m);
    std::vector<int64_t> order;
    for (size_t i = 0; i < n; ++i) {
      const int64_t b = s.row_ptr[i], e = s.row_ptr[i + 1];
      order.resize(static_cast<size_t>(e - b));
      for (int64_t j = b; j < e; ++j) order[j - b] = j;
      std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return s.delay[x] < s.delay[y]; });
      for (int64_t j = b; j < e; ++j) {
        target[j] = s.target[order[j - b]];
        weight[j] = s.weight[order[j - b]];
        delay[j] = s.delay[order[j - b]];
      }
    }
  }
  row_ptr = s.row_ptr;
  seg_ptr.assign(n + 1, 0);
  row_uniform.assign(n, 1);
  row_weight.assign(n, 0.0);
  segs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    for (int64_t j = row_ptr[i]; j < row_ptr[i + 1]; ++j) {
      if (j == row_ptr[i] || delay[j] != segs.back().delay) segs.push_back(Segment{delay[j], 1, weight[j], j, j});
      Segment& seg = segs.back();
      seg.end = j + 1;
      if (std::memcmp(&weight[j], &seg.weight, sizeof(double)) != 0) seg.uniform = 0;
    }
    seg_ptr[i + 1] = static_cast<int64_t>(segs.size());
    if (row_ptr[i + 1] > row_ptr[i]) row_weight[i] = weight[row_ptr[i]];
    for (int64_t g = seg_ptr[i]; g < seg_ptr[i + 1]; ++g) row_uniform[i] &= static_cast<uint8_t>(segs[g].uniform);
  }
}

}  // namespace detail

PreparedNetwork::PreparedNetwork(Network&& net, Precision precision)
    : impl_(std::make_unique<Impl>(net, precision)) {}
PreparedNetwork::PreparedNetwork(PreparedNetwork&&) noexcept = default;
PreparedNetwork& PreparedNetwork::operator=(PreparedNetwork&&) noexcept = default;
PreparedNetwork::~PreparedNetwork() = default;

int32_t PreparedNetwork::num_neurons() const { return impl_->n; }
int64_t PreparedNetwork::num_synapses() const { return static_cast<int64_t>(impl_->syn.target.size()); }
Model PreparedNetwork::model() const { return impl_->model; }
Precision PreparedNetwork::precision() const { return impl_->single ? Precision::Single : Precision::Double; }

std::string validate_precision(Model model, Precision precision) {
  if (precision != Precision::Double && precision != Precision::Single)
    return "precision: expected 'double' or 'single'";
  if (precision == Precision::Single && is_stepped(model))
    return "precision: 'single' is available for the models IF, LIF and CUBA_LIF only (use 'double')";
  return "";
}

}  // namespace snnas
