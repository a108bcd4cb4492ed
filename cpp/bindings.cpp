// The only pybind11 file of snnas: numpy arrays in, numpy arrays and counters out.
// Everything else in cpp/ is plain C++17 and never includes Python headers.
#include <pybind11/pybind11.h>

#include <string>

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
  return info;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "snnas compiled core (private): event-driven spiking simulation on modelled chips.";
  m.def("build_info", &build_info,
        "Return how this extension was built: version, compiler, C++ standard, optimisation.");
  m.attr("__version__") = SNNAS_VERSION;
}
