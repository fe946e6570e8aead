#include "callback.hpp"

namespace dn::python {

py::dict RecordDict(const IterationRecord& record) {
  py::dict d;
  d["iteration"] = record.iteration;
  d["seconds"] = record.seconds;
  d["objective"] = record.objective;
  d["fidelity"] = record.fidelity;
  d["l1"] = record.l1;
  d["density"] = record.density;
  d["relative_change"] = record.relativeChange;
  return d;
}

PythonCallback::~PythonCallback() {
  Py_XDECREF(type_);
  Py_XDECREF(value_);
  Py_XDECREF(traceback_);
}

bool PythonCallback::Keep() {
  if (type_ == nullptr)
    PyErr_Fetch(&type_, &value_, &traceback_);
  else
    PyErr_Clear();  // only the first exception is raised
  return true;
}

void PythonCallback::Raise() {
  if (type_ == nullptr) return;
  PyErr_Restore(type_, value_, traceback_);
  type_ = value_ = traceback_ = nullptr;
  throw py::error_already_set();
}

}  // namespace dn::python
