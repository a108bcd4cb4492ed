// Neuron models of the snnas simulator and their exact discrete update rules (float mode, double
// precision, or single precision for IF, LIF and CUBA_LIF; the fixed-point mode is in fixed.hpp).
// Plain C++17, no Python headers.
// src/snnas/sim/reference.py implements the same rules operation for operation; both must give
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
//
// STEPPED MODELS (ADAPTIVE_LIF, IZHIKEVICH, HODGKIN_HUXLEY; stepped.cpp). Every neuron is evaluated in
// phase 1 of every step (no settling, no lazy catch-up), so each follows its per-step rule exactly and
// neuron_updates = n * n_steps. Phase 3 adds a neuron's summed input x != 0 to v (ADAPTIVE_LIF: discarded
// while refractory). Written exactly as evaluated, left to right:
//
//   ADAPTIVE_LIF (LIF with an adaptive threshold v_th + theta; theta >= 0 [V], theta = 0 at step -1;
//   rho = alpha_a = exp(-dt/tau_adapt), beta >= 0 the increment per spike):
//     phase 1:  theta <- theta * rho;  if not refractory: u = r + I;  v <- u + (v - u) * a
//               (while refractory v is held and theta still decays)
//     phase 2:  spike when not refractory and v >= v_th + theta
//     phase 4:  v <- v_reset (ToValue) or v <- v - (v_th + theta) (Subtract);  then theta <- theta + beta;
//               refractory during steps n+1 .. n+t_ref
//     Between spikes theta decays as theta * rho^k: tau_adapt dtheta/dt = -theta, integrated exactly.
//
//   IZHIKEVICH (Izhikevich 2003, IEEE Trans. Neural Netw. 14:1569), in volts with tau = 1 ms: with v, u
//   and I in mV and t in ms the model is dv/dt = 0.04 v^2 + 5 v + 140 - u + I, du/dt = a (b v - u); in
//   volts this is tau dv/dt = 40 v^2 + 5 v + 0.14 - u + I (v, u, I in V), tau = 1 ms. Parameters:
//   v_th = v_peak (30 mV = 0.030 V), v_reset = c, ka = a * dt (a in 1/s, e.g. 0.02/ms = 20/s), b, d [V].
//   Initial recovery u = b * v0. With K = substeps and h = dt * 1000.0 / K (the sub-step in ms):
//     phase 1:  K times:  v <- v + h * (((40.0 * v + 5.0) * v + 0.14) - u + I);  if v > v_th: v <- v_th
//               then:     u <- u + ka * (b * v - u)
//               (Izhikevich's own code: K = 2 half-steps for v, then u once with the new v; the cap at
//               v_peak keeps a fast upstroke finite within a step)
//     phase 2:  spike when v >= v_th
//     phase 4:  v <- v_reset (c);  u <- u + d.  No refractory period (t_ref = 0).
//
//   HODGKIN_HUXLEY (Hodgkin & Huxley 1952, squid axon, membrane at rest near -65 mV). In mV, ms, mS/cm^2,
//   uF/cm^2: C = 1, g_Na = 120, g_K = 36, g_L = 0.3, E_Na = 50, E_K = -77, E_L = -54.387; rates in 1/ms
//   with efun(z) = z / (exp(z) - 1) (1 - z / 2 when |z| < 1e-6):
//     alpha_m = efun(-(V + 40) / 10)            beta_m = 4 * exp(-(V + 65) / 18)
//     alpha_h = 0.07 * exp(-(V + 65) / 20)      beta_h = 1 / (1 + exp(-(V + 35) / 10))
//     alpha_n = 0.1 * efun(-(V + 55) / 10)      beta_n = 0.125 * exp(-(V + 65) / 80)
//   The drive I [V] is the potential the injected current drives across the leak, I_inj = g_L * I, so
//   that the leak and drive read g_L * (E_L - V + I), as in LIF. Gates start at their steady state
//   x_inf(V0) = alpha_x / (alpha_x + beta_x). With K = substeps and h = dt * 1000.0 / K (ms):
//     phase 1:  V = v * 1000.0;  J = I * 1000.0;  th = v_th * 1000.0;  crossed = false;  then K times,
//               with the rates taken at the V of the start of the sub-step:
//                 i_na = g_Na * (((m * m) * m) * hg) * (E_Na - V);   i_k = g_K * ((n * n) * (n * n)) * (E_K - V)
//                 dV = h * ((i_na + i_k) + g_L * ((E_L - V) + J))     (C = 1; old gates)
//                 x <- x_inf + (x - x_inf) * exp(-(h * (alpha_x + beta_x))),  x_inf = alpha_x / (alpha_x + beta_x),
//                      for x = m, hg (the h gate), n
//                 V <- V + dV;  up = V >= th;  crossed = crossed or (up and not above);  above = up
//               finally v <- V / 1000.0. (Exponential Euler for the gates, forward Euler for V; a sub-step
//               h <= 0.01 ms, the default, keeps the V update stable for any gates: h * (g_Na + g_K + g_L)
//               < 2.) above starts as v0 >= v_th; delivered input does not change it.
//     phase 2:  spike when crossed: some sub-step of the step ended at or above v_th after one that
//               ended below it (an upward crossing at the resolution of the sub-steps; one spike per
//               step at most)
//     phase 4:  no reset (reset must be ToValue and is not applied); no refractory period (t_ref = 0).
//
// The stepped rules are applied as written whatever the state: input far outside a model's range (for
// Hodgkin-Huxley, potentials of volts) can overflow to inf or NaN by IEEE arithmetic, in the engine and
// the reference alike; it never stops a run.
#pragma once

#include <cmath>
#include <cstdint>

namespace snnas {

// a^k for k >= 0 steps, as the C library computes it (in double precision).
inline double pow_steps(double a, int64_t k) { return std::pow(a, static_cast<double>(k)); }

// The rules of IF, LIF and CUBA_LIF below are templates over the real type T of the state: double
// (the default), or float in single precision, where every operation is rounded to float and a^k is
// pow_steps() of the float a rounded to float (pow_real).
template <typename T>
inline T pow_real(T a, int64_t k) {
  return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(k)));
}

// ---- IF -------------------------------------------------------------------------------------------
template <typename T>
inline T if_step(T v, T i_ext) { return v + i_ext; }

// ---- LIF ------------------------------------------------------------------------------------------
template <typename T>
inline T lif_step(T v, T v_rest, T a, T i_ext) {
  const T u = v_rest + i_ext;
  return u + (v - u) * a;
}

// Bring a LIF membrane forward over k >= 2 idle steps, given pa = pow(a, k).
template <typename T>
inline T lif_idle(T v, T v_rest, T pa) { return v_rest + (v - v_rest) * pa; }

// ---- CUBA_LIF -------------------------------------------------------------------------------------
template <typename T>
inline void cuba_step(T& v, T& i_syn, T v_rest, T a, T b, T i_ext) {
  i_syn = i_syn * b;
  const T u = v_rest + i_syn + i_ext;
  v = u + (v - u) * a;
}

// Bring a CUBA_LIF neuron forward over k >= 2 idle steps, given pa = pow(a, k) and pb = pow(b, k).
template <typename T>
inline void cuba_idle(T& v, T& i_syn, T v_rest, T a, T b, int64_t k, T pa, T pb) {
  const T s = (a == b) ? static_cast<T>(k) * pa : b * (pa - pb) / (a - b);
  v = v_rest + ((v - v_rest) * pa + (T(1) - a) * i_syn * s);
  i_syn = i_syn * pb;
}

// Settling bound of CUBA_LIF: true when v stays below threshold without further input.
template <typename T>
inline bool cuba_settled(T v, T i_syn, T v_th, T v_rest, T a, T b) {
  const T e = v - v_rest;
  T bound = e > T(0) ? e : T(0);
  if (i_syn > T(0)) {
    if (!(b < T(1))) return false;
    bound = bound + i_syn * (T(1) - a) * b / (T(1) - b);
  }
  return bound < v_th - v_rest;
}

// cuba_settled() without branches (same value), for vectorised loops.
template <typename T>
inline bool cuba_settled_select(T v, T i_syn, T v_th, T v_rest, T a, T b) {
  const T e = v - v_rest;
  const T bound = e > T(0) ? e : T(0);
  const T with_current = bound + i_syn * (T(1) - a) * b / (T(1) - b);
  const T limit = v_th - v_rest;
  return i_syn > T(0) ? ((b < T(1)) & (with_current < limit)) : (bound < limit);
}

// ---- ADAPTIVE_LIF ---------------------------------------------------------------------------------
// Phase 1 (not refractory): theta decays, v integrates as LIF.
inline void alif_step(double& v, double& theta, double v_rest, double a, double rho, double i_ext) {
  theta = theta * rho;
  v = lif_step(v, v_rest, a, i_ext);
}

// ---- IZHIKEVICH -----------------------------------------------------------------------------------
// Phase 1 with k_sub sub-steps of h ms for v, then one step of u (ka = a * dt).
inline void izh_step(double& v, double& u, double v_peak, double ka, double b, double h, int32_t k_sub,
                     double i_ext) {
  for (int32_t k = 0; k < k_sub; ++k) {
    v = v + h * ((((40.0 * v + 5.0) * v + 0.14) - u) + i_ext);
    if (v > v_peak) v = v_peak;
  }
  u = u + ka * (b * v - u);
}

// ---- HODGKIN_HUXLEY -------------------------------------------------------------------------------
namespace hh {
constexpr double kGNa = 120.0, kGK = 36.0, kGL = 0.3;      // mS/cm^2
constexpr double kENa = 50.0, kEK = -77.0, kEL = -54.387;  // mV

// z / (exp(z) - 1), continued by its Taylor expansion 1 - z/2 near z = 0.
inline double efun(double z) { return std::fabs(z) < 1e-6 ? 1.0 - z / 2.0 : z / (std::exp(z) - 1.0); }

struct Rates {
  double am, bm, ah, bh, an, bn;  // 1/ms
};

inline Rates rates(double V) {  // V in mV
  Rates r;
  r.am = efun(-(V + 40.0) / 10.0);
  r.bm = 4.0 * std::exp(-(V + 65.0) / 18.0);
  r.ah = 0.07 * std::exp(-(V + 65.0) / 20.0);
  r.bh = 1.0 / (1.0 + std::exp(-(V + 35.0) / 10.0));
  r.an = 0.1 * efun(-(V + 55.0) / 10.0);
  r.bn = 0.125 * std::exp(-(V + 65.0) / 80.0);
  return r;
}

// Exponential-Euler step of a gate over h ms.
inline double gate(double x, double alpha, double beta, double h) {
  const double inf = alpha / (alpha + beta);
  return inf + (x - inf) * std::exp(-(h * (alpha + beta)));
}
}  // namespace hh

// Steady-state gates at v [V] (the initial state).
inline void hh_init(double v, double& m, double& hg, double& n) {
  const hh::Rates r = hh::rates(v * 1000.0);
  m = r.am / (r.am + r.bm);
  hg = r.ah / (r.ah + r.bh);
  n = r.an / (r.an + r.bn);
}

// Phase 1 and 2: k_sub sub-steps of h ms (v, v_th and the drive i_ext in V). above: whether V was at or
// above threshold at the end of the previous sub-step; returns true when some sub-step of this step
// ended at or above threshold after one that ended below it (an upward crossing: a spike).
inline bool hh_step(double& v, double& m, double& hg, double& n, bool& above, double v_th, double h,
                    int32_t k_sub, double i_ext) {
  double V = v * 1000.0;
  const double J = i_ext * 1000.0;
  const double th = v_th * 1000.0;
  bool crossed = false;
  for (int32_t k = 0; k < k_sub; ++k) {
    const hh::Rates r = hh::rates(V);
    const double i_na = hh::kGNa * (((m * m) * m) * hg) * (hh::kENa - V);
    const double i_k = hh::kGK * ((n * n) * (n * n)) * (hh::kEK - V);
    const double dV = h * ((i_na + i_k) + hh::kGL * ((hh::kEL - V) + J));
    m = hh::gate(m, r.am, r.bm, h);
    hg = hh::gate(hg, r.ah, r.bh, h);
    n = hh::gate(n, r.an, r.bn, h);
    V = V + dV;
    const bool up = V >= th;
    crossed = crossed || (up && !above);
    above = up;
  }
  v = V / 1000.0;
  return crossed;
}

}  // namespace snnas
