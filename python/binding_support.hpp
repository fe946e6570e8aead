// What the bindings share: the OSError exception type, argument checks with the library's
// messages, and the thread and planner settings.
#pragma once

#include <pybind11/pybind11.h>

#include <cmath>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/threads.hpp"
#include "fft/fft.hpp"
#include "serialize/json.hpp"
#include "solvers/csc_solver.hpp"

namespace dn::python {

namespace py = pybind11;

//! An input or output problem: raised as OSError.
class IoError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

//! Runs `body`, turning the library's std::runtime_error (its I/O errors) into IoError.
template <typename Body>
decltype(auto) AsIoError(Body&& body) {
  try {
    return body();
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw IoError(e.what());
  }
}

inline std::size_t PositiveCount(long long value, const char* name) {
  if (value <= 0) throw std::invalid_argument(std::string(name) + " must be positive");
  return std::size_t(value);
}

inline double NonNegative(double value, const char* name) {
  if (!(value >= 0.0) || !std::isfinite(value))
    throw std::invalid_argument(std::string(name) + " must be finite and >= 0");
  return value;
}

//! ConfigureThreads for threads=None (all cores) or a count.
inline void SetThreads(const std::optional<int>& threads) {
  const int n = threads.value_or(0);
  if (n < 0 || n > kMaxThreads)
    throw std::invalid_argument("threads must be 0 to " + std::to_string(kMaxThreads) +
                                " (0 or None uses all cores)");
  ConfigureThreads(n);
}

inline PlannerEffort ParsePlanner(const std::string& name) {
  if (name == "estimate") return PlannerEffort::Estimate;
  if (name == "measure") return PlannerEffort::Measure;
  throw std::invalid_argument("planner must be estimate or measure, not '" + name + "'");
}

inline std::string CheckedSolver(const std::string& name) {
  MakeCscSolver<float>(name);  // throws std::invalid_argument for an unknown name
  return name;
}

//! A path argument (str, bytes or os.PathLike) as text.
inline std::string PathText(const py::handle& path) {
  return py::str(py::module_::import("os").attr("fspath")(path));
}

//! True for a str or os.PathLike argument.
inline bool IsPath(const py::handle& object) {
  return py::isinstance<py::str>(object) || py::hasattr(object, "__fspath__");
}

//! A keyword's value as the text SetLearningSetting and SetLayerSetting read: a bool as
//! true/false, an int as its digits, a float exactly (NumberText), a str or path as given, a tuple
//! or list of ints joined by "x" (filter sizes, pooling shapes, paddings).
inline std::string SettingText(const py::handle& value, const std::string& name) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::int_>(value)) return py::str(value);
  if (py::isinstance<py::float_>(value)) return NumberText(value.cast<double>());
  if (IsPath(value)) return PathText(value);  // str, or os.PathLike (test=)
  if (py::isinstance<py::tuple>(value) || py::isinstance<py::list>(value)) {
    std::string text;
    for (const py::handle item : value) {
      if (!py::isinstance<py::int_>(item) || py::isinstance<py::bool_>(item))
        throw std::invalid_argument(name + " must hold whole numbers, like (7, 9)");
      text += (text.empty() ? "" : "x") + std::string(py::str(item));
    }
    return text;
  }
  throw std::invalid_argument(name + " must be a number, a string or a bool, not " +
                              std::string(py::str(py::type::handle_of(value).attr("__name__"))));
}

}  // namespace dn::python
