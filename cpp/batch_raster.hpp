// The input raster of a batch (fixed_batch.hpp, float_batch.hpp): spike counts, samples x n_steps x
// n_inputs (row-major), held as uint8 (raster8) or int32 (raster32; the other one empty). Plain C++17.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "messages.hpp"

namespace snnas {

struct BatchRaster {
  int64_t samples = 0;
  std::vector<uint8_t> raster8;
  std::vector<int32_t> raster32;

  int32_t count(size_t k) const { return raster8.empty() ? raster32[k] : raster8[k]; }

  // "" when it holds samples x n_steps x n_inputs counts >= 0, else one message naming the raster; the
  // largest count goes to *max_count when given.
  std::string raster_problem(int64_t n_steps, int32_t n_inputs, int64_t* max_count = nullptr) const {
    if (samples < 0) return "raster: expected a number of samples >= 0";
    const size_t cells = static_cast<size_t>(samples) * static_cast<size_t>(n_steps) * static_cast<size_t>(n_inputs);
    if (raster8.size() + raster32.size() != cells || (!raster8.empty() && !raster32.empty()))
      return "raster: expected samples x n_steps x inputs = " + std::to_string(cells) + " spike counts";
    int64_t c_max = 0;
    for (size_t k = 0; k < raster32.size(); ++k) {
      if (raster32[k] < 0) return at("raster", k, raster32[k]) + ": expected a spike count >= 0";
      c_max = std::max<int64_t>(c_max, raster32[k]);
    }
    for (uint8_t c : raster8) c_max = std::max<int64_t>(c_max, c);
    if (max_count) *max_count = c_max;
    return "";
  }
};

}  // namespace snnas
