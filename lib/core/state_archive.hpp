// One description of a state for both saving and restoring it (as cereal's serialize()): an
// object names each of its fields once, in a Describe(StateArchive<T>& a) function, and the
// same function saves it (with a StateWriter, into a SavedState) and restores it (with a
// StateReader, out of one), so that the two directions cannot drift apart.
//
//   void Describe(StateArchive<T>& a) {
//     a.Number("t", t_);
//     const bool started = a.Flag("started", started_);  // the value saved, or the one read
//     if (started) a.Array("y", y_, rows, cols, slices);
//     a.Part("updater", [&] { updater_.Describe(a); });  // its entries under "updater/"
//   }
//
// A StateReader checks every entry as it is described -- present, of the right kind and shape,
// a valid count or flag, and whatever the object Require()s -- and changes nothing: it keeps
// what it read until Commit() assigns it all. A failed restore therefore leaves the object as
// it was. Names are those of core/saved_state.hpp.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/saved_state.hpp"

namespace dn {

template <typename T>
class StateArchive {
public:
  using CMat = arma::Mat<Complex<T>>;

  //! True for a StateReader.
  bool Reading() const { return from_ != nullptr; }

  //! A number. Returns the value saved (writing) or read (reading; assigned by Commit()).
  double Number(const std::string& name, double& value);
  //! A whole number in [0, 2^53] (any unsigned integer type).
  template <typename U>
  U Count(const std::string& name, U& value) {
    static_assert(std::is_unsigned_v<U>, "a count is unsigned");
    const U read = static_cast<U>(CountEntry(name, static_cast<std::size_t>(value)));
    Set(value, read);
    return read;
  }
  //! 0 or 1.
  bool Flag(const std::string& name, bool& value);
  //! A number the caller uses or checks itself: saves `saved`; returns it (writing) or the
  //! number read (reading), assigning nothing.
  double NumberValue(const std::string& name, double saved);
  //! A setting the state must have been made with, such as a solver's lambda: saved; on reading,
  //! a state with another value is refused ("the state has <name> = a, not b").
  void Setting(const std::string& name, double value);

  //! A real array of this shape. Returns the array saved or read.
  const arma::Cube<T>& Array(const std::string& name, arma::Cube<T>& array, arma::uword rows,
                             arma::uword cols, arma::uword slices);
  //! A real array the caller converts (e.g. encoded integers): saves `saved`; returns it
  //! (writing) or the array read, checked for this shape (reading), assigning nothing: decode it
  //! and Set() the result.
  const arma::Cube<T>& ArrayValue(const std::string& name, const arma::Cube<T>& saved,
                                  arma::uword rows, arma::uword cols, arma::uword slices);
  //! A real matrix, kept as a 1-slice array.
  void Matrix(const std::string& name, arma::Mat<T>& matrix, arma::uword rows, arma::uword cols);
  //! A complex matrix of this shape.
  void ComplexMatrix(const std::string& name, CMat& matrix, arma::uword rows, arma::uword cols);
  //! A real array saved only when it is not empty; restored empty when the state has none.
  void OptionalArray(const std::string& name, arma::Cube<T>& array, arma::uword rows,
                     arma::uword cols, arma::uword slices);
  //! The same for a complex matrix.
  void OptionalComplexMatrix(const std::string& name, CMat& matrix, arma::uword rows,
                             arma::uword cols);

  //! The entries `describe()` names, under "prefix/".
  template <typename Describe>
  void Part(const std::string& prefix, Describe&& describe) {
    const std::string outer = prefix_;
    prefix_ += prefix + "/";
    describe();
    prefix_ = outer;
  }

  //! Reading: refuses the state with "<where><what>" unless `ok`. Writing: nothing.
  void Require(bool ok, const std::string& what) const;
  //! Reading: assigns `value` to `target` on Commit() (a value derived from what was read, such
  //! as a decoded array). Writing: nothing.
  template <typename V>
  void Set(V& target, V value) {
    if (Reading()) commits_.push_back([&target, v = std::move(value)] { target = v; });
  }

  //! Reading: runs `action` on Commit(), after the assignments described before it, to rebuild
  //! what the state leaves out because it follows from the rest. Writing: nothing.
  void OnCommit(std::function<void()> action) {
    if (Reading()) commits_.push_back(std::move(action));
  }

  //! The full name of the entry `name` in the current part.
  std::string FullName(const std::string& name) const { return prefix_ + name; }

protected:
  StateArchive(SavedState<T>* into, const SavedState<T>* from, std::string where,
               bool borrow = false)
      : into_(into), from_(from), where_(std::move(where)), borrow_(borrow) {}

  //! Writing: puts a field into the state, borrowed or copied.
  template <typename Array>
  void Keep(const std::string& full, const Array& field) {
    if (borrow_)
      into_->Borrow(full, field);
    else
      into_->Put(full, field);
  }

  std::size_t CountEntry(const std::string& name, std::size_t value);
  //! Reading: the stored real array `full`, checked for this shape.
  const arma::Cube<T>& Stored(const std::string& full, arma::uword rows, arma::uword cols,
                              arma::uword slices) const;
  [[noreturn]] void Fail(const std::string& what) const;

  SavedState<T>* into_;
  const SavedState<T>* from_;
  std::string where_;   //!< prefix of every error message
  std::string prefix_;  //!< of the current part, "" or ending in '/'
  bool borrow_;         //!< writing: the fields are borrowed, not copied
  std::vector<std::function<void()>> commits_;
};

//! Saves what Describe() names into a SavedState: copies, or with `borrow` a view whose arrays
//! refer to the fields Array(), Matrix() and ComplexMatrix() name (values computed for
//! ArrayValue() are copied all the same).
template <typename T>
class StateWriter : public StateArchive<T> {
public:
  explicit StateWriter(SavedState<T>& into, bool borrow = false)
      : StateArchive<T>(&into, nullptr, "", borrow) {}
};

//! Reads what Describe() names out of a SavedState, which must outlive Commit(). Every problem
//! throws std::runtime_error "<where>'<name>' is missing" (or has another shape, kind, ...).
template <typename T>
class StateReader : public StateArchive<T> {
public:
  StateReader(const SavedState<T>& from, std::string where)
      : StateArchive<T>(nullptr, &from, std::move(where)) {}
  //! Assigns everything read, in the order described.
  void Commit();
};

//! The state of `object`, as its Describe(StateArchive<T>&) names it.
template <typename T, typename Object>
SavedState<T> SaveDescribed(const Object& object) {
  SavedState<T> state;
  StateWriter<T> writer(state);
  // One Describe() serves both directions; a writer only reads the fields it is given.
  const_cast<Object&>(object).Describe(writer);
  return state;
}

//! The state of `object` as SaveDescribed() gives it, but viewing the object's arrays instead of
//! copying them: valid only until the object next changes, for writing it out at once.
template <typename T, typename Object>
SavedState<T> ViewDescribed(const Object& object) {
  SavedState<T> state;
  StateWriter<T> writer(state, true);
  const_cast<Object&>(object).Describe(writer);
  return state;
}

//! Restores `object` from `state` through its Describe(StateArchive<T>&): all or nothing.
template <typename T, typename Object>
void RestoreDescribed(const SavedState<T>& state, Object& object, const std::string& where) {
  StateReader<T> reader(state, where);
  object.Describe(reader);
  reader.Commit();
}

extern template class StateArchive<float>;
extern template class StateArchive<double>;
extern template class StateReader<float>;
extern template class StateReader<double>;

}  // namespace dn
