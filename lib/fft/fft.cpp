#include "fft/fft.hpp"

#include "core/atomic_file.hpp"
#include "core/work_count.hpp"

#include <fftw3.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace dn {
namespace {

// FFTW's planner is not thread-safe; every plan creation and destruction takes this lock.
std::mutex& PlannerMutex() {
  static std::mutex mutex;
  return mutex;
}

template <typename T> struct FftwApi;

template <> struct FftwApi<float> {
  using Plan = fftwf_plan;
  using Cx = fftwf_complex;
  static Plan R2c(int n0, int n1, float* in, Cx* out, unsigned f) {
    return fftwf_plan_dft_r2c_2d(n0, n1, in, out, f);
  }
  static Plan C2r(int n0, int n1, Cx* in, float* out, unsigned f) {
    return fftwf_plan_dft_c2r_2d(n0, n1, in, out, f);
  }
  static void ExecR2c(Plan p, float* in, Cx* out) { fftwf_execute_dft_r2c(p, in, out); }
  static void ExecC2r(Plan p, Cx* in, float* out) { fftwf_execute_dft_c2r(p, in, out); }
  static void Destroy(Plan p) { fftwf_destroy_plan(p); }
  static int AlignmentOf(void* p) { return fftwf_alignment_of(static_cast<float*>(p)); }
  static void* Malloc(std::size_t n) { return fftwf_malloc(n); }
  static void Free(void* p) { fftwf_free(p); }
};

template <> struct FftwApi<double> {
  using Plan = fftw_plan;
  using Cx = fftw_complex;
  static Plan R2c(int n0, int n1, double* in, Cx* out, unsigned f) {
    return fftw_plan_dft_r2c_2d(n0, n1, in, out, f);
  }
  static Plan C2r(int n0, int n1, Cx* in, double* out, unsigned f) {
    return fftw_plan_dft_c2r_2d(n0, n1, in, out, f);
  }
  static void ExecR2c(Plan p, double* in, Cx* out) { fftw_execute_dft_r2c(p, in, out); }
  static void ExecC2r(Plan p, Cx* in, double* out) { fftw_execute_dft_c2r(p, in, out); }
  static void Destroy(Plan p) { fftw_destroy_plan(p); }
  static int AlignmentOf(void* p) { return fftw_alignment_of(static_cast<double*>(p)); }
  static void* Malloc(std::size_t n) { return fftw_malloc(n); }
  static void Free(void* p) { fftw_free(p); }
};

} // namespace

template <typename T> struct Fft2d<T>::Plans {
  using Api = FftwApi<T>;
  typename Api::Plan forward = nullptr, inverse = nullptr;
  typename Api::Plan forwardUnaligned = nullptr, inverseUnaligned = nullptr;
  ~Plans() {
    std::lock_guard<std::mutex> lock(PlannerMutex());
    for (auto p : {forward, inverse, forwardUnaligned, inverseUnaligned})
      if (p) Api::Destroy(p);
  }
};

template <typename T>
Fft2d<T>::Fft2d(arma::uword rows, arma::uword cols, PlannerEffort effort)
    : rows_(rows), cols_(cols), plans_(std::make_unique<Plans>()) {
  using Api = FftwApi<T>;
  if (rows == 0 || cols == 0)
    throw std::invalid_argument("Fft2d(): shape must be non-empty");
  const unsigned flags = effort == PlannerEffort::Measure ? FFTW_MEASURE : FFTW_ESTIMATE;
  const int n0 = static_cast<int>(cols), n1 = static_cast<int>(rows);

  std::lock_guard<std::mutex> lock(PlannerMutex());
  T* real = static_cast<T*>(Api::Malloc(sizeof(T) * Size()));
  auto* spec = static_cast<typename Api::Cx*>(Api::Malloc(sizeof(typename Api::Cx) * SpectrumSize()));
  if (!real || !spec) {
    Api::Free(real);
    Api::Free(spec);
    throw std::bad_alloc();
  }
  plans_->forward = Api::R2c(n0, n1, real, spec, flags);
  plans_->inverse = Api::C2r(n0, n1, spec, real, flags);
  plans_->forwardUnaligned = Api::R2c(n0, n1, real, spec, flags | FFTW_UNALIGNED);
  plans_->inverseUnaligned = Api::C2r(n0, n1, spec, real, flags | FFTW_UNALIGNED);
  Api::Free(real);
  Api::Free(spec);
  if (!plans_->forward || !plans_->inverse || !plans_->forwardUnaligned || !plans_->inverseUnaligned)
    throw std::runtime_error("Fft2d(): FFTW could not make a plan");
}

template <typename T> Fft2d<T>::~Fft2d() = default;

template <typename T> void Fft2d<T>::Forward(const T* in, Complex<T>* out) const {
  using Api = FftwApi<T>;
  T* src = const_cast<T*>(in);  // r2c plans preserve their input
  auto* dst = reinterpret_cast<typename Api::Cx*>(out);
  const bool aligned = Api::AlignmentOf(src) == 0 && Api::AlignmentOf(dst) == 0;
  Api::ExecR2c(aligned ? plans_->forward : plans_->forwardUnaligned, src, dst);
  CountFfts(1, Size());
}

template <typename T> void Fft2d<T>::Inverse(Complex<T>* in, T* out) const {
  using Api = FftwApi<T>;
  auto* src = reinterpret_cast<typename Api::Cx*>(in);
  const bool aligned = Api::AlignmentOf(src) == 0 && Api::AlignmentOf(out) == 0;
  Api::ExecC2r(aligned ? plans_->inverse : plans_->inverseUnaligned, src, out);
  CountFfts(1, Size());
}

template <typename T>
arma::Mat<Complex<T>> Fft2d<T>::Forward(const arma::Mat<T>& x) const {
  if (x.n_rows != rows_ || x.n_cols != cols_)
    throw std::invalid_argument("Fft2d::Forward(): matrix shape does not match the plan");
  arma::Mat<Complex<T>> X(SpectrumRows(), cols_);
  Forward(x.memptr(), X.memptr());
  return X;
}

template <typename T>
arma::Mat<T> Fft2d<T>::Inverse(const arma::Mat<Complex<T>>& X) const {
  if (X.n_rows != SpectrumRows() || X.n_cols != cols_)
    throw std::invalid_argument("Fft2d::Inverse(): spectrum shape does not match the plan");
  arma::Mat<Complex<T>> scratch = X;
  arma::Mat<T> x(rows_, cols_);
  Inverse(scratch.memptr(), x.memptr());
  x /= static_cast<T>(Size());
  return x;
}

template class Fft2d<float>;
template class Fft2d<double>;

namespace {

// The wisdom file: this header line, then FFTW's double-precision wisdom, then a separator line
// and its single-precision wisdom (each in FFTW's own text format).
const char kWisdomHeader[] = "# deconvnet FFTW wisdom 1 (double, then single precision)\n";
const char kWisdomSeparator[] = "# single precision\n";

//! FFTW's export to a string, freed with free().
std::string Exported(char* text) {
  if (!text) throw std::runtime_error("FFTW could not export its wisdom");
  std::string copy(text);
  std::free(text);
  return copy;
}

} // namespace

bool LoadWisdom(const std::string& path) {
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the FFTW wisdom file " + path);
  std::ostringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  const std::size_t separator = text.find(kWisdomSeparator);
  if (text.rfind(kWisdomHeader, 0) != 0 || separator == std::string::npos)
    throw std::runtime_error(path + " is not a deconvnet FFTW wisdom file");
  const std::string forDouble = text.substr(sizeof kWisdomHeader - 1,
                                            separator - (sizeof kWisdomHeader - 1));
  const std::string forSingle = text.substr(separator + sizeof kWisdomSeparator - 1);
  std::lock_guard<std::mutex> lock(PlannerMutex());
  if (!fftw_import_wisdom_from_string(forDouble.c_str()) ||
      !fftwf_import_wisdom_from_string(forSingle.c_str()))
    throw std::runtime_error("FFTW rejected the wisdom in " + path);
  return true;
}

void SaveWisdom(const std::string& path) {
  std::string text;
  {
    std::lock_guard<std::mutex> lock(PlannerMutex());
    text = kWisdomHeader + Exported(fftw_export_wisdom_to_string()) + kWisdomSeparator +
           Exported(fftwf_export_wisdom_to_string());
  }
  WriteTextFileAtomically(path, text);
}

} // namespace dn
