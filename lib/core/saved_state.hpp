// The state of an iterative algorithm as named arrays and numbers: what a solver, the dictionary
// updater and the learner save so that another process can continue exactly where they stopped
// (checkpoints, serialize/checkpoint.hpp; docs/robustness.md). Those objects fill and read it
// through one description of their fields (core/state_archive.hpp).
//
// Names are paths of letters, digits, '_', '-' and '.', joined by '/', such as "image/3/x";
// a part's state goes under a prefix (Insert, Extract). A state normally holds copies; a view
// (Borrow, core/state_archive.hpp's ViewDescribed) refers to the object's own arrays, for
// writing a checkpoint at once without copying gigabytes. Arrays keep the run's element type T, so
// a single-precision run restores exactly the floats it saved; numbers are doubles (counters
// up to 2^53 are exact).
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "core/types.hpp"

namespace dn {

template <typename T>
struct SavedState {
  std::map<std::string, arma::Cube<T>> arrays;                 //!< real arrays
  std::map<std::string, arma::Mat<Complex<T>>> complexArrays;  //!< complex matrices
  std::map<std::string, double> numbers;

  void Put(const std::string& name, const arma::Cube<T>& array);
  void Put(const std::string& name, const arma::Mat<T>& matrix);  //!< kept as a 1-slice cube
  void Put(const std::string& name, const arma::Mat<Complex<T>>& matrix);
  void Put(const std::string& name, double number);
  //! Entries that refer to the array's memory instead of copying it (an empty array is put as
  //! a copy): the state is valid only while the array is neither changed nor destroyed.
  void Borrow(const std::string& name, const arma::Cube<T>& array);
  void Borrow(const std::string& name, const arma::Mat<T>& matrix);  //!< as a 1-slice cube
  void Borrow(const std::string& name, const arma::Mat<Complex<T>>& matrix);

  bool Has(const std::string& name) const;
  //! The number `name`; std::runtime_error naming the entry when it is missing.
  double Number(const std::string& name) const;
  //! A number that must be a whole number in [0, 2^53].
  std::size_t Count(const std::string& name) const;

  //! Adds every entry of `part` under "prefix/".
  void Insert(const std::string& prefix, const SavedState& part);
  //! The same, moving the arrays: borrowed entries stay borrowed.
  void Insert(const std::string& prefix, SavedState&& part);
  //! The entries under "prefix/", without the prefix.
  SavedState Extract(const std::string& prefix) const;
  //! Number of entries of all kinds.
  std::size_t Size() const { return arrays.size() + complexArrays.size() + numbers.size(); }

private:
  //! A real entry of this shape over `memory`, not copied.
  void BorrowReal(const std::string& name, const T* memory, arma::uword rows, arma::uword cols,
                  arma::uword slices);
};

//! True for a valid entry name (see above): non-empty parts of [A-Za-z0-9_.-] joined by '/', no
//! part "." or "..".
bool IsValidStateName(const std::string& name);

extern template struct SavedState<float>;
extern template struct SavedState<double>;

}  // namespace dn
