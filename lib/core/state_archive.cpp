#include "core/state_archive.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace dn {
namespace {

std::string Shape(arma::uword rows, arma::uword cols, arma::uword slices) {
  return std::to_string(rows) + "x" + std::to_string(cols) + "x" + std::to_string(slices);
}

//! The shortest text of a number that reads back exactly.
std::string Text(double value) {
  char text[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

}  // namespace

template <typename T>
void StateArchive<T>::Fail(const std::string& what) const {
  throw std::runtime_error(where_ + what);
}

template <typename T>
void StateArchive<T>::Require(bool ok, const std::string& what) const {
  if (Reading() && !ok) Fail(what);
}

template <typename T>
double StateArchive<T>::NumberValue(const std::string& name, double saved) {
  const std::string full = FullName(name);
  if (!Reading()) {
    into_->Put(full, saved);
    return saved;
  }
  const auto it = from_->numbers.find(full);
  if (it == from_->numbers.end()) Fail("'" + full + "' is missing");
  return it->second;
}

template <typename T>
double StateArchive<T>::Number(const std::string& name, double& value) {
  const double read = NumberValue(name, value);
  Set(value, read);
  return read;
}

template <typename T>
std::size_t StateArchive<T>::CountEntry(const std::string& name, std::size_t value) {
  const double read = NumberValue(name, static_cast<double>(value));
  if (Reading() && (!(read >= 0) || read > 9007199254740992.0 || std::floor(read) != read))
    Fail("'" + FullName(name) + "' = " + Text(read) + " is not a count");
  return static_cast<std::size_t>(read);
}

template <typename T>
bool StateArchive<T>::Flag(const std::string& name, bool& value) {
  const double read = NumberValue(name, value ? 1.0 : 0.0);
  if (Reading() && read != 0 && read != 1)
    Fail("'" + FullName(name) + "' = " + Text(read) + " is not 0 or 1");
  Set(value, read == 1);
  return read == 1;
}

template <typename T>
void StateArchive<T>::Setting(const std::string& name, double value) {
  const double read = NumberValue(name, value);
  if (Reading() && read != value)
    Fail("the state has " + FullName(name) + " = " + Text(read) + ", not " + Text(value));
}

template <typename T>
const arma::Cube<T>& StateArchive<T>::Stored(const std::string& full, arma::uword rows,
                                             arma::uword cols, arma::uword slices) const {
  const auto it = from_->arrays.find(full);
  if (it == from_->arrays.end()) Fail("'" + full + "' is missing");
  const arma::Cube<T>& a = it->second;
  if (a.n_rows != rows || a.n_cols != cols || a.n_slices != slices)
    Fail("'" + full + "' is " + Shape(a.n_rows, a.n_cols, a.n_slices) + ", expected " +
         Shape(rows, cols, slices));
  return a;
}

template <typename T>
const arma::Cube<T>& StateArchive<T>::ArrayValue(const std::string& name,
                                                 const arma::Cube<T>& saved, arma::uword rows,
                                                 arma::uword cols, arma::uword slices) {
  const std::string full = FullName(name);
  if (!Reading()) {
    into_->Put(full, saved);
    return saved;
  }
  return Stored(full, rows, cols, slices);
}

template <typename T>
const arma::Cube<T>& StateArchive<T>::Array(const std::string& name, arma::Cube<T>& array,
                                            arma::uword rows, arma::uword cols,
                                            arma::uword slices) {
  if (!Reading()) {
    Keep(FullName(name), array);
    return array;
  }
  const arma::Cube<T>& read = Stored(FullName(name), rows, cols, slices);
  commits_.push_back([&array, &read] { array = read; });
  return read;
}

template <typename T>
void StateArchive<T>::Matrix(const std::string& name, arma::Mat<T>& matrix, arma::uword rows,
                             arma::uword cols) {
  const std::string full = FullName(name);
  if (!Reading()) {
    Keep(full, matrix);
    return;
  }
  const arma::Cube<T>& a = Stored(full, rows, cols, 1);
  commits_.push_back([&matrix, &a] { matrix = a.slice(0); });
}

template <typename T>
void StateArchive<T>::ComplexMatrix(const std::string& name, CMat& matrix, arma::uword rows,
                                    arma::uword cols) {
  const std::string full = FullName(name);
  if (!Reading()) {
    Keep(full, matrix);
    return;
  }
  const auto it = from_->complexArrays.find(full);
  if (it == from_->complexArrays.end()) Fail("'" + full + "' is missing");
  const CMat& a = it->second;
  if (a.n_rows != rows || a.n_cols != cols)
    Fail("'" + full + "' is " + Shape(a.n_rows, a.n_cols, 1) + " (complex), expected " +
         Shape(rows, cols, 1));
  commits_.push_back([&matrix, &a] { matrix = a; });
}

template <typename T>
void StateArchive<T>::OptionalArray(const std::string& name, arma::Cube<T>& array, arma::uword rows,
                                    arma::uword cols, arma::uword slices) {
  const bool present = Reading() ? from_->Has(FullName(name)) : !array.is_empty();
  if (present)
    Array(name, array, rows, cols, slices);
  else
    Set(array, arma::Cube<T>());
}

template <typename T>
void StateArchive<T>::OptionalComplexMatrix(const std::string& name, CMat& matrix, arma::uword rows,
                                            arma::uword cols) {
  const bool present = Reading() ? from_->Has(FullName(name)) : !matrix.is_empty();
  if (present)
    ComplexMatrix(name, matrix, rows, cols);
  else
    Set(matrix, CMat());
}

template <typename T>
void StateReader<T>::Commit() {
  for (const std::function<void()>& commit : this->commits_) commit();
  this->commits_.clear();
}

template class StateArchive<float>;
template class StateArchive<double>;
template class StateReader<float>;
template class StateReader<double>;

}  // namespace dn
