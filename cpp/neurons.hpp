// Neuron models of the snnas simulator and their exact discrete update rules (float mode, double
// precision; the fixed-point mode is in fixed.hpp). Plain C++17, no Python headers.
// src/snnas/reference.py implements the same rules operation for operation; both must give
// bit-identical states and therefore the same spikes.
//
// ONE TIME STEP n (identical in every simulator of snnas; Brian2's default schedule):
//   (1) update: every neuron is advanced by its model's rule below (external current I_ext[n] included);
//   (2) threshold: the neurons that are not refractory and have v >= v_th form S_n and spike;
//   (3) deliver: the spikes of step n-D travel through the synapses of delay D >= 0 (D = 0 delivers this
//       step's spikes now) and the external spike events of step n are added; the input x_i[n] a neuron
//       receives in this phase is the sum of its weights, accumulated in this order: spikes of earlier
//       steps first, within a step by ascending presynaptic index, within a neuron in CSR order, then
//       external events in the order given. A neuron *receives input* in step n when x != 0 (no event,
//       or events summing to zero, is no input). Then v += x (IF, LIF; discarded while refractory) or
//       i_syn += x (CUBA_LIF, also while refractory);
//   (4) reset: every neuron of S_n gets v <- v_reset (ResetMode::ToValue) or v <- v - v_th
//       (ResetMode::Subtract) and is refractory during steps n+1 .. n+t_ref, when v is held (not
//       integrated, input to v discarded, no threshold).
//
// PER-STEP RULES (phase 1, neuron not refractory; a = alpha_m = exp(-dt/tau_m), b = alpha_s = exp(-dt/tau_s),
// r = v_rest, I = I_ext[n]; written exactly as evaluated, left to right):
//   IF:        v <- v + I
//   LIF:       u = r + I;  v <- u + (v - u) * a
//              (Brian2 'exact' integration of tau_m dv/dt = (r + I - v) for I constant over the step)
//   CUBA_LIF:  i_syn <- i_syn * b;  u = r + i_syn + I;  v <- u + (v - u) * a
//              (i_syn decays first, then drives v exactly over the step as a constant current)
// While refractory, phase 1 leaves v unchanged; CUBA_LIF still applies i_syn <- i_syn * b.
//
// IDLE NEURONS (event-driven evaluation). A neuron is *settled* at the end of a step when it cannot
// spike without new input: it is not refractory in the next step, and
//   IF, LIF:   v < v_th                      (requires v_rest < v_th for LIF; the binding checks it)
//   CUBA_LIF:  max(v - r, 0) + [i_syn > 0] * i_syn * (1 - a) * b / (1 - b) < v_th - r
//              (a bound on v - r over all later steps without input; never settled when b = 1 and
//               i_syn > 0).
// A settled neuron with no external current is not evaluated in phase 1 (it costs nothing) until it
// receives input, has current, or the run ends. Its state is then brought forward over the k >= 1
// skipped steps (which had no input, no current and no refractoriness) by:
//   k == 1:    the per-step rule above with I = 0
//   k >= 2:    IF:       v unchanged
//              LIF:      v <- r + (v - r) * pow(a, k)
//              CUBA_LIF: with pa = pow(a, k), pb = pow(b, k),
//                        s = k * pa                          if a == b
//                        s = b * (pa - pb) / (a - b)         otherwise
//                        v <- r + ((v - r) * pa + (1 - a) * i_syn * s);  i_syn <- i_syn * pb
//              (the closed form of k per-step rules with I = 0; pow is the C library's pow(double,
//               double) with k converted to double)
// A neuron evaluated in phase 1 of step n whose last evaluation was at step m < n-1 is first brought
// forward over k = n-1-m steps, then the per-step rule of step n is applied. A neuron receiving input
// in phase 3 of step n that was last evaluated at m < n is brought forward over k = n-m steps first.
// In exact arithmetic these are the per-step rules; a neuron evaluated every step follows them exactly.
#pragma once

#include <cmath>
#include <cstdint>

namespace snnas {

// a^k for k >= 0 steps, as the C library computes it.
inline double pow_steps(double a, int64_t k) { return std::pow(a, static_cast<double>(k)); }

// ---- IF -------------------------------------------------------------------------------------------
inline double if_step(double v, double i_ext) { return v + i_ext; }

// ---- LIF ------------------------------------------------------------------------------------------
inline double lif_step(double v, double v_rest, double a, double i_ext) {
  const double u = v_rest + i_ext;
  return u + (v - u) * a;
}

// Bring a LIF membrane forward over k >= 2 idle steps, given pa = pow(a, k).
inline double lif_idle(double v, double v_rest, double pa) { return v_rest + (v - v_rest) * pa; }

// ---- CUBA_LIF -------------------------------------------------------------------------------------
inline void cuba_step(double& v, double& i_syn, double v_rest, double a, double b, double i_ext) {
  i_syn = i_syn * b;
  const double u = v_rest + i_syn + i_ext;
  v = u + (v - u) * a;
}

// Bring a CUBA_LIF neuron forward over k >= 2 idle steps, given pa = pow(a, k) and pb = pow(b, k).
inline void cuba_idle(double& v, double& i_syn, double v_rest, double a, double b, int64_t k, double pa,
                      double pb) {
  const double s = (a == b) ? static_cast<double>(k) * pa : b * (pa - pb) / (a - b);
  v = v_rest + ((v - v_rest) * pa + (1.0 - a) * i_syn * s);
  i_syn = i_syn * pb;
}

// Settling bound of CUBA_LIF: true when v stays below threshold without further input.
inline bool cuba_settled(double v, double i_syn, double v_th, double v_rest, double a, double b) {
  const double e = v - v_rest;
  double bound = e > 0.0 ? e : 0.0;
  if (i_syn > 0.0) {
    if (!(b < 1.0)) return false;
    bound = bound + i_syn * (1.0 - a) * b / (1.0 - b);
  }
  return bound < v_th - v_rest;
}

// cuba_settled() without branches (same value), for vectorised loops.
inline bool cuba_settled_select(double v, double i_syn, double v_th, double v_rest, double a, double b) {
  const double e = v - v_rest;
  const double bound = e > 0.0 ? e : 0.0;
  const double with_current = bound + i_syn * (1.0 - a) * b / (1.0 - b);
  const double limit = v_th - v_rest;
  return i_syn > 0.0 ? ((b < 1.0) & (with_current < limit)) : (bound < limit);
}

}  // namespace snnas
