#include "solvers/proximal_gradient.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "conv/sparse_synthesis.hpp"
#include "core/threads.hpp"
#include "core/timer.hpp"
#include "solvers/kernels.hpp"
#include "solvers/proximal.hpp"

namespace dn {
namespace {

//! out(:, c) = sum_k D_kc X_k, parallel over frequencies (no reduction across threads).
template <typename T>
void Synthesize(const ConvOperator<T>& op, const arma::Mat<Complex<T>>& spectra,
                arma::Mat<Complex<T>>& out) {
  const arma::uword C = op.Channels(), F = op.Fft().SpectrumSize();
  out.set_size(F, C);
#pragma omp parallel
  {
    std::size_t begin, end;
    ThreadRange(F, omp_get_thread_num(), omp_get_num_threads(), begin, end);
    for (arma::uword c = 0; c < C; ++c) {
      Complex<T>* o = out.colptr(c);
      for (std::size_t f = begin; f < end; ++f) o[f] = Complex<T>(0);
      for (arma::uword k : op.FiltersOf(c)) {  // zero filters skipped
        const Complex<T>* d = op.FilterSpectrum(k, c);
        const Complex<T>* x = spectra.colptr(k);
        for (std::size_t f = begin; f < end; ++f) o[f] += d[f] * x[f];
      }
    }
  }
}

}  // namespace

void SolveOptions::Validate() const {
  if (maxIterations == 0)
    throw std::invalid_argument("SolveOptions: maxIterations must be positive");
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance))
    throw std::invalid_argument("SolveOptions: tolerance must be finite and >= 0");
}

template <typename T>
ProximalGradientSolver<T>::ProximalGradientSolver(bool momentum, bool keepSpectra,
                                                  SynthesisChoice synthesis)
    : momentum_(momentum), keepSpectra_(keepSpectra), synthesisChoice_(synthesis) {
  if (keepSpectra && synthesis == SynthesisChoice::Sparse)
    throw std::invalid_argument(
        "ProximalGradientSolver: the sparse synthesis gives no spectra (keepSpectra)");
}

template <typename T>
bool ProximalGradientSolver<T>::UseSparseSynthesis(double nonzeros) const {
  if (keepSpectra_ || synthesisChoice_ == SynthesisChoice::Fft) return false;
  if (synthesisChoice_ == SynthesisChoice::Sparse) return true;
  return SparseSynthesisPays(*op_, nonzeros, SpatialResidual());
}

template <typename T>
void ProximalGradientSolver<T>::RequireBound(const char* who) const {
  if (!op_) throw std::logic_error(std::string(who) + ": Reset() was not called");
}

template <typename T>
void ProximalGradientSolver<T>::SetupWorkspace() {
  const arma::uword K = op_->FilterCount(), C = op_->Channels(), F = op_->Fft().SpectrumSize();
  threads_ = omp_get_max_threads();
  mapSums_.assign(K, kernels::MapSums());
  fft_.Resize(*op_, threads_);
  gradientSpectra_.assign(threads_, arma::Col<Complex<T>>(F));
  gradients_.assign(threads_, arma::Col<T>(op_->MapRows() * op_->MapCols()));
  inverseScratch_.assign(op_->Padded() ? threads_ : 0, op_->MakeScratch());
  residualAtY_.set_size(F, C);
  if (!keepSpectra_ && synthesisChoice_ != SynthesisChoice::Fft) {
    gridSynthesis_.set_size(op_->Fft().Size(), C);
    nonzeros_.Resize(op_->MapRows(), op_->MapCols(), K);
  } else {
    gridSynthesis_.reset();
    nonzeros_ = NonzeroColumns<T>();
  }
  if (SpatialResidual()) {
    synthesis_.set_size(F, C);
    grid_.set_size(op_->GridRows(), op_->GridCols());
    residualImageAtY_.set_size(op_->ImageRows() * op_->ImageCols());
  }
}

template <typename T>
double ProximalGradientSolver<T>::ProblemLipschitz() const {
  const double lipschitz = CheckedLipschitz(*op_, "CscSolver::OperatorChanged()");
  if (!weight_) return lipschitz;
  const double maxWeight = MaxWeight(*weight_);
  return maxWeight * maxWeight * lipschitz;
}

template <typename T>
void ProximalGradientSolver<T>::Reset(const ConvOperator<T>& op, const Image<T>& signal,
                                      double lambda, const Maps<T>* start,
                                      const Image<T>* weight) {
  CheckResetArguments(op, signal, lambda, start, weight, "CscSolver::Reset()");

  op_ = &op;
  signal_ = &signal;
  weight_ = weight;
  lambda_ = lambda;
  lipschitz_ = ProblemLipschitz();
  iteration_ = 0;
  elapsed_ = 0.0;
  SetupWorkspace();

  const arma::uword C = op.Channels(), F = op.Fft().SpectrumSize();
  if (weight) {
    weightSquared_.set_size(op.ImageRows() * op.ImageCols(), C);
    for (arma::uword c = 0; c < C; ++c)
      weightSquared_.col(c) = arma::square(arma::vectorise(weight->slice(c)));
  } else {
    weightSquared_.reset();
  }
  if (!SpatialResidual()) {
    signalSpectra_.set_size(F, C);
    for (arma::uword c = 0; c < C; ++c)
      op.Fft().Forward(signal.slice(c).memptr(), signalSpectra_.colptr(c));
  }
  if (start)
    x_ = *start;
  else
    x_.zeros(op.MapRows(), op.MapCols(), op.FilterCount());

  Sums sums;
  for (arma::uword i = 0; i < x_.n_elem; ++i) {
    sums.l1 += std::abs(double(x_[i]));
    sums.nonzeros += x_[i] != T(0);
  }
  UpdateStatistics(StartFromIterate(), sums);
  current_.relativeChange = 0.0;
}

template <typename T>
double ProximalGradientSolver<T>::StartFromIterate() {
  CMat synthesis;
  const arma::Mat<T>* spatial = nullptr;
  if (UseSparseSynthesis(static_cast<double>(arma::accu(x_ != T(0))))) {
    SynthesizeSparse(*op_, x_, nonzeros_, gridSynthesis_);
    if (SpatialResidual()) {
      spatial = &gridSynthesis_;
    } else {
      synthesis.set_size(op_->Fft().SpectrumSize(), op_->Channels());
      for (arma::uword c = 0; c < op_->Channels(); ++c)
        op_->Fft().Forward(gridSynthesis_.colptr(c), synthesis.colptr(c));
    }
  } else {
    SynthesizeByFft(*op_, x_, fft_, synthesis, keepSpectra_ ? &spectra_ : nullptr);
  }
  if (keepSpectra_)
    previousSpectra_ = spectra_;
  else
    previousSpectra_.reset();
  residual_.reset();
  previousResidual_.reset();
  residualImage_.reset();
  previousResidualImage_.reset();
  const double fidelity = FinishResidual(synthesis, 0.0, spatial);
  // The previous iterate equals the current one: no momentum.
  previousResidual_ = residual_;
  previousResidualImage_ = residualImage_;
  y_ = x_;
  t_ = 1.0;
  lastBeta_ = 0.0;
  return fidelity;
}

template <typename T>
double ProximalGradientSolver<T>::FinishResidual(CMat& synthesis, double beta,
                                                 const arma::Mat<T>* spatial) {
  const ConvOperator<T>& op = *op_;
  const arma::uword C = op.Channels(), F = op.Fft().SpectrumSize();
  const T b = static_cast<T>(beta);
  double fidelity = 0.0;
  if (!SpatialResidual()) {
    residual_.swap(previousResidual_);
    residual_.set_size(F, C);
    for (arma::uword c = 0; c < C; ++c) {
      const Complex<T>* s = signalSpectra_.colptr(c);
      const Complex<T>* a = synthesis.colptr(c);
      Complex<T>* r = residual_.colptr(c);
      const Complex<T>* rp = previousResidual_.n_elem ? previousResidual_.colptr(c) : nullptr;
      Complex<T>* ry = residualAtY_.colptr(c);
      for (arma::uword f = 0; f < F; ++f) {
        r[f] = a[f] - s[f];
        ry[f] = rp ? r[f] + b * (r[f] - rp[f]) : r[f];
      }
      fidelity += 0.5 * SpectrumEnergy(r, op.GridRows(), op.GridCols());
    }
    return fidelity;
  }
  const arma::uword H = op.ImageRows(), W = op.ImageCols();
  // The inverse transform is unnormalised; the spatial synthesis is D x itself.
  const T scale = spatial ? T(1) : T(1) / static_cast<T>(op.Fft().Size());
  residualImage_.swap(previousResidualImage_);
  residualImage_.set_size(H * W, C);
  T* atY = residualImageAtY_.memptr();
  for (arma::uword c = 0; c < C; ++c) {
    T* r = residualImage_.colptr(c);
    if (spatial) {
      op.Crop(spatial->colptr(c), r);
    } else {
      op.Fft().Inverse(synthesis.colptr(c), grid_.memptr());
      op.Crop(grid_.memptr(), r);
    }
    const T* s = signal_->slice(c).memptr();
    const T* rp = previousResidualImage_.n_elem ? previousResidualImage_.colptr(c) : nullptr;
    double energy = 0.0;
    if (weight_) {
      const T* w2 = weightSquared_.colptr(c);
      for (arma::uword i = 0; i < H * W; ++i) {
        // W^2 (D x - s), the gradient's residual; exactly 0 where W = 0 whatever s holds there.
        const T difference = w2[i] > T(0) ? r[i] * scale - s[i] : T(0);
        r[i] = w2[i] * difference;
        energy += double(r[i]) * double(difference);
        atY[i] = rp ? r[i] + b * (r[i] - rp[i]) : r[i];
      }
    } else {
      for (arma::uword i = 0; i < H * W; ++i) {
        r[i] = r[i] * scale - s[i];
        energy += double(r[i]) * double(r[i]);
        atY[i] = rp ? r[i] + b * (r[i] - rp[i]) : r[i];
      }
    }
    fidelity += 0.5 * energy;
    op.Pad(atY, grid_.memptr());
    op.Fft().Forward(grid_.memptr(), residualAtY_.colptr(c));
  }
  return fidelity;
}

template <typename T>
void ProximalGradientSolver<T>::UpdateStatistics(double fidelity, const Sums& sums) {
  current_.iteration = iteration_;
  current_.seconds = elapsed_;
  current_.fidelity = fidelity;
  current_.l1 = sums.l1;
  current_.objective = Objective(fidelity, lambda_, sums.l1);
  current_.density = sums.nonzeros / static_cast<double>(x_.n_elem);
  current_.relativeChange = RelativeChange(sums.change, sums.norm);
}

template <typename T>
SolveReport ProximalGradientSolver<T>::Solve(const SolveOptions& options, Observer* observer) {
  RequireBound("CscSolver::Solve()");
  options.Validate();
  const ConvOperator<T>& op = *op_;
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const arma::uword N = op.MapRows() * op.MapCols();
  // 1/L, and 1/(grid size) to normalise the inverse FFT of the gradient.
  const T step = static_cast<T>(1.0 / (lipschitz_ * static_cast<double>(op.Fft().Size())));
  const T threshold = static_cast<T>(lambda_ / lipschitz_);

  SolveReport report;
  if (observer) observer->Begin({Name(), 0, options.maxIterations});
  Timer timer;
  const double elapsedBefore = elapsed_;
  const bool spectral = !SpatialResidual();  // the residual is kept in the frequency domain
  std::vector<double> energies(threads_);

  for (std::size_t it = 0; it < options.maxIterations; ++it) {
    const double tNext = momentum_ ? 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t_ * t_)) : 1.0;
    const double betaValue = momentum_ ? (t_ - 1.0) / tNext : 0.0;
    const T beta = static_cast<T>(betaValue);
    if (keepSpectra_) {
      spectra_.swap(previousSpectra_);  // spectra_ is overwritten below
      spectra_.set_size(F, K);          // after a restore previousSpectra_ was empty
    }
    if (spectral) residual_.swap(previousResidual_);  // so is residual_

    // D x' in space from the non-zeros, or by FFT (sparse synthesis: see the header), chosen by
    // the density of the last iterate, and by FFT after all when x' is too dense for the sparse
    // way (the guess fails on the first iteration from zero maps).
    const bool guess = UseSparseSynthesis(current_.density * static_cast<double>(x_.n_elem));
    const auto newIterateNonzeros = [&] {
      double nonzeros = 0.0;
      for (const kernels::MapSums& s : mapSums_) nonzeros += s.nonzeros;
      return nonzeros;
    };
#pragma omp parallel num_threads(threads_)
    {
      const int thread = omp_get_thread_num(), threads = omp_get_num_threads();
      CMat& acc = fft_.accumulators[thread];
      bool first = true;  // the thread's first map sets acc instead of adding to it
      Complex<T>* G = gradientSpectra_[thread].memptr();
      T* g = gradients_[thread].memptr();
      T* forwardScratch = op.Padded() ? fft_.scratch[thread].memptr() : nullptr;
      T* inverseScratch = op.Padded() ? inverseScratch_[thread].memptr() : nullptr;
      // x_k' and y_k' from the gradient at y_k.
      const auto updateMap = [&](arma::uword k) {
        // G = sum_c conj(D_kc) r_y,c over the non-zero filters of map k
        const std::vector<arma::uword>& channels = op.ChannelsOf(k);
        if (channels.empty())
          std::fill_n(G, F, Complex<T>(0));
        else
          kernels::ConjugateProduct(op.FilterSpectrum(k, channels[0]),
                                    residualAtY_.colptr(channels[0]), G, F);
        for (std::size_t j = 1; j < channels.size(); ++j)
          kernels::MultiplyAccumulate(op.FilterSpectrum(k, channels[j]),
                                      residualAtY_.colptr(channels[j]), G, F, true);
        op.InverseMap(G, g, inverseScratch);
        mapSums_[k] = kernels::ProximalMapUpdate(x_.slice(k).memptr(), y_.slice(k).memptr(), g, N,
                                                 step, threshold, beta);
      };
      bool mapsUpdated = false, sparse = false;
      if (guess) {
#pragma omp for schedule(static)
        for (arma::uword k = 0; k < K; ++k) {
          updateMap(k);
          nonzeros_.Gather(k, x_.slice(k).memptr());  // while the map is in cache
        }
        mapsUpdated = true;
        sparse = UseSparseSynthesis(newIterateNonzeros());  // the same on every thread
      }
      if (sparse) {
        std::size_t columnBegin, columnEnd;
        ThreadRange(op.GridCols(), thread, threads, columnBegin, columnEnd);
        SynthesizeSparseColumns(op, nonzeros_, gridSynthesis_, columnBegin, columnEnd);
#pragma omp barrier
        if (spectral) {
#pragma omp for schedule(static)
          for (arma::uword c = 0; c < C; ++c)
            op.Fft().Forward(gridSynthesis_.colptr(c), residual_.colptr(c));
        }
      } else {
#pragma omp for schedule(static) nowait
        for (arma::uword k = 0; k < K; ++k) {
          if (!mapsUpdated) updateMap(k);
          Complex<T>* X = keepSpectra_ ? spectra_.colptr(k) : fft_.spectra[thread].memptr();
          op.ForwardMap(x_.slice(k).memptr(), X, forwardScratch);
          op.AccumulateSynthesis(k, X, acc, first);
          first = false;
        }
        if (first) acc.zeros();  // no map for this thread
#pragma omp barrier
      }
      // D X': the accumulators summed in thread order (deterministic), each thread over its own
      // frequencies, or the transforms of the sparse synthesis; when kept in frequency straight
      // into the residuals r and r_y.
      std::size_t begin, end;
      ThreadRange(F, thread, threads, begin, end);
      double energy = 0.0;
      for (arma::uword c = 0; c < C; ++c) {
        Complex<T>* out = spectral ? residual_.colptr(c) : synthesis_.colptr(c);
        if (!sparse)
          kernels::SumInto(&fft_.partials[c * threads_], threads_, begin, out, end - begin);
        if (spectral)
          energy += 2.0 * kernels::CircularResidual(
                              signalSpectra_.colptr(c) + begin, previousResidual_.colptr(c) + begin,
                              out + begin, residualAtY_.colptr(c) + begin, end - begin, beta) -
                    EdgeRowsEnergy<T>(out, nullptr, begin, end, op.GridRows());
      }
      energies[thread] = energy;
    }
    Sums total;
    for (const Sums& s : mapSums_) total += s;
    const bool sparse = guess && UseSparseSynthesis(newIterateNonzeros());
    double fidelity = 0.0;
    if (spectral) {
      for (double e : energies) fidelity += e;
      fidelity *= 0.5 / static_cast<double>(op.Fft().Size());
    } else {
      fidelity = FinishResidual(synthesis_, betaValue, sparse ? &gridSynthesis_ : nullptr);
    }
    t_ = tNext;
    lastBeta_ = betaValue;
    ++iteration_;
    ++report.iterations;
    elapsed_ = elapsedBefore + timer.Seconds();
    UpdateStatistics(fidelity, total);

    if (ShouldStop(current_, options, observer, report, "CscSolver::Solve()")) break;
  }
  report.seconds = timer.Seconds();
  report.last = current_;
  if (observer) observer->End(report.last, report.reason);
  return report;
}

template <typename T>
IterationRecord ProximalGradientSolver<T>::OperatorChanged() {
  RequireBound("CscSolver::OperatorChanged()");
  lipschitz_ = ProblemLipschitz();
  double fidelity;
  if (keepSpectra_ && previousSpectra_.n_elem) {
    // Residuals at the previous and current iterate under the new filters give r_y by linearity.
    CMat synthesis;
    Synthesize(*op_, previousSpectra_, synthesis);
    FinishResidual(synthesis, 0.0);
    Synthesize(*op_, spectra_, synthesis);
    fidelity = FinishResidual(synthesis, lastBeta_);
  } else {
    // Without the spectra of the previous iterate (none kept, or restored and not yet iterated)
    // the momentum cannot be carried over: restart from x.
    fidelity = StartFromIterate();
  }
  current_.fidelity = fidelity;
  current_.objective = Objective(fidelity, lambda_, current_.l1);
  return current_;
}

template <typename T>
const arma::Mat<Complex<T>>& ProximalGradientSolver<T>::SolutionSpectra() const {
  if (!keepSpectra_)
    throw std::logic_error("CscSolver::SolutionSpectra(): the solver was made without keepSpectra");
  return spectra_;
}

template class ProximalGradientSolver<float>;
template class ProximalGradientSolver<double>;

}  // namespace dn
