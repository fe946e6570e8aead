#include "core/saved_state.hpp"

#include <cmath>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace dn {
namespace {

[[noreturn]] void Fail(const std::string& name, const std::string& what) {
  throw std::runtime_error("saved state: '" + name + "' " + what);
}

void CheckName(const std::string& name) {
  if (!IsValidStateName(name))
    throw std::invalid_argument("SavedState: invalid entry name '" + name + "'");
}

}  // namespace

bool IsValidStateName(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

template <typename T>
void SavedState<T>::Put(const std::string& name, const arma::Cube<T>& array) {
  CheckName(name);
  arrays[name] = array;
}

template <typename T>
void SavedState<T>::Put(const std::string& name, const arma::Mat<T>& matrix) {
  CheckName(name);
  arma::Cube<T>& cube = arrays[name];
  cube.set_size(matrix.n_rows, matrix.n_cols, 1);
  cube.slice(0) = matrix;
}

template <typename T>
void SavedState<T>::Put(const std::string& name, const arma::Mat<Complex<T>>& matrix) {
  CheckName(name);
  complexArrays[name] = matrix;
}

template <typename T>
void SavedState<T>::BorrowReal(const std::string& name, const T* memory, arma::uword rows,
                               arma::uword cols, arma::uword slices) {
  CheckName(name);
  arrays.erase(name);
  arrays.emplace(std::piecewise_construct, std::forward_as_tuple(name),
                 std::forward_as_tuple(const_cast<T*>(memory), rows, cols, slices, false, true));
}

template <typename T>
void SavedState<T>::Borrow(const std::string& name, const arma::Cube<T>& array) {
  if (array.is_empty()) return Put(name, array);
  BorrowReal(name, array.memptr(), array.n_rows, array.n_cols, array.n_slices);
}

template <typename T>
void SavedState<T>::Borrow(const std::string& name, const arma::Mat<T>& matrix) {
  if (matrix.is_empty()) return Put(name, matrix);
  BorrowReal(name, matrix.memptr(), matrix.n_rows, matrix.n_cols, 1);
}

template <typename T>
void SavedState<T>::Borrow(const std::string& name, const arma::Mat<Complex<T>>& matrix) {
  if (matrix.is_empty()) return Put(name, matrix);
  CheckName(name);
  complexArrays.erase(name);
  complexArrays.emplace(std::piecewise_construct, std::forward_as_tuple(name),
                        std::forward_as_tuple(const_cast<Complex<T>*>(matrix.memptr()),
                                              matrix.n_rows, matrix.n_cols, false, true));
}

template <typename T>
void SavedState<T>::Put(const std::string& name, double number) {
  CheckName(name);
  numbers[name] = number;
}

template <typename T>
bool SavedState<T>::Has(const std::string& name) const {
  return arrays.count(name) || complexArrays.count(name) || numbers.count(name);
}

template <typename T>
double SavedState<T>::Number(const std::string& name) const {
  const auto it = numbers.find(name);
  if (it == numbers.end()) Fail(name, "is missing");
  return it->second;
}

template <typename T>
std::size_t SavedState<T>::Count(const std::string& name) const {
  const double value = Number(name);
  if (!(value >= 0) || value > 9007199254740992.0 || std::floor(value) != value)
    Fail(name, "= " + std::to_string(value) + " is not a count");
  return static_cast<std::size_t>(value);
}

template <typename T>
void SavedState<T>::Insert(const std::string& prefix, const SavedState& part) {
  CheckName(prefix);
  for (const auto& [name, value] : part.arrays) arrays[prefix + "/" + name] = value;
  for (const auto& [name, value] : part.complexArrays) complexArrays[prefix + "/" + name] = value;
  for (const auto& [name, value] : part.numbers) numbers[prefix + "/" + name] = value;
}

template <typename T>
void SavedState<T>::Insert(const std::string& prefix, SavedState&& part) {
  CheckName(prefix);
  // Moving a borrowed array keeps it borrowed (Armadillo moves aux memory without copying).
  for (auto& [name, value] : part.arrays) arrays[prefix + "/" + name] = std::move(value);
  for (auto& [name, value] : part.complexArrays)
    complexArrays[prefix + "/" + name] = std::move(value);
  for (const auto& [name, value] : part.numbers) numbers[prefix + "/" + name] = value;
}

template <typename T>
SavedState<T> SavedState<T>::Extract(const std::string& prefix) const {
  const std::string lead = prefix + "/";
  SavedState part;
  const auto copy = [&lead](const auto& from, auto& to) {
    for (auto it = from.lower_bound(lead);
         it != from.end() && it->first.compare(0, lead.size(), lead) == 0; ++it)
      to.emplace(it->first.substr(lead.size()), it->second);
  };
  copy(arrays, part.arrays);
  copy(complexArrays, part.complexArrays);
  copy(numbers, part.numbers);
  return part;
}

template struct SavedState<float>;
template struct SavedState<double>;

}  // namespace dn
