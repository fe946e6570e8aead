// The bridge from the engine's observers to Python, for solvers now and for learning runs
// later: while the engine runs without the GIL, every record briefly takes the GIL, lets
// Python run its signal handlers (Ctrl-C) and calls the user's callback with the record as a
// dict. A pending exception (KeyboardInterrupt, or one the callback raised) or a callback
// returning a true value stops the engine; the exception is raised once the engine returned.
#pragma once

#include <pybind11/pybind11.h>

#include "solvers/iteration_record.hpp"

namespace dn::python {

namespace py = pybind11;

//! A solver record as {"iteration", "seconds", "objective", "fidelity", "l1", "density",
//! "relative_change"}.
py::dict RecordDict(const IterationRecord& record);

//! Runs Python's signal handlers and the callback for one record (needs the GIL held, which it
//! takes itself). Keeps the first exception raised for Raise().
class PythonCallback {
public:
  //! `callback`: None or a callable taking one dict. Made and destroyed with the GIL held.
  explicit PythonCallback(py::object callback) : callback_(std::move(callback)) {}
  ~PythonCallback();
  PythonCallback(const PythonCallback&) = delete;
  PythonCallback& operator=(const PythonCallback&) = delete;

  //! Takes the GIL, checks for signals, then calls the callback with `makeRecord()`'s dict.
  //! Returns true to stop: an exception is pending or the callback returned a true value.
  template <typename MakeRecord>
  bool Call(MakeRecord&& makeRecord) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) return Keep();
    if (callback_.is_none()) return false;
    try {
      return PyObject_IsTrue(callback_(makeRecord()).ptr()) == 1 || (PyErr_Occurred() && Keep());
    } catch (py::error_already_set& e) {
      e.restore();
      return Keep();
    }
  }

  //! With the GIL held: raises the kept exception, if any, as py::error_already_set.
  void Raise();

private:
  //! Moves the pending Python exception into this object; returns true.
  bool Keep();

  py::object callback_;
  PyObject* type_ = nullptr;
  PyObject* value_ = nullptr;
  PyObject* traceback_ = nullptr;
};

//! A solver observer calling a PythonCallback with every record.
class SolverCallback : public Observer {
public:
  explicit SolverCallback(PythonCallback& callback) : callback_(callback) {}
  bool Observe(const IterationRecord& record) override {
    return callback_.Call([&] { return RecordDict(record); });
  }

private:
  PythonCallback& callback_;
};

}  // namespace dn::python
