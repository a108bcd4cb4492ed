// The only pybind11 file of snnas: numpy arrays in, numpy arrays and counters out.
// Everything else in cpp/ is plain C++17 and never includes Python headers.
//
// Every argument is checked here before the engine sees it: type, dtype, dimensions, contiguity, then
// (through snnas::validate) sizes, index ranges, finiteness, signs and CSR consistency. Arrays are copied
// into the engine's own storage while the GIL is held, so the run (without the GIL) cannot see them
// change. A PreparedNetwork is immutable, so runs of one network may proceed in several threads. Any
// bad input raises snnas.errors.SimulationInputError naming the argument.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "codes.hpp"
#include "engine.hpp"
#include "fixed.hpp"
#include "fixed_batch.hpp"
#include "float_batch.hpp"
#include "hardware.hpp"
#include "huge_pages.hpp"
#include "layered.hpp"
#include "network.hpp"

#ifndef SNNAS_VERSION
#define SNNAS_VERSION "unknown"
#endif

namespace py = pybind11;

namespace {

py::dict build_info() {
  py::dict info;
  info["version"] = SNNAS_VERSION;
#if defined(__clang__)
  info["compiler"] = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  info["compiler"] = std::string("gcc ") + __VERSION__;
#else
  info["compiler"] = "unknown";
#endif
  info["cplusplus"] = static_cast<long>(__cplusplus);
#if defined(NDEBUG)
  info["optimized"] = true;
#else
  info["optimized"] = false;
#endif
#if defined(SNNAS_NATIVE)
  info["native"] = true;
  info["build"] = "native";
#else
  info["native"] = false;
  info["build"] = "portable";
#endif
  info["kernels"] = snnas::kernel_variant();  // the clone of the hot kernels this CPU runs (dispatch.hpp)
  return info;
}

[[noreturn]] void input_error(const std::string& message) {
  py::object cls = py::module_::import("snnas.errors").attr("SimulationInputError");
  PyErr_SetString(cls.ptr(), message.c_str());
  throw py::error_already_set();
}

std::string type_name(py::handle obj) { return py::str(py::type::of(obj).attr("__name__")).cast<std::string>(); }

// A Python integer (bool excluded; numpy integers accepted) as int64, or SimulationInputError.
int64_t take_int(py::handle obj, const char* name) {
  if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr()))
    input_error(std::string(name) + ": expected an integer, got " + type_name(obj));
  py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!index) {
    PyErr_Clear();
    input_error(std::string(name) + ": expected an integer, got " + type_name(obj));
  }
  int overflow = 0;
  const long long value = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (overflow != 0 || (value == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    input_error(std::string(name) + ": integer out of range");
  }
  return static_cast<int64_t>(value);
}

template <typename T>
const char* dtype_name() {
  if constexpr (std::is_same_v<T, double>) return "float64";
  if constexpr (std::is_same_v<T, float>) return "float32";
  if constexpr (std::is_same_v<T, int32_t>) return "int32";
  if constexpr (std::is_same_v<T, uint8_t>) return "uint8";
  return "int64";
}

// A C-contiguous numpy array of exactly dtype T and ndim in [min_ndim, max_ndim], copied into a vector.
template <typename T>
std::vector<T> take_array(py::handle obj, const char* name, int min_ndim = 1, int max_ndim = 1,
                          std::vector<py::ssize_t>* shape = nullptr) {
  if (!py::isinstance<py::array>(obj))
    input_error(std::string(name) + ": expected a numpy array of " + dtype_name<T>() + ", got " + type_name(obj));
  py::array arr = py::reinterpret_borrow<py::array>(obj);
  py::dtype dt = arr.dtype();
  const char want_kind = std::is_floating_point_v<T> ? 'f' : std::is_unsigned_v<T> ? 'u' : 'i';
  if (dt.kind() != want_kind || dt.itemsize() != static_cast<py::ssize_t>(sizeof(T)) ||
      !dt.attr("isnative").cast<bool>() || dt.attr("fields").is_none() == false)
    input_error(std::string(name) + ": expected dtype " + dtype_name<T>() + ", got " +
                py::str(dt).cast<std::string>());
  if (arr.ndim() < min_ndim || arr.ndim() > max_ndim)
    input_error(std::string(name) + ": expected " + std::to_string(min_ndim) +
                (min_ndim == max_ndim ? "" : " or " + std::to_string(max_ndim)) + " dimension(s), got " +
                std::to_string(arr.ndim()));
  if (!(arr.flags() & py::array::c_style))
    input_error(std::string(name) + ": expected a C-contiguous array (use numpy.ascontiguousarray)");
  if (shape) shape->assign(arr.shape(), arr.shape() + arr.ndim());
  const T* data = static_cast<const T*>(arr.data());
  std::vector<T> out;
  snnas::assign_huge(out, data, data + arr.size());  // fresh memory: huge pages where Linux grants them
  return out;
}

template <typename T>
py::array_t<T> to_numpy(const std::vector<T>& v) {
  py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(out.mutable_data(), v.data(), v.size() * sizeof(T));
  return out;
}

// The network arguments, checked and copied; raises SimulationInputError on the first problem.
// A Python float or integer (bool excluded; numpy float64 and integers accepted) as a double, or
// SimulationInputError.
double take_float(py::handle obj, const char* name) {
  if (PyBool_Check(obj.ptr()) || !(PyFloat_Check(obj.ptr()) || PyIndex_Check(obj.ptr())))
    input_error(std::string(name) + ": expected a real number, got " + type_name(obj));
  const double value = PyFloat_AsDouble(obj.ptr());
  if (value == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    input_error(std::string(name) + ": expected a real number representable as a double");
  }
  return value;
}

// An optional per-neuron float64 array: None gives n copies of fallback.
std::vector<double> take_optional(py::handle obj, const char* name, size_t n, double fallback) {
  if (obj.is_none()) return std::vector<double>(n, fallback);
  return take_array<double>(obj, name);
}

// A reset code in range, or SimulationInputError.
void check_reset(int64_t reset) {
  if (reset < 0 || reset >= snnas::kNumResets)
    input_error("reset: expected " + snnas::reset_choices() + ", got " + std::to_string(reset));
}

// A number of neurons (the length of v_th) the core can index, or SimulationInputError.
void check_neurons(size_t n) {
  if (n > static_cast<uint64_t>(snnas::kMaxNeurons))
    input_error("v_th: too many neurons (at most " + std::to_string(snnas::kMaxNeurons) + ")");
}

snnas::Network parse_network(py::handle model_obj, py::handle reset_obj, py::handle v_th, py::handle v_reset,
                             py::handle v_rest, py::handle alpha_m, py::handle alpha_s, py::handle t_ref,
                             py::handle row_ptr, py::handle target, py::handle weight, py::handle delay,
                             py::handle beta, py::handle alpha_a, py::handle izh_ka, py::handle izh_b,
                             py::handle izh_d, py::handle dt, py::handle substeps) {
  const int64_t model = take_int(model_obj, "model");
  const int64_t reset = take_int(reset_obj, "reset");
  if (model < 0 || model > snnas::kLastModel)
    input_error("model: expected " + snnas::model_choices() + ", got " + std::to_string(model));
  check_reset(reset);
  snnas::Network net;
  net.params.model = static_cast<snnas::Model>(model);
  net.params.reset = static_cast<snnas::ResetMode>(reset);
  net.params.v_th = take_array<double>(v_th, "v_th");
  const size_t n = net.params.v_th.size();
  check_neurons(n);
  net.num_neurons = static_cast<int32_t>(n);
  net.params.v_reset = take_array<double>(v_reset, "v_reset");
  net.params.v_rest = take_array<double>(v_rest, "v_rest");
  net.params.alpha_m = take_array<double>(alpha_m, "alpha_m");
  net.params.alpha_s = take_array<double>(alpha_s, "alpha_s");
  net.params.t_ref = take_array<int32_t>(t_ref, "t_ref");
  net.synapses.row_ptr = take_array<int64_t>(row_ptr, "row_ptr");
  net.synapses.target = take_array<int32_t>(target, "target");
  net.synapses.weight = take_array<double>(weight, "weight");
  net.synapses.delay = take_array<int32_t>(delay, "delay");
  net.params.beta = take_optional(beta, "beta", n, 0.0);
  net.params.alpha_a = take_optional(alpha_a, "alpha_a", n, 1.0);
  net.params.izh_ka = take_optional(izh_ka, "izh_ka", n, 0.0);
  net.params.izh_b = take_optional(izh_b, "izh_b", n, 0.0);
  net.params.izh_d = take_optional(izh_d, "izh_d", n, 0.0);
  if (!dt.is_none()) net.params.dt = take_float(dt, "dt");
  if (!substeps.is_none()) {
    const int64_t k = take_int(substeps, "substeps");
    if (k < 1 || k > snnas::kMaxSubsteps)
      input_error("substeps: expected an integer in [1, " + std::to_string(snnas::kMaxSubsteps) + "], got " +
                  std::to_string(k));
    net.params.substeps = static_cast<int32_t>(k);
  }
  const std::string problem = snnas::validate_network(net);
  if (!problem.empty()) input_error(problem);
  return net;
}

struct RunInput {
  snnas::ExternalInput ext;
  snnas::InitialState init;
  int64_t n_steps = 0;
};

// n_steps as a Python integer in [0, INT32_MAX], or SimulationInputError.
int64_t take_steps(py::handle obj) {
  const int64_t steps = take_int(obj, "n_steps");
  if (steps < 0 || steps > snnas::kMaxSteps)
    input_error("n_steps: expected an integer in [0, " + std::to_string(snnas::kMaxSteps) + "], got " +
                std::to_string(steps));
  return steps;
}

// An optional external current i_ext: None, (n,) per neuron or (n_steps, n) per step, as dtype T.
template <typename T>
snnas::CurrentMode take_current(py::handle i_ext, int64_t n, int64_t n_steps, std::vector<T>& out) {
  if (i_ext.is_none()) return snnas::CurrentMode::None;
  std::vector<py::ssize_t> shape;
  out = take_array<T>(i_ext, "i_ext", 1, 2, &shape);
  if (shape.size() == 1 && shape[0] == n) return snnas::CurrentMode::PerNeuron;
  if (shape.size() == 2 && shape[0] == n_steps && shape[1] == n) return snnas::CurrentMode::PerStep;
  std::string got = "(" + std::to_string(shape[0]) + (shape.size() == 2 ? ", " + std::to_string(shape[1]) : ",") + ")";
  input_error("i_ext: expected shape (n,) = (" + std::to_string(n) + ",) or (n_steps, n) = (" + std::to_string(n_steps) +
              ", " + std::to_string(n) + "), got " + got);
}

// The arguments of one run of a network of n neurons, checked and copied.
RunInput parse_run(int32_t n, py::handle n_steps_obj, py::handle v0, py::handle i0, py::handle ext_step,
                   py::handle ext_id, py::handle ext_weight, py::handle i_ext) {
  RunInput in;
  in.n_steps = take_steps(n_steps_obj);
  in.init.v = take_array<double>(v0, "v0");
  in.init.i_syn = take_array<double>(i0, "i0");
  in.ext.spike_step = take_array<int64_t>(ext_step, "ext_step");
  in.ext.spike_id = take_array<int32_t>(ext_id, "ext_id");
  in.ext.spike_weight = take_array<double>(ext_weight, "ext_weight");
  in.ext.current_mode = take_current<double>(i_ext, n, in.n_steps, in.ext.current);
  const std::string problem = snnas::validate_run(n, in.ext, in.init, in.n_steps);
  if (!problem.empty()) input_error(problem);
  return in;
}

py::dict to_dict(const snnas::Result& result, snnas::Model model) {
  py::dict out;
  py::dict hidden;
  const size_t n = result.v.size();
  const std::vector<const char*> names = snnas::hidden_names(model);
  for (size_t r = 0; r < names.size(); ++r) {
    py::array_t<double> row(static_cast<py::ssize_t>(n));
    if (n > 0) std::memcpy(row.mutable_data(), result.hidden.data() + r * n, n * sizeof(double));
    hidden[names[r]] = row;
  }
  out["hidden"] = hidden;
  out["spike_step"] = to_numpy(result.spike_step);
  out["spike_id"] = to_numpy(result.spike_id);
  out["v"] = to_numpy(result.v);
  out["i_syn"] = to_numpy(result.i_syn);
  out["synaptic_events"] = result.counters.synaptic_events;
  out["external_events"] = result.counters.external_events;
  out["neuron_updates"] = result.counters.neuron_updates;
  out["spikes"] = result.counters.spikes;
  return out;
}

#define SNNAS_NET_ARGS                                                                                        \
  py::object model, py::object reset, py::object v_th, py::object v_reset, py::object v_rest, py::object alpha_m, \
      py::object alpha_s, py::object t_ref, py::object row_ptr, py::object target, py::object weight,            \
      py::object delay, py::object beta, py::object alpha_a, py::object izh_ka, py::object izh_b, py::object izh_d, \
      py::object dt, py::object substeps
#define SNNAS_NET_PASS                                                                                    \
  model, reset, v_th, v_reset, v_rest, alpha_m, alpha_s, t_ref, row_ptr, target, weight, delay, beta, alpha_a, \
      izh_ka, izh_b, izh_d, dt, substeps
#define SNNAS_RUN_ARGS                                                                                     \
  py::object n_steps, py::object v0, py::object i0, py::object ext_step, py::object ext_id, py::object ext_weight, \
      py::object i_ext
#define SNNAS_RUN_PASS n_steps, v0, i0, ext_step, ext_id, ext_weight, i_ext

// precision: None or "double" (the default), or "single" (IF, LIF, CUBA_LIF); checked against the model.
snnas::Precision take_precision(py::handle obj, snnas::Model model) {
  snnas::Precision p = snnas::Precision::Double;
  if (!obj.is_none()) {
    if (!py::isinstance<py::str>(obj))
      input_error("precision: expected 'double' or 'single', got " + type_name(obj));
    const std::string name = obj.cast<std::string>();
    if (name == "single") p = snnas::Precision::Single;
    else if (name != "double") input_error("precision: expected 'double' or 'single', got '" + name + "'");
  }
  const std::string problem = snnas::validate_precision(model, p);
  if (!problem.empty()) input_error(problem);
  return p;
}

std::unique_ptr<snnas::PreparedNetwork> prepare(SNNAS_NET_ARGS, py::object precision) {
  snnas::Network net = parse_network(SNNAS_NET_PASS);
  const snnas::Precision p = take_precision(precision, net.params.model);
  py::gil_scoped_release release;
  return std::make_unique<snnas::PreparedNetwork>(std::move(net), p);
}

py::dict run(const snnas::PreparedNetwork& net, SNNAS_RUN_ARGS) {
  const RunInput in = parse_run(net.num_neurons(), SNNAS_RUN_PASS);
  snnas::Result result;
  {
    py::gil_scoped_release release;
    result = net.run_validated(in.ext, in.init, in.n_steps);
  }
  return to_dict(result, net.model());
}

// The raster of a batch (batch_raster.hpp): samples x n_steps x inputs spike counts, uint8 or else int32.
void take_raster(py::handle raster, int64_t n_steps, int32_t n_inputs, snnas::BatchRaster& out) {
  std::vector<py::ssize_t> shape;
  if (py::isinstance<py::array>(raster) && py::reinterpret_borrow<py::array>(raster).dtype().kind() == 'u')
    out.raster8 = take_array<uint8_t>(raster, "raster", 3, 3, &shape);
  else
    out.raster32 = take_array<int32_t>(raster, "raster", 3, 3, &shape);
  if (shape[1] != static_cast<py::ssize_t>(n_steps) || shape[2] != static_cast<py::ssize_t>(n_inputs))
    input_error("raster: expected shape (samples, n_steps = " + std::to_string(n_steps) + ", inputs = " +
                std::to_string(n_inputs) + "), got (" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) +
                ", " + std::to_string(shape[2]) + ")");
  out.samples = static_cast<int64_t>(shape[0]);
}

// f() without the GIL; a run the core refuses or stops (std::invalid_argument, std::runtime_error: input it
// could only judge while running) becomes SimulationInputError once the GIL is back.
template <typename F>
auto released(F&& f) -> decltype(f()) {
  decltype(f()) out{};
  std::string failure;
  {
    py::gil_scoped_release release;
    try {
      out = f();
    } catch (const std::invalid_argument& e) {
      failure = e.what();
    } catch (const std::runtime_error& e) {
      failure = e.what();
    }
  }
  if (!failure.empty()) input_error(failure);
  return out;
}

// PreparedNetwork.run_batch(): many samples from one initial state and current (float_batch.hpp), threads
// without the GIL; the spikes of every sample in one array.
py::dict run_batch(const snnas::PreparedNetwork& net, py::object n_steps, py::object v0, py::object i0,
                   py::object i_ext, py::object in_ptr, py::object in_target, py::object in_weight,
                   py::object in_delay, py::object raster, py::object threads) {
  const py::array none_i64 = py::array_t<int64_t>(0), none_i32 = py::array_t<int32_t>(0);
  const py::array none_f64 = py::array_t<double>(0);
  const RunInput in = parse_run(net.num_neurons(), n_steps, v0, i0, none_i64, none_i32, none_f64, i_ext);
  snnas::FloatBatch b;
  b.in_ptr = take_array<int64_t>(in_ptr, "in_ptr");
  b.n_inputs = b.in_ptr.empty() ? -1 : static_cast<int32_t>(std::min<size_t>(b.in_ptr.size() - 1, INT32_MAX));
  b.in_target = take_array<int32_t>(in_target, "in_target");
  b.in_weight = take_array<double>(in_weight, "in_weight");
  b.in_delay = take_array<int32_t>(in_delay, "in_delay");
  take_raster(raster, in.n_steps, b.n_inputs, b);
  const int64_t workers = take_int(threads, "threads");
  if (workers < 1 || workers > 1024)
    input_error("threads: expected an integer in [1, 1024], got " + std::to_string(workers));
  const std::string problem =
      snnas::validate_float_batch(net.num_neurons(), in.ext, in.init, b, in.n_steps, static_cast<int32_t>(workers));
  if (!problem.empty()) input_error(problem);
  const int32_t w = static_cast<int32_t>(workers);
  const snnas::FloatBatchResult r =
      released([&] { return snnas::run_float_batch(net, in.ext, in.init, b, in.n_steps, w); });
  py::dict out;
  out["spike_ptr"] = to_numpy(r.spike_ptr);
  out["spike_step"] = to_numpy(r.spike_step);
  out["spike_id"] = to_numpy(r.spike_id);
  out["synaptic_events"] = to_numpy(r.synaptic_events);
  out["external_events"] = to_numpy(r.external_events);
  out["neuron_updates"] = to_numpy(r.neuron_updates);
  return out;
}

void validate(SNNAS_NET_ARGS, SNNAS_RUN_ARGS, py::object precision) {
  const snnas::Network net = parse_network(SNNAS_NET_PASS);
  take_precision(precision, net.params.model);
  parse_run(net.num_neurons, SNNAS_RUN_PASS);
}

py::dict simulate(SNNAS_NET_ARGS, SNNAS_RUN_ARGS, py::object precision) {
  snnas::Network net = parse_network(SNNAS_NET_PASS);
  const snnas::Precision p = take_precision(precision, net.params.model);
  const RunInput in = parse_run(net.num_neurons, SNNAS_RUN_PASS);
  const snnas::Model m = net.params.model;
  snnas::Result result;
  {
    py::gil_scoped_release release;
    result = snnas::PreparedNetwork(std::move(net), p).run_validated(in.ext, in.init, in.n_steps);
  }
  return to_dict(result, m);
}

// The arguments of simulate_fixed(), checked and copied.
struct FixedCall {
  snnas::FixedNetwork net;
  snnas::FixedInput in;
  int64_t n_steps = 0;
  bool probed = false;  // a probe was given (possibly empty): the result has its tables
};

FixedCall parse_fixed(py::handle model_obj, py::handle reset_obj, py::handle state_bits, py::handle v_th,
                      py::handle v_reset, py::handle decay_m, py::handle decay_s, py::handle t_ref, py::handle row_ptr,
                      py::handle target, py::handle weight, py::handle delay, py::handle n_steps, py::handle v0,
                      py::handle i0, py::handle ext_step, py::handle ext_id, py::handle ext_weight, py::handle i_ext,
                      py::handle current_bits, py::handle order, py::handle decay_rounding, py::handle threshold_test,
                      py::handle v_overflow, py::handle i_overflow, py::handle probe, py::handle v_min,
                      py::handle max_spikes, py::handle integration, py::handle decay_bits) {
  FixedCall c;
  const int64_t model = take_int(model_obj, "model");
  const int64_t reset = take_int(reset_obj, "reset");
  if (!snnas::is_fixed_point_model(model))
    input_error("model: expected " + snnas::model_choices(true) + ", got " + std::to_string(model));
  check_reset(reset);
  const int64_t bits = take_int(state_bits, "state_bits");
  if (bits < snnas::kMinStateBits || bits > snnas::kMaxStateBits)
    input_error("state_bits: expected an integer in [" + std::to_string(snnas::kMinStateBits) + ", " +
                std::to_string(snnas::kMaxStateBits) + "], got " + std::to_string(bits));
  auto& p = c.net.params;
  p.model = static_cast<snnas::Model>(model);
  p.reset = static_cast<snnas::ResetMode>(reset);
  p.state_bits = static_cast<int32_t>(bits);
  // The rule codes (codes.hpp); validate_fixed() checks their ranges and names the choices.
  const auto code = [](py::handle obj, const char* name, int64_t fallback) -> int32_t {
    const int64_t c = obj.is_none() ? fallback : take_int(obj, name);
    if (c < INT32_MIN || c > INT32_MAX) input_error(std::string(name) + ": code out of range");
    return static_cast<int32_t>(c);
  };
  p.current_bits = code(current_bits, "current_bits", bits);
  p.order = static_cast<snnas::StepOrder>(code(order, "order", 0));
  p.rounding = static_cast<snnas::DecayRounding>(code(decay_rounding, "decay_rounding", 0));
  p.threshold = static_cast<snnas::ThresholdTest>(code(threshold_test, "threshold_test", 0));
  p.v_overflow = static_cast<snnas::Overflow>(code(v_overflow, "v_overflow", 0));
  p.i_overflow = static_cast<snnas::Overflow>(code(i_overflow, "i_overflow", 0));
  p.max_spikes = code(max_spikes, "max_spikes", 1);
  p.integration = static_cast<snnas::Integration>(code(integration, "integration", 0));
  p.decay_bits = code(decay_bits, "decay_bits", snnas::kFixedShift);
  if (!v_min.is_none()) p.v_min = take_array<int64_t>(v_min, "v_min");
  c.probed = !probe.is_none();
  if (c.probed) c.in.probe = take_array<int32_t>(probe, "probe");
  p.v_th = take_array<int64_t>(v_th, "v_th");
  check_neurons(p.v_th.size());
  const int32_t n = static_cast<int32_t>(p.v_th.size());
  c.net.num_neurons = n;
  p.v_reset = take_array<int64_t>(v_reset, "v_reset");
  p.decay_m = take_array<int32_t>(decay_m, "decay_m");
  p.decay_s = take_array<int32_t>(decay_s, "decay_s");
  p.t_ref = take_array<int32_t>(t_ref, "t_ref");
  c.net.synapses.row_ptr = take_array<int64_t>(row_ptr, "row_ptr");
  c.net.synapses.target = take_array<int32_t>(target, "target");
  c.net.synapses.weight = take_array<int32_t>(weight, "weight");
  c.net.synapses.delay = take_array<int32_t>(delay, "delay");
  c.n_steps = take_steps(n_steps);
  c.in.v0 = take_array<int64_t>(v0, "v0");
  c.in.i0 = take_array<int64_t>(i0, "i0");
  c.in.spike_step = take_array<int64_t>(ext_step, "ext_step");
  c.in.spike_id = take_array<int32_t>(ext_id, "ext_id");
  c.in.spike_weight = take_array<int32_t>(ext_weight, "ext_weight");
  c.in.current_mode = take_current<int32_t>(i_ext, n, c.n_steps, c.in.current);
  const std::string problem = snnas::validate_fixed(c.net, c.in, c.n_steps);
  if (!problem.empty()) input_error(problem);
  return c;
}

#define SNNAS_FIXED_ARGS                                                                                          \
  py::object model, py::object reset, py::object state_bits, py::object v_th, py::object v_reset, py::object decay_m, \
      py::object decay_s, py::object t_ref, py::object row_ptr, py::object target, py::object weight,               \
      py::object delay, py::object n_steps, py::object v0, py::object i0, py::object ext_step, py::object ext_id,  \
      py::object ext_weight, py::object i_ext, py::object current_bits, py::object order, py::object decay_rounding, \
      py::object threshold_test, py::object v_overflow, py::object i_overflow, py::object probe, py::object v_min, \
      py::object max_spikes, py::object integration, py::object decay_bits
#define SNNAS_FIXED_PASS                                                                                       \
  model, reset, state_bits, v_th, v_reset, decay_m, decay_s, t_ref, row_ptr, target, weight, delay, n_steps, v0, \
      i0, ext_step, ext_id, ext_weight, i_ext, current_bits, order, decay_rounding, threshold_test, v_overflow,   \
      i_overflow, probe, v_min, max_spikes, integration, decay_bits

void validate_fixed(SNNAS_FIXED_ARGS) { parse_fixed(SNNAS_FIXED_PASS); }

py::dict simulate_fixed(SNNAS_FIXED_ARGS) {
  const FixedCall c = parse_fixed(SNNAS_FIXED_PASS);
  // a run the core stops (per_event activity without bound): SimulationInputError
  const snnas::FixedResult r = released([&] { return snnas::simulate_fixed(c.net, c.in, c.n_steps); });
  py::dict out;
  out["spike_step"] = to_numpy(r.spike_step);
  out["spike_id"] = to_numpy(r.spike_id);
  out["v"] = to_numpy(r.v);
  out["i_syn"] = to_numpy(r.i_syn);
  out["synaptic_events"] = r.synaptic_events;
  out["external_events"] = r.external_events;
  out["neuron_updates"] = r.neuron_updates;
  out["spikes"] = r.spikes;
  if (c.probed) {  // (n_steps, probes) tables of the probed neurons' state at the end of each step
    const py::ssize_t rows = static_cast<py::ssize_t>(c.n_steps), cols = static_cast<py::ssize_t>(c.in.probe.size());
    for (const auto& [key, vec] : {std::pair<const char*, const std::vector<int64_t>*>{"v_probe", &r.v_probe},
                                   std::pair<const char*, const std::vector<int64_t>*>{"i_syn_probe", &r.i_syn_probe}}) {
      py::array_t<int64_t> table({rows, cols});
      if (!vec->empty()) std::memcpy(table.mutable_data(), vec->data(), vec->size() * sizeof(int64_t));
      out[key] = table;
    }
  }
  return out;
}

// simulate_fixed_batch(): the fixed-point network of simulate_fixed() run on a batch of samples
// (fixed_batch.hpp), threads without the GIL.
struct BatchCall {
  FixedCall c;
  snnas::FixedBatch b;
  int32_t threads = 1;
};

#define SNNAS_BATCH_ARGS                                                                                  \
  SNNAS_FIXED_ARGS, py::object in_ptr, py::object in_target, py::object in_weight, py::object raster, \
      py::object out_begin, py::object n_out, py::object membrane, py::object threads
#define SNNAS_BATCH_PASS \
  SNNAS_FIXED_PASS, in_ptr, in_target, in_weight, raster, out_begin, n_out, membrane, threads

BatchCall parse_batch(SNNAS_BATCH_ARGS) {
  BatchCall call{parse_fixed(SNNAS_FIXED_PASS), {}, 1};
  snnas::FixedBatch& b = call.b;
  b.in_ptr = take_array<int64_t>(in_ptr, "in_ptr");
  b.n_inputs = b.in_ptr.empty() ? -1 : static_cast<int32_t>(std::min<size_t>(b.in_ptr.size() - 1, INT32_MAX));
  b.in_target = take_array<int32_t>(in_target, "in_target");
  b.in_weight = take_array<int32_t>(in_weight, "in_weight");
  take_raster(raster, call.c.n_steps, b.n_inputs, b);
  const int64_t begin = take_int(out_begin, "out_begin"), count = take_int(n_out, "n_out");
  const int64_t workers = take_int(threads, "threads");
  if (begin < 0 || begin > INT32_MAX || count < 0 || count > INT32_MAX)
    input_error("out_begin, n_out: expected integers in [0, 2^31)");
  if (workers < 1 || workers > 1024)
    input_error("threads: expected an integer in [1, 1024], got " + std::to_string(workers));
  if (!PyBool_Check(membrane.ptr())) input_error("membrane: expected a bool, got " + type_name(membrane));
  b.out_begin = static_cast<int32_t>(begin);
  b.n_out = static_cast<int32_t>(count);
  b.membrane = membrane.cast<bool>();
  call.threads = static_cast<int32_t>(workers);
  if (call.c.probed) input_error("probe: a batch probes its outputs itself (membrane=True); expected None");
  const std::string problem = snnas::validate_fixed_batch(call.c.net, call.c.in, b, call.c.n_steps, call.threads);
  if (!problem.empty()) input_error(problem);
  return call;
}

void validate_fixed_batch(SNNAS_BATCH_ARGS) { parse_batch(SNNAS_BATCH_PASS); }

py::dict simulate_fixed_batch(SNNAS_BATCH_ARGS) {
  const BatchCall call = parse_batch(SNNAS_BATCH_PASS);
  const FixedCall& c = call.c;
  const snnas::FixedBatch& b = call.b;
  const snnas::FixedBatchResult r =
      released([&] { return snnas::simulate_fixed_batch(c.net, c.in, b, c.n_steps, call.threads); });
  const py::ssize_t samples = static_cast<py::ssize_t>(b.samples), steps = static_cast<py::ssize_t>(c.n_steps),
                    outs = static_cast<py::ssize_t>(b.n_out);
  py::dict out;
  py::array_t<int32_t> spikes({samples, steps, outs});
  if (!r.out_spikes.empty()) std::memcpy(spikes.mutable_data(), r.out_spikes.data(), r.out_spikes.size() * 4);
  out["out_spikes"] = spikes;
  if (b.membrane) {
    py::array_t<int64_t> v({samples, outs});
    if (!r.v_sum.empty()) std::memcpy(v.mutable_data(), r.v_sum.data(), r.v_sum.size() * 8);
    out["v_sum"] = v;
  }
  out["synaptic_events"] = to_numpy(r.synaptic_events);
  out["external_events"] = to_numpy(r.external_events);
  out["neuron_updates"] = to_numpy(r.neuron_updates);
  out["spikes"] = to_numpy(r.spikes);
  out["neuron_spikes"] = to_numpy(r.neuron_spikes);
  return out;
}

// count_chip_events(), prepare_chip(), PreparedChip.count(): per-core, per-step event counts of a run
// on a mapped chip (hardware.hpp).
// The arrays of a chip-count call, checked and owned (the ChipCountsInput points into them).
struct ChipCall {
  std::vector<int64_t> rp, ss;
  std::vector<int32_t> tg, dl, nc, si, cx, cy;
  snnas::ChipCountsInput in;
};

// The network and placement of a chip-count call (checked by validate_chip_network() afterwards).
void parse_chip_network(ChipCall& call, py::handle row_ptr, py::handle target, py::handle delay,
                        py::handle neuron_core, py::handle core_x, py::handle core_y, py::handle num_cores) {
  call.rp = take_array<int64_t>(row_ptr, "row_ptr");
  call.tg = take_array<int32_t>(target, "target");
  call.dl = take_array<int32_t>(delay, "delay");
  call.nc = take_array<int32_t>(neuron_core, "neuron_core");
  const bool mesh = !core_x.is_none() || !core_y.is_none();
  if (mesh) {
    if (core_x.is_none() || core_y.is_none()) input_error("core_x, core_y: give both or neither");
    call.cx = take_array<int32_t>(core_x, "core_x");
    call.cy = take_array<int32_t>(core_y, "core_y");
  }
  const int64_t k = take_int(num_cores, "num_cores");
  if (k < 0 || k > INT32_MAX) input_error("num_cores: expected an integer in [0, 2147483647], got " + std::to_string(k));
  if (call.rp.empty() || call.rp.size() - 1 > static_cast<size_t>(INT32_MAX))
    input_error("row_ptr: expected n + 1 entries with 0 <= n <= 2147483647");
  const size_t n = call.rp.size() - 1;
  if (call.rp.back() < 0 || static_cast<size_t>(call.rp.back()) != call.tg.size() || call.tg.size() != call.dl.size())
    input_error("row_ptr, target, delay: expected row_ptr[-1] = len(target) = len(delay), got " +
                std::to_string(call.rp.back()) + ", " + std::to_string(call.tg.size()) + ", " +
                std::to_string(call.dl.size()));
  if (call.nc.size() != n)
    input_error("neuron_core: expected " + std::to_string(n) + " entries (one per neuron), got " +
                std::to_string(call.nc.size()));
  if (mesh && (call.cx.size() != static_cast<size_t>(k) || call.cy.size() != static_cast<size_t>(k)))
    input_error("core_x, core_y: expected num_cores = " + std::to_string(k) + " entries each");
  snnas::ChipCountsInput& in = call.in;
  in.num_neurons = static_cast<int32_t>(n);
  in.num_cores = static_cast<int32_t>(k);
  in.row_ptr = call.rp.data();
  in.target = call.tg.data();
  in.delay = call.dl.data();
  in.neuron_core = call.nc.data();
  in.core_x = mesh ? call.cx.data() : nullptr;
  in.core_y = mesh ? call.cy.data() : nullptr;
}

// The spikes and steps of a chip-count call (checked by validate_chip_spikes() afterwards).
void parse_chip_spikes(ChipCall& call, py::handle spike_step, py::handle spike_id, py::handle n_steps) {
  call.ss = take_array<int64_t>(spike_step, "spike_step");
  call.si = take_array<int32_t>(spike_id, "spike_id");
  if (call.ss.size() != call.si.size())
    input_error("spike_step, spike_id: expected equal lengths, got " + std::to_string(call.ss.size()) + " and " +
                std::to_string(call.si.size()));
  call.in.n_steps = take_steps(n_steps);
  call.in.n_spikes = static_cast<int64_t>(call.ss.size());
  call.in.spike_step = call.ss.data();
  call.in.spike_id = call.si.data();
}

void parse_chip_call(ChipCall& call, py::handle row_ptr, py::handle target, py::handle delay, py::handle neuron_core,
                     py::handle core_x, py::handle core_y, py::handle num_cores, py::handle spike_step,
                     py::handle spike_id, py::handle n_steps) {
  parse_chip_network(call, row_ptr, target, delay, neuron_core, core_x, core_y, num_cores);
  parse_chip_spikes(call, spike_step, spike_id, n_steps);
}

// Counts the (checked) spikes of call with counter into fresh numpy tables, without the GIL.
py::dict count_tables(const snnas::ChipCounter& counter, const snnas::ChipCountsInput& in) {
  const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(in.n_steps), static_cast<py::ssize_t>(in.num_cores)};
  const char* names[] = {"synops", "spikes_out", "packets_out", "packets_in", "hops_x", "hops_y",
                         "max_hops_x", "max_hops_y", "updates_active", "updates_idle"};
  std::vector<py::array_t<int64_t>> tables;
  for (int t = 0; t < 10; ++t) tables.emplace_back(shape);
  const snnas::ChipTables out{tables[0].mutable_data(), tables[1].mutable_data(), tables[2].mutable_data(),
                              tables[3].mutable_data(), tables[4].mutable_data(), tables[5].mutable_data(),
                              tables[6].mutable_data(), tables[7].mutable_data(), tables[8].mutable_data(),
                              tables[9].mutable_data()};
  {
    py::gil_scoped_release release;
    counter.count_into(in.n_steps, in.n_spikes, in.spike_step, in.spike_id, out);
  }
  py::dict result;
  for (int t = 0; t < 10; ++t) result[names[t]] = tables[static_cast<size_t>(t)];
  return result;
}

py::dict count_chip_events(py::handle row_ptr, py::handle target, py::handle delay, py::handle neuron_core,
                           py::handle core_x, py::handle core_y, py::handle num_cores, py::handle spike_step,
                           py::handle spike_id, py::handle n_steps) {
  ChipCall call;
  parse_chip_call(call, row_ptr, target, delay, neuron_core, core_x, core_y, num_cores, spike_step, spike_id, n_steps);
  const std::string problem = snnas::validate_chip_counts(call.in);
  if (!problem.empty()) input_error(problem);
  std::unique_ptr<snnas::ChipCounter> counter;
  {
    py::gil_scoped_release release;
    counter = std::make_unique<snnas::ChipCounter>(call.in);
  }
  return count_tables(*counter, call.in);
}

std::unique_ptr<snnas::ChipCounter> prepare_chip(py::handle row_ptr, py::handle target, py::handle delay,
                                                 py::handle neuron_core, py::handle core_x, py::handle core_y,
                                                 py::handle num_cores) {
  ChipCall call;
  parse_chip_network(call, row_ptr, target, delay, neuron_core, core_x, core_y, num_cores);
  const std::string problem = snnas::validate_chip_network(call.in);
  if (!problem.empty()) input_error(problem);
  py::gil_scoped_release release;
  return std::make_unique<snnas::ChipCounter>(call.in);
}

py::dict chip_count(const snnas::ChipCounter& counter, py::handle spike_step, py::handle spike_id,
                    py::handle n_steps) {
  ChipCall call;
  call.in.num_neurons = counter.num_neurons();
  call.in.num_cores = counter.num_cores();
  parse_chip_spikes(call, spike_step, spike_id, n_steps);
  const std::string problem = snnas::validate_chip_spikes(call.in);
  if (!problem.empty()) input_error(problem);
  return count_tables(counter, call.in);
}

// async_event_timing(): release time of every spike on an asynchronous chip (hardware.hpp).
double take_time(py::handle obj, const char* name) {
  if (PyBool_Check(obj.ptr()) || !(PyFloat_Check(obj.ptr()) || PyLong_Check(obj.ptr())))
    input_error(std::string(name) + ": expected a number of seconds, got " + type_name(obj));
  return py::cast<double>(obj);
}

py::dict async_event_timing(py::handle row_ptr, py::handle target, py::handle delay, py::handle neuron_core,
                            py::handle core_x, py::handle core_y, py::handle num_cores, py::handle spike_step,
                            py::handle spike_id, py::handle n_steps, py::handle dt, py::handle t_syn,
                            py::handle t_spike, py::handle t_hop_x, py::handle t_hop_y) {
  ChipCall call;
  parse_chip_call(call, row_ptr, target, delay, neuron_core, core_x, core_y, num_cores, spike_step, spike_id, n_steps);
  snnas::AsyncTimingInput in;
  in.counts = call.in;
  in.dt = take_time(dt, "dt");
  in.t_syn = take_time(t_syn, "t_syn");
  in.t_spike = take_time(t_spike, "t_spike");
  in.t_hop_x = take_time(t_hop_x, "t_hop_x");
  in.t_hop_y = take_time(t_hop_y, "t_hop_y");
  const std::string problem = snnas::validate_async_timing(in);
  if (!problem.empty()) input_error(problem);
  snnas::AsyncTiming t;
  {
    py::gil_scoped_release release;
    t = snnas::async_event_timing(in);
  }
  py::dict out;
  out["release"] = to_numpy(t.release);
  out["busy"] = to_numpy(t.busy);
  return out;
}

// simulate_layered(): the layered float32 simulator of source semantics (layered.hpp).
py::dict simulate_layered(py::handle n_inputs, py::handle pop_ptr, py::handle rules, py::handle record,
                          py::handle f_m, py::handle f_s, py::handle gain, py::handle v_th, py::handle v_reset,
                          py::handle v_leak, py::handle leak, py::handle v_min, py::handle v0, py::handle i0,
                          py::handle bias, py::handle in_ptr, py::handle source, py::handle weight,
                          py::handle delay, py::handle inputs) {
  snnas::LayeredInput in;
  const int64_t n_in = take_int(n_inputs, "n_inputs");
  if (n_in < 0 || n_in > snnas::kMaxNeurons) input_error("n_inputs: expected an integer in [0, 2^31 - 2]");
  in.n_inputs = static_cast<int32_t>(n_in);
  in.pop_ptr = take_array<int64_t>(pop_ptr, "pop_ptr");
  std::vector<py::ssize_t> shape;
  in.rules = take_array<int32_t>(rules, "rules", 2, 2, &shape);
  if (shape[1] != snnas::layered::kColumns)
    input_error("rules: expected " + std::to_string(snnas::layered::kColumns) + " columns, got " +
                std::to_string(shape[1]));
  in.record = take_array<int32_t>(record, "record");
  in.f_m = take_array<float>(f_m, "f_m");
  in.f_s = take_array<float>(f_s, "f_s");
  in.gain = take_array<float>(gain, "gain");
  in.v_th = take_array<float>(v_th, "v_th");
  in.v_reset = take_array<float>(v_reset, "v_reset");
  in.v_leak = take_array<float>(v_leak, "v_leak");
  in.leak = take_array<float>(leak, "leak");
  in.v_min = take_array<float>(v_min, "v_min");
  in.v0 = take_array<float>(v0, "v0");
  in.i0 = take_array<float>(i0, "i0");
  in.bias = take_array<double>(bias, "bias");
  in.in_ptr = take_array<int64_t>(in_ptr, "in_ptr");
  in.source = take_array<int32_t>(source, "source");
  in.weight = take_array<double>(weight, "weight");
  in.delay = take_array<int32_t>(delay, "delay");
  in.inputs = take_array<float>(inputs, "inputs", 2, 2, &shape);
  in.n_steps = shape[0];
  if (shape[1] != n_in)
    input_error("inputs: expected shape (n_steps, n_inputs) with n_inputs = " + std::to_string(n_in) + ", got " +
                std::to_string(shape[1]) + " columns");
  const std::string problem = snnas::validate_layered(in);
  if (!problem.empty()) input_error(problem);
  snnas::LayeredResult res;
  {
    py::gil_scoped_release release;
    res = snnas::run_layered(in);
  }
  const auto table = [&](auto& values, int64_t cols) {
    using T = typename std::decay_t<decltype(values)>::value_type;
    py::array_t<T> arr({static_cast<py::ssize_t>(in.n_steps), static_cast<py::ssize_t>(cols)});
    if (!values.empty()) std::memcpy(arr.mutable_data(), values.data(), values.size() * sizeof(T));
    return arr;
  };
  py::dict out;
  out["spikes"] = table(res.spikes, res.n_spike_cols);
  out["v"] = table(res.v, res.n_state_cols);
  out["i"] = table(res.i, res.n_state_cols);
  return out;
}

py::dict layered_codes() {
  py::dict out;
  for (int32_t k = 0; k < snnas::kNumLayeredCodes; ++k) {
    const snnas::LayeredCode& c = snnas::kLayeredCodes[k];
    if (!out.contains(c.table)) out[c.table] = py::dict();
    out[c.table].cast<py::dict>()[c.name] = c.code;
  }
  py::dict columns;
  const char* names[] = {"model", "decay", "current", "order", "threshold", "max_spikes", "reset", "bounded"};
  for (int32_t k = 0; k < snnas::layered::kColumns; ++k) columns[names[k]] = k;
  out["column"] = columns;
  return out;
}

// The tables of codes.hpp as Python objects: one source for every Python module of snnas.
py::dict model_codes(bool fixed_point_only) {
  py::dict out;
  for (const snnas::ModelInfo& m : snnas::kModels)
    if (!fixed_point_only || m.fixed_point) out[m.name] = static_cast<int32_t>(m.model);
  return out;
}

py::dict reset_codes() {
  py::dict out;
  for (const snnas::ResetInfo& r : snnas::kResets) out[r.name] = static_cast<int32_t>(r.reset);
  return out;
}

// The stepped models and their longest default sub-step [s] (None: one sub-step per step).
py::dict stepped_models() {
  py::dict out;
  for (const snnas::ModelInfo& m : snnas::kModels)
    if (m.stepped) out[m.name] = m.default_substep > 0.0 ? py::object(py::float_(m.default_substep)) : py::none();
  return out;
}

// The names of the further state rows (the 'hidden' dict of a result) of the models that have some.
py::dict hidden_state() {
  py::dict out;
  for (const snnas::ModelInfo& m : snnas::kModels) {
    if (m.num_hidden == 0) continue;
    py::tuple names(m.num_hidden);
    for (int32_t r = 0; r < m.num_hidden; ++r) names[static_cast<size_t>(r)] = py::str(m.hidden[r]);
    out[m.name] = names;
  }
  return out;
}

// One rule table of codes.hpp: name -> code.
template <size_t N>
py::dict rule_codes(const snnas::CodeInfo (&table)[N]) {
  py::dict out;
  for (const snnas::CodeInfo& c : table) out[c.name] = c.code;
  return out;
}

py::dict fixed_rules() {
  py::dict out;
  out["order"] = rule_codes(snnas::kStepOrders);
  out["decay_rounding"] = rule_codes(snnas::kDecayRoundings);
  out["threshold_test"] = rule_codes(snnas::kThresholdTests);
  out["overflow"] = rule_codes(snnas::kOverflows);
  out["integration"] = rule_codes(snnas::kIntegrations);
  return out;
}

py::dict limits() {
  py::dict out;
  out["max_neurons"] = snnas::kMaxNeurons;
  out["max_steps"] = snnas::kMaxSteps;
  out["max_substeps"] = snnas::kMaxSubsteps;
  out["max_ring_entries"] = snnas::kMaxRingEntries;
  out["max_chip_marks"] = snnas::kMaxChipMarks;
  out["decay_shift"] = snnas::kFixedShift;
  out["decay_one"] = snnas::kFixedDecayOne;
  out["min_decay_bits"] = snnas::kMinDecayBits;
  out["max_decay_bits"] = snnas::kMaxDecayBits;
  out["max_state_decay_bits"] = snnas::kMaxStateDecayBits;
  out["min_state_bits"] = snnas::kMinStateBits;
  out["max_state_bits"] = snnas::kMaxStateBits;
  out["max_spikes_per_step"] = snnas::kMaxSpikesPerStep;
  out["max_events_in_flight"] = snnas::kMaxEventsInFlight;
  out["max_layered_spikes"] = snnas::layered::kMaxSpikes;
  return out;
}

}  // namespace

// Argument lists shared by several entry points (pybind11 needs them spelled out at every def).
#define SNNAS_PY_NETWORK                                                                                     \
  py::arg("model"), py::arg("reset"), py::arg("v_th"), py::arg("v_reset"), py::arg("v_rest"), py::arg("alpha_m"), \
      py::arg("alpha_s"), py::arg("t_ref"), py::arg("row_ptr"), py::arg("target"), py::arg("weight"),            \
      py::arg("delay"), py::arg("beta") = py::none(), py::arg("alpha_a") = py::none(),                           \
      py::arg("izh_ka") = py::none(), py::arg("izh_b") = py::none(), py::arg("izh_d") = py::none(),             \
      py::arg("dt") = py::none(), py::arg("substeps") = py::none()
#define SNNAS_PY_RUN                                                                                 \
  py::arg("n_steps"), py::arg("v0"), py::arg("i0"), py::arg("ext_step"), py::arg("ext_id"), py::arg("ext_weight"), \
      py::arg("i_ext") = py::none()
#define SNNAS_PY_FIXED                                                                                         \
  py::arg("model"), py::arg("reset"), py::arg("state_bits"), py::arg("v_th"), py::arg("v_reset"), py::arg("decay_m"), \
      py::arg("decay_s"), py::arg("t_ref"), py::arg("row_ptr"), py::arg("target"), py::arg("weight"),              \
      py::arg("delay"), SNNAS_PY_RUN, py::arg("current_bits") = py::none(), py::arg("order") = py::none(),      \
      py::arg("decay_rounding") = py::none(), py::arg("threshold_test") = py::none(),                          \
      py::arg("v_overflow") = py::none(), py::arg("i_overflow") = py::none(), py::arg("probe") = py::none(),  \
      py::arg("v_min") = py::none(), py::arg("max_spikes") = py::none(), py::arg("integration") = py::none(), \
      py::arg("decay_bits") = py::none()

PYBIND11_MODULE(_core, m) {
  m.doc() = "snnas compiled core (private): event-driven spiking simulation on modelled chips.";
  m.def("build_info", &build_info,
        "Return how this extension was built: version, compiler, C++ standard, optimisation.");
  py::class_<snnas::PreparedNetwork>(m, "PreparedNetwork",
                                     "A checked network made ready to run (snnas.sim.engine.Simulator wraps it).")
      .def_property_readonly("num_neurons", &snnas::PreparedNetwork::num_neurons)
      .def_property_readonly("num_synapses", &snnas::PreparedNetwork::num_synapses)
      .def("run", &run, py::kw_only(), SNNAS_PY_RUN,
           "Run from the initial state v0, i0 with the given external input; returns a dict of spike_step,\n"
           "spike_id, v, i_syn, hidden (further state: theta, u or m, h, n) and counters. Bad input raises\n"
           "snnas.errors.SimulationInputError.")
      .def("run_batch", &run_batch, py::kw_only(), py::arg("n_steps"), py::arg("v0"), py::arg("i0"),
           py::arg("i_ext") = py::none(), py::arg("in_ptr"), py::arg("in_target"), py::arg("in_weight"),
           py::arg("in_delay"), py::arg("raster"), py::arg("threads") = 1,
           "Run a batch of samples (raster: samples x n_steps x inputs spike counts, uint8 or int32), each from\n"
           "v0, i0 under i_ext, its input spikes delivered through the input synapses (CSR in_ptr, in_target,\n"
           "in_weight [V per spike], in_delay [steps]); threads workers. Returns spike_ptr (samples + 1),\n"
           "spike_step, spike_id (every sample's spikes, in its order) and per-sample counters.");
  m.def("prepare", &prepare, py::kw_only(), SNNAS_PY_NETWORK, py::arg("precision") = py::none(),
        "Check a network and make it ready to run; bad input raises snnas.errors.SimulationInputError.\n\n"
        "precision: None or 'double', or 'single' (IF, LIF and CUBA_LIF: parameters, weights, input and state\n"
        "in float).\n"
        "beta, alpha_a (adaptive LIF), izh_ka, izh_b, izh_d, dt and substeps (Izhikevich, Hodgkin-Huxley) may be\n"
        "None: beta = 0, alpha_a = 1, izh_* = 0, dt = 1e-3 s, substeps = 1. They are checked for every model.");
  m.def("simulate", &simulate, py::kw_only(), SNNAS_PY_NETWORK, SNNAS_PY_RUN, py::arg("precision") = py::none(),
        "prepare() and run() in one call (see snnas.sim.engine for the meaning of every argument; the\n"
        "result's 'hidden' dict holds the further state of the stepped models).\n\n"
        "All arrays must be C-contiguous numpy arrays of the exact dtype; bad input raises\n"
        "snnas.errors.SimulationInputError.");
  m.def("validate", &validate, py::kw_only(), SNNAS_PY_NETWORK, SNNAS_PY_RUN, py::arg("precision") = py::none(),
        "Check the arguments of simulate() without running; raises snnas.errors.SimulationInputError.");
  m.def("simulate_fixed", &simulate_fixed, py::kw_only(), SNNAS_PY_FIXED,
        "Run the fixed-point simulator (see snnas.sim.fixed); integer weights, m-bit state, the chip's rule\n"
        "(order, decay_rounding, threshold_test, v_overflow, i_overflow: codes of FIXED_RULES; None = code 0;\n"
        "v_min: lower bound of v per neuron, None = none; max_spikes: spikes per neuron and step, None = 1;\n"
        "integration: code of FIXED_RULES['integration'], None = 0 (summed); decay_bits: decay factors are\n"
        "fractions of 2^decay_bits, None = 12).\n"
        "Bad input raises snnas.errors.SimulationInputError.");
#define SNNAS_PY_BATCH                                                                                       \
  SNNAS_PY_FIXED, py::arg("in_ptr"), py::arg("in_target"), py::arg("in_weight"), py::arg("raster"),             \
      py::arg("out_begin"), py::arg("n_out"), py::arg("membrane") = false, py::arg("threads") = 1
  m.def("simulate_fixed_batch", &simulate_fixed_batch, py::kw_only(), SNNAS_PY_BATCH,
        "Run the fixed-point network of simulate_fixed() on a batch of samples in one call (see\n"
        "snnas.sim.fixed.simulate_fixed_batch): ext_* must be empty, probe None; raster (samples, n_steps,\n"
        "inputs) uint8 or int32 spike counts, delivered through the input synapses in_ptr, in_target, in_weight. Returns out_spikes (samples, n_steps, n_out) int32, v_sum (samples, n_out)\n"
        "int64 when membrane, per-sample counters and neuron_spikes (n,). Threads run without the GIL.\n"
        "Bad input raises snnas.errors.SimulationInputError.");
  m.def("validate_fixed_batch", &validate_fixed_batch, py::kw_only(), SNNAS_PY_BATCH,
        "Check the arguments of simulate_fixed_batch() without running; raises snnas.errors.SimulationInputError.");
  m.def("validate_fixed", &validate_fixed, py::kw_only(), SNNAS_PY_FIXED,
        "Check the arguments of simulate_fixed() without running; raises snnas.errors.SimulationInputError.");
  m.attr("__version__") = SNNAS_VERSION;
  // The tables of cpp/codes.hpp (read by snnas.sim.engine, snnas.sim.fixed and snnas.sim.reference):
  m.attr("MODELS") = model_codes(false);       // model name -> code of the `model` argument
  m.attr("FIXED_MODELS") = model_codes(true);  // the models simulate_fixed() takes
  m.attr("STEPPED_MODELS") = stepped_models(); // evaluated every step -> longest default sub-step [s] or None
  m.attr("HIDDEN") = hidden_state();           // model name -> names of its 'hidden' state rows
  m.attr("RESETS") = reset_codes();            // reset name -> code of the `reset` argument
  m.attr("LIMITS") = limits();                 // the limits the core enforces (see cpp/codes.hpp)
  m.attr("FIXED_RULES") = fixed_rules();       // fixed-point rule tables: order, decay_rounding, ... -> codes
  m.attr("LAYERED") = layered_codes();         // simulate_layered's code tables (layered.hpp): table -> name -> code
  m.def("simulate_layered", &simulate_layered, py::kw_only(), py::arg("n_inputs"), py::arg("pop_ptr"),
        py::arg("rules"), py::arg("record"), py::arg("f_m"), py::arg("f_s"), py::arg("gain"), py::arg("v_th"),
        py::arg("v_reset"), py::arg("v_leak"), py::arg("leak"), py::arg("v_min"), py::arg("v0"), py::arg("i0"),
        py::arg("bias"), py::arg("in_ptr"), py::arg("source"), py::arg("weight"), py::arg("delay"),
        py::arg("inputs"),
        "Run the layered float32 simulator of source semantics (cpp/layered.hpp; snnas.sim.layered builds the\n"
        "arguments): every neuron every step, populations in the given (topological) order. Returns a dict of\n"
        "spikes (n_steps, recorded neurons) int32 and v, i (n_steps, state-recorded neurons) float32. Bad input\n"
        "raises snnas.errors.SimulationInputError.");
  m.def("count_chip_events", &count_chip_events, py::kw_only(), py::arg("row_ptr"), py::arg("target"),
        py::arg("delay"), py::arg("neuron_core"), py::arg("core_x"), py::arg("core_y"), py::arg("num_cores"),
        py::arg("spike_step"), py::arg("spike_id"), py::arg("n_steps"),
        "Per-core, per-step event counts of a run on a mapped chip (definitions in snnas.sim.activity):\n"
        "prepare_chip() and PreparedChip.count() in one call.");
  py::class_<snnas::ChipCounter>(m, "PreparedChip",
                                 "The chip model prepared for one network and placement (snnas.sim.activity.ChipCounter).")
      .def_property_readonly("num_neurons", &snnas::ChipCounter::num_neurons)
      .def_property_readonly("num_cores", &snnas::ChipCounter::num_cores)
      .def("count", &chip_count, py::kw_only(), py::arg("spike_step"), py::arg("spike_id"), py::arg("n_steps"),
           "Per-core, per-step event counts of the spikes of one run (spike_step non-decreasing); a dict of\n"
           "(n_steps, num_cores) int64 tables. Bad input raises snnas.errors.SimulationInputError.");
  m.def("prepare_chip", &prepare_chip, py::kw_only(), py::arg("row_ptr"), py::arg("target"), py::arg("delay"),
        py::arg("neuron_core"), py::arg("core_x"), py::arg("core_y"), py::arg("num_cores"),
        "Check a network and its placement and tabulate what each spike costs on the chip; returns a\n"
        "PreparedChip. Bad input raises snnas.errors.SimulationInputError.");
  m.def("async_event_timing", &async_event_timing, py::kw_only(), py::arg("row_ptr"), py::arg("target"),
        py::arg("delay"), py::arg("neuron_core"), py::arg("core_x"), py::arg("core_y"), py::arg("num_cores"),
        py::arg("spike_step"), py::arg("spike_id"), py::arg("n_steps"), py::arg("dt"), py::arg("t_syn"),
        py::arg("t_spike"), py::arg("t_hop_x"), py::arg("t_hop_y"),
        "Release time of every spike on an asynchronous chip: per-core FIFO service of packets.");
}
