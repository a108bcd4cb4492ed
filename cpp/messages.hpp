// Error messages of the input validators: one wording for every check, naming the argument and entry.
#pragma once

#include <cstddef>
#include <sstream>
#include <string>

namespace snnas {

// "name[k] = value" (17 significant digits for floating-point values).
template <typename T>
std::string at(const char* name, size_t k, T value) {
  std::ostringstream out;
  out.precision(17);
  out << name << "[" << k << "] = " << value;
  return out.str();
}

// "name: expected want entries (what), got got".
inline std::string size_problem(const char* name, size_t got, size_t want, const char* what) {
  std::ostringstream out;
  out << name << ": expected " << want << " entries (" << what << "), got " << got;
  return out.str();
}

}  // namespace snnas
