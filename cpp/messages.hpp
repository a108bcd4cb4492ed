// Error messages of the input validators: one wording for every check, naming the argument and entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

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

// "" when ptr is the row pointers of `rows` CSR rows over `entries` entries (rows + 1 of them, from 0,
// non-decreasing, ending at entries), else one message naming `name` (what: the entries, for people).
inline std::string row_pointer_problem(const char* name, const std::vector<int64_t>& ptr, size_t rows,
                                       size_t entries, const char* what) {
  if (ptr.size() != rows + 1) return size_problem(name, ptr.size(), rows + 1, "rows + 1");
  if (ptr.front() != 0) return at(name, 0, ptr.front()) + ": expected 0";
  for (size_t i = 1; i < ptr.size(); ++i)
    if (ptr[i] < ptr[i - 1]) return at(name, i, ptr[i]) + ": expected non-decreasing row pointers";
  if (static_cast<size_t>(ptr.back()) != entries)
    return at(name, ptr.size() - 1, ptr.back()) + ": expected the number of " + what + " (" +
           std::to_string(entries) + ")";
  return "";
}

}  // namespace snnas
