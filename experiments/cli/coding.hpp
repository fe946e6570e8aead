// Sparse coding of one image over a dictionary: the inference step shared by dn-reconstruct and
// dn-inspect.
#pragma once

#include <string>

#include "core/precision.hpp"
#include "core/types.hpp"
#include "fft/fft.hpp"
#include "solvers/csc_solver.hpp"

namespace dn::cli {

struct CodingSettings {
  double lambda = 0.1;
  std::string solver = "fista";
  Boundary boundary = Boundary::Valid;
  std::size_t iterations = 200;
  double tolerance = 0.0;  //!< 0 runs every iteration
  PlannerEffort effort = PlannerEffort::Estimate;
};

template <typename T>
struct CodingResult {
  Maps<T> maps;             //!< (Hm, Wm, K)
  Image<T> reconstruction;  //!< D z, in the preprocessed domain, (H, W, C)
  SolveReport report;       //!< report.seconds: the solve only, without FFTW planning
};

//! Throws std::runtime_error unless `image` can be coded over `filters`: the same channel count,
//! and filters no larger than the image. `colour`: the image was read with --colour (otherwise a
//! 3-channel dictionary suggests it).
void CheckCodable(const FilterBank<double>& filters, const Image<double>& image, bool colour);

//! One line describing the problem and settings, for --verbose.
std::string Summary(const FilterBank<double>& filters, const Image<double>& image,
                    const CodingSettings& settings, Precision precision);

//! Solves the sparse coding problem for `signal` from zero maps (check CheckCodable first).
template <typename T>
CodingResult<T> SparseCode(const FilterBank<T>& filters, const Image<T>& signal,
                           const CodingSettings& settings, Observer* observer = nullptr);

}  // namespace dn::cli
