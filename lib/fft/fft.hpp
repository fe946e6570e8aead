// RAII wrapper over FFTW for real 2-D transforms of one fixed shape.
//
// Layout: an Armadillo matrix x(rows, cols) is column-major, which FFTW sees as `cols` rows of
// `rows` values. The real-to-complex transform therefore halves the first (row) axis: the
// spectrum of x is a column-major (rows/2 + 1) x cols complex matrix, equal to
// arma::fft2(x).rows(0, rows/2). Transforms are unnormalised (Inverse(Forward(x)) = rows*cols*x).
//
// Plans are made once per object (planning is serialised process-wide, as FFTW requires) and
// executed from any number of threads on caller-owned arrays; both an aligned and an unaligned
// plan are kept, and the one matching the arrays' alignment is used.
#pragma once

#include "core/types.hpp"

#include <memory>
#include <string>

namespace dn {

//! How hard FFTW searches for a fast plan: Estimate plans instantly, Measure times candidates
//! (0.1 to 1 s per shape, once per process).
enum class PlannerEffort { Estimate, Measure };

template <typename T> class Fft2d {
public:
  Fft2d(arma::uword rows, arma::uword cols, PlannerEffort effort = PlannerEffort::Estimate);
  ~Fft2d();
  Fft2d(const Fft2d&) = delete;
  Fft2d& operator=(const Fft2d&) = delete;

  arma::uword Rows() const { return rows_; }
  arma::uword Cols() const { return cols_; }
  //! Rows of the half spectrum: Rows()/2 + 1.
  arma::uword SpectrumRows() const { return rows_ / 2 + 1; }
  //! Complex values in one half spectrum.
  arma::uword SpectrumSize() const { return SpectrumRows() * cols_; }
  //! Real values in one image.
  arma::uword Size() const { return rows_ * cols_; }

  //! Real-to-complex transform of `in` (Size() values) into `out` (SpectrumSize() values).
  //! `in` is preserved. Thread-safe.
  void Forward(const T* in, Complex<T>* out) const;
  //! Complex-to-real transform of `in` (SpectrumSize() values, destroyed) into `out`
  //! (Size() values), unnormalised. Thread-safe.
  void Inverse(Complex<T>* in, T* out) const;

  //! Convenience forms on whole matrices (allocate; not for inner loops).
  arma::Mat<Complex<T>> Forward(const arma::Mat<T>& x) const;
  arma::Mat<T> Inverse(const arma::Mat<Complex<T>>& X) const;  //!< normalised by 1/Size()

private:
  struct Plans;
  arma::uword rows_, cols_;
  std::unique_ptr<Plans> plans_;
};

extern template class Fft2d<float>;
extern template class Fft2d<double>;

//! FFTW wisdom: what PlannerEffort::Measure learned about the fastest plans, kept in a file so
//! that later processes plan at once and get the same plans. One text file holds both
//! precisions. Reads `path` into FFTW's planner: returns false when the file does not exist;
//! throws std::runtime_error when it cannot be read or FFTW rejects it.
bool LoadWisdom(const std::string& path);
//! Writes FFTW's accumulated wisdom (both precisions) to `path`, atomically.
void SaveWisdom(const std::string& path);

} // namespace dn
