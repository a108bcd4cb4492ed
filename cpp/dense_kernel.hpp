// The branch-free dense-pass kernel of the engine (engine.cpp, Engine::fast_block). Plain C++17.
#pragma once

#include <cstdint>

#include "dispatch.hpp"
#include "network.hpp"
#include "neurons.hpp"

namespace snnas {
namespace detail {

// The branch-free body of Engine::fast_block() (see there). A separate function so that the restrict
// qualifiers of its parameters hold and GCC can vectorise the loop. counts: updates, inputs received, spikes.
// SNNAS_HOT (dispatch.hpp): its selects vectorise only with AVX2 or later (the baseline lacks blends and
// 64-bit compares), so it has clones for those.
// U: every neuron of [lo, hi) has the parameters uni[0..3] (v_th, v_rest, a, b; bitwise equal), which the
// loop then takes as scalars instead of streaming four arrays: the pass over a block reads 24-32 bytes
// less per neuron, which matters once the neurons' arrays outgrow the L2 cache.
template <Model M, typename R, bool U>
SNNAS_HOT __attribute__((noinline)) void fast_block_kernel(
    int32_t lo, int32_t hi, int32_t n, bool per_step, R* __restrict prev, const R* __restrict cur,
    R* __restrict v, R* __restrict is, const R* __restrict vth_a, const R* __restrict vrest_a,
    const R* __restrict am_a, const R* __restrict bs_a, const R* __restrict uni, int32_t* __restrict last,
    const int32_t* __restrict ref_end, uint16_t* __restrict want, uint16_t* __restrict fire_flag,
    const uint16_t* __restrict drv, int64_t* __restrict counts) {
  const int32_t m = n - 1;
  const R u_th = U ? uni[0] : R(0), u_rest = U ? uni[1] : R(0), u_a = U ? uni[2] : R(0), u_b = U ? uni[3] : R(0);
  int64_t updates = 0, got_count = 0, fires = 0;
    // Flags are int64_t, not bool: one element width for all masks lets GCC vectorise the loop.
    using flag = int64_t;
    for (int32_t i = lo; i < hi; ++i) {
      const R x = prev[i];
      prev[i] = 0.0;
      const flag got = x != 0.0;
      R vi = v[i], ii = 0.0;
      if constexpr (M == Model::CUBA_LIF) ii = is[i];
      const int32_t re = ref_end[i];
      const R th = U ? u_th : vth_a[i];
      const R vr = U ? u_rest : vrest_a[i];
      const R ai = U ? u_a : am_a[i];
      const R bi = U ? u_b : (M == Model::CUBA_LIF ? bs_a[i] : R(0));
      const flag refractory = n <= re;
      flag w;
      if constexpr (M == Model::CUBA_LIF) {
        ii = got ? ii + x : ii;
        w = got ? (refractory | (1 - cuba_settled_select(vi, ii, th, vr, ai, bi)))
                : static_cast<flag>(want[i] != 0);
      } else {
        vi = (got & static_cast<flag>(m > re)) ? vi + x : vi;
        w = got ? (refractory | static_cast<flag>(!(vi < th))) : static_cast<flag>(want[i] != 0);
      }
      const R ie = cur[i];
      const flag act = w | (static_cast<flag>(per_step) & static_cast<flag>(ie != 0.0)) |
                       (static_cast<flag>(!per_step) & static_cast<flag>(drv[i] != 0));
      R vn = vi, in = ii;
      if constexpr (M == Model::IF) vn = if_step(vi, ie);
      if constexpr (M == Model::LIF) vn = lif_step(vi, vr, ai, ie);
      if constexpr (M == Model::CUBA_LIF) {
        in = ii * bi;
        const R u = vr + in + ie;
        vn = u + (vi - u) * ai;
      }
      const flag step = act & (1 - refractory);
      const R vnew = step ? vn : vi;
      const R inew = act ? in : ii;
      const flag fire = step & static_cast<flag>(vnew >= th);
      flag later = int64_t{n} + 1 <= re;
      if constexpr (M == Model::CUBA_LIF) {
        later = later | (1 - cuba_settled_select(vnew, inew, th, vr, ai, bi));
      } else {
        later = later | static_cast<flag>(!(vnew < th));
      }
      want[i] = static_cast<uint16_t>(act & (fire | later));
      fire_flag[i] = static_cast<uint16_t>(fire);
      fires += fire;
      last[i] = act ? n : last[i];
      v[i] = vnew;
      if constexpr (M == Model::CUBA_LIF) is[i] = inew;
      updates += act;
      got_count += got;
    }
  counts[0] = updates;
  counts[1] = got_count;
  counts[2] = fires;
}

// fast_block_kernel() for IF and LIF neurons [lo, hi) that all have a constant nonzero current (driven,
// CurrentMode::PerNeuron): each is updated in every step, so want and driven need not be read, and the
// pass is the plain rule of neurons.hpp with its refractory selects. Same values as fast_block_kernel(),
// but for want, which it leaves as it is: a driven neuron is evaluated in every step whatever its want
// (every reader of want ors it with the neuron's current or driven flag).
// In = false: the input of step n-1 was already given (Engine::give_run_input(), from the slot's touched
// list), so prev is not read. Ref = false: no neuron of the block is refractory in step n (ref_end < n for
// all, the engine's per-run bound), so ref_end is not read. Each drops 4-16 bytes of the ~50 the pass moves
// per neuron, which is what bounds it. With neither, no fire flag is written either: a neuron fired exactly
// when its new v >= the block's threshold, which the caller reads back when the count says some did.
template <Model M, typename R, bool U, bool In = true, bool Ref = true>
SNNAS_HOT __attribute__((noinline)) void driven_block_kernel(
    int32_t lo, int32_t hi, int32_t n, R* __restrict prev, const R* __restrict cur, R* __restrict v,
    const R* __restrict vth_a, const R* __restrict vrest_a, const R* __restrict am_a, const R* __restrict uni,
    int32_t* __restrict last, const int32_t* __restrict ref_end, uint16_t* __restrict fire_flag,
    int64_t* __restrict counts) {
  static_assert(M == Model::IF || M == Model::LIF, "IF and LIF only");
  const int32_t m = n - 1;
  const R u_th = U ? uni[0] : R(0), u_rest = U ? uni[1] : R(0), u_a = U ? uni[2] : R(0);
  int64_t got_count = 0, fires = 0;
  for (int32_t i = lo; i < hi; ++i) {
    R x = R(0);
    if constexpr (In) {
      x = prev[i];
      prev[i] = 0.0;
    }
    const int32_t re = Ref ? ref_end[i] : -1;
    const R th = U ? u_th : vth_a[i];
    const bool got = x != 0.0;
    R vi = v[i];
    if constexpr (In) vi = (got & (m > re)) ? vi + x : vi;
    R vn = vi;
    if constexpr (M == Model::IF) vn = if_step(vi, cur[i]);
    if constexpr (M == Model::LIF) vn = lif_step(vi, U ? u_rest : vrest_a[i], U ? u_a : am_a[i], cur[i]);
    bool fire;
    R vnew;
    if constexpr (Ref) {
      const bool refractory = n <= re;
      vnew = refractory ? vi : vn;
      fire = (vnew >= th) & !refractory;
    } else {
      vnew = vn;
      fire = vnew >= th;
    }
    if constexpr (In || Ref) fire_flag[i] = static_cast<uint16_t>(fire);
    fires += fire;
    last[i] = n;
    v[i] = vnew;
    if constexpr (In) got_count += got;
  }
  counts[0] = hi - lo;
  counts[1] = got_count;
  counts[2] = fires;
}

}  // namespace detail
}  // namespace snnas
