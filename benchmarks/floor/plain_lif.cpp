// Lower bounds for benchmark (a) of bench_sim.py: the least work any single-core simulator must do to
// produce the spikes of that network in double precision. Stand-alone C++17 (no snnas code), built and
// run by benchmarks/bench_floor.py, which writes the network to the raw files read here.
//
// Three loops, each the median of `repeats` runs, each timed without any checking, copying or allocation:
//   plain   : a lean clock-driven loop of the same rules (neurons.hpp): every neuron updated every
//             step (u = r + I; v <- u + (v - u) * a), threshold, reset to v_reset, refractory t_ref steps,
//             spikes delivered after one step (every delay of (a) is 1) by a scatter-add over CSR rows.
//             Parameters are scalars (the network of (a) has one value per population), which only
//             makes this loop cheaper than any simulator that accepts per-neuron parameters.
//   scatter : the scatter-add alone, replaying the spikes of `plain`: for each spike, acc[target] += w
//             over the neuron's row; no neuron update at all.
//   stream  : the neuron update alone (the pass of `plain` over all neurons), with no spike delivered.
//   copy    : copying the synapse arrays once (target, weight, delay; what a simulator that keeps its
//             own copy of a caller's arrays pays per call), into freshly allocated memory (first-touch
//             page faults included, as in a call that allocates its copy), and `copy_warm` into memory
//             already mapped.
// Output: one line "name median_ms" per loop, then "spikes K" and "events E" of `plain`.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

template <typename T>
std::vector<T> read(const char* dir, const char* name) {
  char path[4096];
  std::snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = std::fopen(path, "rb");
  if (!f) { std::fprintf(stderr, "cannot open %s\n", path); std::exit(2); }
  std::fseek(f, 0, SEEK_END);
  const long bytes = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  std::vector<T> v(static_cast<size_t>(bytes) / sizeof(T));
  if (std::fread(v.data(), sizeof(T), v.size(), f) != v.size()) { std::fprintf(stderr, "short read %s\n", path); std::exit(2); }
  std::fclose(f);
  return v;
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <typename F>
double median_ms(int repeats, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const double t0 = now_ms();
    f();
    t.push_back(now_ms() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) { std::fprintf(stderr, "usage: plain_lif DIR REPEATS\n"); return 2; }
  const char* dir = argv[1];
  const int repeats = std::atoi(argv[2]);
  const auto row_ptr = read<int64_t>(dir, "row_ptr.bin");
  const auto target = read<int32_t>(dir, "target.bin");
  const auto weight = read<double>(dir, "weight.bin");
  const auto delay = read<int32_t>(dir, "delay.bin");
  const auto v0 = read<double>(dir, "v0.bin");
  const auto cur = read<double>(dir, "i_ext.bin");
  const auto scal = read<double>(dir, "scalars.bin");  // n_steps, v_th, v_reset, v_rest, alpha_m, t_ref
  const int32_t n = static_cast<int32_t>(v0.size());
  const int32_t steps = static_cast<int32_t>(scal[0]);
  const double v_th = scal[1], v_reset = scal[2], r = scal[3], a = scal[4];
  const int32_t t_ref = static_cast<int32_t>(scal[5]);
  for (int32_t d : delay)
    if (d != 1) { std::fprintf(stderr, "every delay must be 1\n"); return 2; }

  std::vector<double> v(n), acc(n);
  std::vector<int32_t> ref_end(n);
  std::vector<int32_t> fired, prev_fired, spike_step, spike_id;
  fired.reserve(n);
  prev_fired.reserve(n);
  int64_t events = 0;
  // Phase 3 of step s-1 (pending input acc, discarded while refractory) fused with phase 1 of step s, for
  // every neuron: the neuron update of `plain` and `stream` (a lambda: GCC compiled the same loop as a
  // separate function 35% slower, which would loosen the floor).
  auto update = [&](int32_t s) {
    double* __restrict vv = v.data();
    double* __restrict ac = acc.data();
    const int32_t* __restrict re = ref_end.data();
    const double* __restrict ie = cur.data();
    for (int32_t i = 0; i < n; ++i) {
      double x = vv[i];
      x = (s - 1 > re[i]) ? x + ac[i] : x;
      ac[i] = 0.0;
      const double u = r + ie[i];
      x = (s > re[i]) ? u + (x - u) * a : x;
      vv[i] = x;
    }
  };
  // The scatter-add of neuron i's row, in CSR order.
  auto deliver = [&](int32_t i) {
    double* __restrict ac = acc.data();
    for (int64_t j = row_ptr[i]; j < row_ptr[i + 1]; ++j) ac[target[j]] += weight[j];
  };
  const int32_t words = (n + 7) / 8;
  std::vector<uint8_t> flag(8 * static_cast<size_t>(words), 0);
  auto plain = [&]() {
    std::copy(v0.begin(), v0.end(), v.begin());
    std::fill(acc.begin(), acc.end(), 0.0);
    std::fill(ref_end.begin(), ref_end.end(), -1);
    prev_fired.clear();
    spike_step.clear();
    spike_id.clear();
    events = 0;
    for (int32_t s = 0; s < steps; ++s) {
      // acc holds the spikes of step s-2 (delay 1); a neuron that spiked in s-1 is reset to v_reset
      // whatever it receives, and refractory from s on.
      update(s);
      const double* vv = v.data();
      const int32_t* re = ref_end.data();
      // Phase 2: one flag byte per neuron (a vectorised pass), then the flags read eight at a time; spikes
      // are rare, so most words are zero (a branch per neuron instead would cost a third of the loop).
      for (int32_t i = 0; i < n; ++i) flag[i] = static_cast<uint8_t>((s > re[i]) & (vv[i] >= v_th));
      fired.clear();
      for (int32_t w = 0; w < words; ++w) {
        uint64_t x;
        std::memcpy(&x, flag.data() + 8 * w, sizeof x);
        for (; x; x &= x - 1) fired.push_back(8 * w + __builtin_ctzll(x) / 8);
      }
      // Phase 3 of step s: the spikes of step s-1 through their rows, by ascending presynaptic index.
      for (int32_t i : prev_fired) deliver(i);
      for (int32_t i : fired) {  // phase 4
        v[i] = v_reset;
        ref_end[i] = s + t_ref;
        spike_step.push_back(s);
        spike_id.push_back(i);
      }
      std::swap(fired, prev_fired);
    }
    for (int32_t i : spike_id) events += row_ptr[i + 1] - row_ptr[i];
  };
  const double t_plain = median_ms(repeats, plain);

  // The spikes of `plain`, by step, replayed through the scatter-add alone.
  std::vector<int64_t> step_ptr(static_cast<size_t>(steps) + 1, 0);
  for (int32_t s : spike_step) ++step_ptr[s + 1];
  for (int32_t s = 0; s < steps; ++s) step_ptr[s + 1] += step_ptr[s];
  const double t_scatter = median_ms(repeats, [&]() {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int32_t s = 0; s < steps; ++s)
      for (int64_t k = step_ptr[s]; k < step_ptr[s + 1]; ++k) deliver(spike_id[k]);
  });
  const double sink_scatter = acc[0];

  const double t_stream = median_ms(repeats, [&]() {
    std::copy(v0.begin(), v0.end(), v.begin());
    std::fill(ref_end.begin(), ref_end.end(), -1);
    for (int32_t s = 0; s < steps; ++s) update(s);
  });

  std::vector<int32_t> t_warm(target.size()), d_warm(delay.size());
  std::vector<double> w_warm(weight.size());
  const double t_copy_warm = median_ms(repeats, [&]() {
    std::memcpy(t_warm.data(), target.data(), target.size() * sizeof(int32_t));
    std::memcpy(w_warm.data(), weight.data(), weight.size() * sizeof(double));
    std::memcpy(d_warm.data(), delay.data(), delay.size() * sizeof(int32_t));
  });

  const double t_copy = median_ms(repeats, [&]() {
    std::unique_ptr<int32_t[]> t(new int32_t[target.size()]);
    std::unique_ptr<double[]> w(new double[weight.size()]);
    std::unique_ptr<int32_t[]> d(new int32_t[delay.size()]);
    std::memcpy(t.get(), target.data(), target.size() * sizeof(int32_t));
    std::memcpy(w.get(), weight.data(), weight.size() * sizeof(double));
    std::memcpy(d.get(), delay.data(), delay.size() * sizeof(int32_t));
    volatile int32_t keep = t[target.size() / 2] + d[0] + static_cast<int32_t>(w[0]);
    (void)keep;
  });

  std::printf("plain %.4f\nscatter %.4f\nstream %.4f\ncopy %.4f\ncopy_warm %.4f\n", t_plain, t_scatter, t_stream,
              t_copy, t_copy_warm);
  std::printf("spikes %zu\nevents %lld\nsink %g\n", spike_id.size(), static_cast<long long>(events), sink_scatter + v[0]);
  FILE* f = std::fopen((std::string(dir) + "/spikes.bin").c_str(), "wb");
  if (f) {
    std::fwrite(spike_step.data(), sizeof(int32_t), spike_step.size(), f);
    std::fwrite(spike_id.data(), sizeof(int32_t), spike_id.size(), f);
    std::fclose(f);
  }
  return 0;
}
