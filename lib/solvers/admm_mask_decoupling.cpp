#include "solvers/admm_mask_decoupling.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/threads.hpp"
#include "core/timer.hpp"
#include "solvers/kernels.hpp"
#include "solvers/proximal.hpp"

namespace dn {

template <typename T>
MaskDecouplingAdmm<T>::MaskDecouplingAdmm(const AdmmOptions& options) : options_(options) {
  options_.Validate();
}

template <typename T>
void MaskDecouplingAdmm<T>::RequireBound(const char* who) const {
  if (!op_) throw std::logic_error(std::string(who) + ": Reset() was not called");
}

template <typename T>
void MaskDecouplingAdmm<T>::Reset(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
                                  const Maps<T>* start, const Image<T>* weight) {
  CheckResetArguments(op, signal, lambda, start, weight, "CscSolver::Reset()");
  op_ = &op;
  lambda_ = lambda;
  rho_ = options_.rho > 0.0 ? options_.rho : 50.0 * lambda + 1.0;
  rhoTarget_ = options_.rhoTarget > 0.0 ? options_.rhoTarget
               : lambda > 0.0           ? 1.0 + std::pow(18.3, std::log10(lambda) + 1.0)
                                        : 1.0;
  iteration_ = 0;
  elapsed_ = 0.0;

  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const arma::uword gridSize = op.Fft().Size();
  threads_ = ThreadCount();
  mapSums_.assign(K, MapSums());
  accumulators_.assign(threads_, CMat(F, C));
  partials_.resize(C * threads_);
  for (arma::uword c = 0; c < C; ++c)
    for (int t = 0; t < threads_; ++t) partials_[c * threads_ + t] = accumulators_[t].colptr(c);
  transformInput_.assign(threads_, arma::Col<Complex<T>>(F));
  xSpectra_.assign(threads_, arma::Col<Complex<T>>(F));
  relaxed_.assign(threads_, arma::Col<T>(op.MapRows() * op.MapCols()));
  forwardScratch_.assign(op.Padded() ? threads_ : 0, op.MakeScratch());
  inverseScratch_.assign(op.Padded() ? threads_ : 0, op.MakeScratch());
  correction_.set_size(F, C);
  synthesisX_.set_size(F, C);
  synthesisV_.set_size(F, C);
  grid_.set_size(op.GridRows(), op.GridCols());
  synthesisGrid_.set_size(gridSize);
  spectrum_.set_size(F);
  dataChange_.set_size(gridSize, C);

  paddedSignal_.set_size(gridSize, C);
  weightSquared_.set_size(gridSize, C);
  arma::Mat<T> ones(op.ImageRows(), op.ImageCols(), arma::fill::ones);
  for (arma::uword c = 0; c < C; ++c) {
    op.Pad(signal.slice(c).memptr(), paddedSignal_.colptr(c));
    if (weight) {
      const arma::Mat<T> squared = arma::square(weight->slice(c));
      op.Pad(squared.memptr(), weightSquared_.colptr(c));
    } else {
      op.Pad(ones.memptr(), weightSquared_.colptr(c));
    }
  }
  // The problem does not depend on s where W = 0: zero it there, so that whatever the unknown
  // pixels hold (even NaN) neither enters the split nor scales the residuals.
  paddedSignal_.elem(arma::find(weightSquared_ == T(0))).zeros();

  if (start)
    y_ = *start;
  else
    y_.zeros(op.MapRows(), op.MapCols(), K);
  op.MapSpectra(y_, ySpectra_);
  dualSpectra_.zeros(F, K);
  dualScale_ = 1.0;
  SynthesizeIterateAndDual(op, ySpectra_, dualSpectra_, dualScale_, synthesisY_, synthesisDual_);

  // y1 = D y0 - s and u1 = 0: both constraints hold at the start.
  dataSplit_.set_size(gridSize, C);
  dataDual_.zeros(gridSize, C);
  const T scale = T(1) / static_cast<T>(gridSize);
  for (arma::uword c = 0; c < C; ++c) {
    spectrum_ = synthesisY_.col(c);
    op.Fft().Inverse(spectrum_.memptr(), dataSplit_.colptr(c));
    dataSplit_.col(c) = dataSplit_.col(c) * scale - paddedSignal_.col(c);
  }
  DataSpectra();

  double l1 = 0, nonzeros = 0;
  for (arma::uword i = 0; i < y_.n_elem; ++i) {
    l1 += std::abs(double(y_[i]));
    nonzeros += y_[i] != T(0);
  }
  current_ = IterationRecord();
  current_.fidelity = Fidelity();
  current_.l1 = l1;
  current_.objective = Objective(current_.fidelity, lambda_, l1);
  current_.density = nonzeros / static_cast<double>(y_.n_elem);
}

template <typename T>
double MaskDecouplingAdmm<T>::Fidelity() {
  const arma::uword C = op_->Channels(), n = op_->Fft().Size();
  const T scale = T(1) / static_cast<T>(n);
  double fidelity = 0.0;
  for (arma::uword c = 0; c < C; ++c) {
    spectrum_ = synthesisY_.col(c);
    op_->Fft().Inverse(spectrum_.memptr(), grid_.memptr());
    const T* dy = grid_.memptr();
    const T* s = paddedSignal_.colptr(c);
    const T* w2 = weightSquared_.colptr(c);
    for (arma::uword i = 0; i < n; ++i) {
      const double r = double(dy[i] * scale - s[i]);
      fidelity += 0.5 * double(w2[i]) * r * r;
    }
  }
  return fidelity;
}

template <typename T>
void MaskDecouplingAdmm<T>::DataSpectra() {
  const arma::uword C = op_->Channels(), n = op_->Fft().Size();
  dataSpectra_.set_size(op_->Fft().SpectrumSize(), C);
  for (arma::uword c = 0; c < C; ++c) {
    T* b = grid_.memptr();
    const T* s = paddedSignal_.colptr(c);
    const T* y1 = dataSplit_.colptr(c);
    const T* u1 = dataDual_.colptr(c);
    for (arma::uword i = 0; i < n; ++i) b[i] = s[i] + y1[i] - u1[i];
    op_->Fft().Forward(b, dataSpectra_.colptr(c));
  }
}

template <typename T>
SolveReport MaskDecouplingAdmm<T>::Solve(const SolveOptions& options, Observer* observer) {
  RequireBound("CscSolver::Solve()");
  options.Validate();
  const ConvOperator<T>& op = *op_;
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const arma::uword N = op.MapRows() * op.MapCols(), n = op.Fft().Size();
  const arma::uword gridRows = op.GridRows();
  const CMat& gram = op.FilterGram();
  const double gridSize = static_cast<double>(n);
  const T alpha = static_cast<T>(options_.relaxation), keep = T(1) - alpha;
  const int threads = threads_;
  std::vector<Complex<double>> systems(static_cast<std::size_t>(threads) * C * (C + 1));

  SolveReport report;
  if (observer) observer->Begin({Name(), 0, options.maxIterations});
  Timer timer;
  const double elapsedBefore = elapsed_;
  for (std::size_t it = 0; it < options.maxIterations; ++it) {
    const T dualScale = static_cast<T>(dualScale_);
    const T threshold = static_cast<T>(lambda_ / rho_);
    const T scale = static_cast<T>(1.0 / gridSize);
    const std::size_t number = iteration_ + 1;
    const bool balance = options_.autoRho && number > 1 && number % options_.rhoPeriod == 0;
    if (balance) previousSpectra_ = ySpectra_;  // for the dual residual A^T (y' - y)

#pragma omp parallel num_threads(threads)
    {
      const int thread = omp_get_thread_num();
      // e = (I + D D^H)^{-1} (b - D Y + D U) per frequency; D X and D V from it.
      {
        std::size_t begin, end;
        ThreadRange(F, thread, omp_get_num_threads(), begin, end);
        Complex<double>* system = &systems[static_cast<std::size_t>(thread) * C * (C + 1)];
        Complex<double>* rhs = system + C * C;
        for (std::size_t f = begin; f < end; ++f) {
          for (arma::uword c = 0; c < C; ++c)
            rhs[c] = Complex<double>(dataSpectra_(f, c) - synthesisY_(f, c) + synthesisDual_(f, c));
          if (C == 1)
            rhs[0] /= 1.0 + double(gram[f].real());
          else
            SolveShiftedGram(gram, f, 1.0, system, rhs);
          for (arma::uword c = 0; c < C; ++c) correction_(f, c) = Complex<T>(rhs[c]);
          for (arma::uword a = 0; a < C; ++a) {
            Complex<T> ge(0);
            for (arma::uword b = 0; b < C; ++b) ge += gram(f, a + C * b) * correction_(f, b);
            synthesisX_(f, a) = synthesisY_(f, a) - synthesisDual_(f, a) + ge;
            synthesisV_(f, a) = synthesisY_(f, a) + keep * synthesisDual_(f, a) + alpha * ge;
          }
        }
      }
#pragma omp barrier

      Complex<T>* input = transformInput_[thread].memptr();
      Complex<T>* xSpectrum = xSpectra_[thread].memptr();
      T* relaxed = relaxed_[thread].memptr();
      T* forwardScratch = op.Padded() ? forwardScratch_[thread].memptr() : nullptr;
      T* inverseScratch = op.Padded() ? inverseScratch_[thread].memptr() : nullptr;
      CMat& acc = accumulators_[thread];
      bool first = true;
#pragma omp for schedule(static) nowait
      for (arma::uword k = 0; k < K; ++k) {
        Complex<T>* ySpectrum = ySpectra_.colptr(k);
        Complex<T>* dual = dualSpectra_.colptr(k);
        MapSums& sums = mapSums_[k];
        if (C == 1) {
          sums.xEnergy =
              kernels::AdmmRelax(ySpectrum, dual, input, xSpectrum, op.FilterSpectrum(k, 0),
                                 correction_.memptr(), F, dualScale, alpha, balance);
        } else {
          std::fill_n(xSpectrum, F, Complex<T>(0));
          for (arma::uword c : op.ChannelsOf(k))
            kernels::MultiplyAccumulate(op.FilterSpectrum(k, c), correction_.colptr(c), xSpectrum,
                                        F, true);
          sums.xEnergy = kernels::AdmmRelax<T>(ySpectrum, dual, input, xSpectrum, nullptr, nullptr,
                                               F, dualScale, alpha, balance);
        }
        // y0 = S(IFFT(V)) on the map region; zero outside it (ForwardMap pads with zeros).
        op.InverseMap(input, relaxed, inverseScratch);
        sums.maps = kernels::AdmmShrink(relaxed, y_.slice(k).memptr(), N, scale, threshold);
        op.ForwardMap(y_.slice(k).memptr(), ySpectrum, forwardScratch);
        op.AccumulateSynthesis(k, ySpectrum, acc, first);
        first = false;
        if (!balance) {
          kernels::AdmmDualUpdate<T>(ySpectrum, dual, nullptr, F, nullptr);
          continue;
        }
        double residuals[2] = {0, 0};
        kernels::AdmmDualUpdate(ySpectrum, dual, xSpectrum, F, residuals);
        sums.xEnergy = 2.0 * sums.xEnergy - EdgeRowsEnergy<T>(xSpectrum, nullptr, 0, F, gridRows);
        sums.primal = 2.0 * residuals[0] - EdgeRowsEnergy(xSpectrum, ySpectrum, 0, F, gridRows);
      }
      if (first) acc.zeros();
#pragma omp barrier
      // D Y' (accumulators in thread order), D U' = D V - D Y'.
      std::size_t begin, end;
      ThreadRange(F, thread, omp_get_num_threads(), begin, end);
      for (arma::uword c = 0; c < C; ++c) {
        Complex<T>* sy = synthesisY_.colptr(c);
        kernels::SumInto(&partials_[c * threads], threads, begin, sy, end - begin);
        Complex<T>* su = synthesisDual_.colptr(c);
        const Complex<T>* sv = synthesisV_.colptr(c);
        for (std::size_t f = begin; f < end; ++f) su[f] = sv[f] - sy[f];
      }
    }
    dualScale_ = 1.0;

    // The data block, per pixel of the grid: y1' and u1' from D x, and the objective from D y0'.
    double fidelity = 0.0, dataPrimal = 0.0, dataX = 0.0, dataY = 0.0, signalEnergy = 0.0;
    const T rho = static_cast<T>(rho_);
    for (arma::uword c = 0; c < C; ++c) {
      spectrum_ = synthesisX_.col(c);  // the inverse FFT destroys its input
      op.Fft().Inverse(spectrum_.memptr(), grid_.memptr());
      spectrum_ = synthesisY_.col(c);
      op.Fft().Inverse(spectrum_.memptr(), synthesisGrid_.memptr());
      const T* dx = grid_.memptr();
      const T* dy = synthesisGrid_.memptr();
      const T* s = paddedSignal_.colptr(c);
      const T* w2 = weightSquared_.colptr(c);
      T* y1 = dataSplit_.colptr(c);
      T* u1 = dataDual_.colptr(c);
      T* change = balance ? dataChange_.colptr(c) : nullptr;
      for (arma::uword i = 0; i < n; ++i) {
        const T ax = dx[i] * scale - s[i];  // D x - s
        const T relaxedData = alpha * ax + keep * y1[i];
        const T fresh = rho * (relaxedData + u1[i]) / (w2[i] + rho);
        const T dual = u1[i] + relaxedData - fresh;
        const double r = double(dy[i] * scale - s[i]);
        fidelity += 0.5 * double(w2[i]) * r * r;
        if (balance) {
          const double synthesis = double(dx[i] * scale);
          dataPrimal += double(ax - fresh) * double(ax - fresh);
          dataX += synthesis * synthesis;
          dataY += double(fresh) * double(fresh);
          signalEnergy += double(s[i]) * double(s[i]);
          change[i] = fresh - y1[i];
        }
        y1[i] = fresh;
        u1[i] = dual;
      }
    }

    MapSums total;
    for (const MapSums& s : mapSums_) {
      total.maps += s.maps;
      total.xEnergy += s.xEnergy;
      total.primal += s.primal;
    }
    ++iteration_;
    ++report.iterations;
    elapsed_ = elapsedBefore + timer.Seconds();
    current_.iteration = iteration_;
    current_.seconds = elapsed_;
    current_.fidelity = fidelity;
    current_.l1 = total.maps.l1;
    current_.objective = Objective(fidelity, lambda_, total.maps.l1);
    current_.density = total.maps.nonzeros / static_cast<double>(y_.n_elem);
    current_.relativeChange = RelativeChange(total.maps.change, total.maps.norm);

    if (balance) {
      // Relative residuals of the stacked constraint A x - y = c, A = [I; D], c = [0; s]:
      // primal ||A x - y - c|| / max(||A x||, ||y||, ||c||), dual ||A^T (y' - y)|| / ||u||.
      const double xNorm = std::sqrt(total.xEnergy / gridSize + dataX);
      const double ySplitNorm = std::sqrt(total.maps.norm + dataY);
      const double scaleNorm = std::max({xNorm, ySplitNorm, std::sqrt(signalEnergy)});
      const double r =
          std::sqrt(total.primal / gridSize + dataPrimal) / (scaleNorm > 0 ? scaleNorm : 1.0);
      double changeEnergy = 0.0, dualEnergy = 0.0;
      StackedAdjointEnergies(changeEnergy, dualEnergy);
      const double s = std::sqrt(changeEnergy) / (dualEnergy > 0 ? std::sqrt(dualEnergy) : 1.0);
      const double change = RhoBalancingChange(r, s, rhoTarget_, options_);
      if (change != 1.0) {
        rho_ *= change;
        dualScale_ /= change;
        synthesisDual_ *= static_cast<T>(1.0 / change);
        dataDual_ *= static_cast<T>(1.0 / change);
      }
    }
    DataSpectra();

    if (ShouldStop(current_, options, observer, report, "CscSolver::Solve()")) break;
  }
  report.seconds = timer.Seconds();
  report.last = current_;
  if (observer) observer->End(report.last, report.reason);
  return report;
}

template <typename T>
void MaskDecouplingAdmm<T>::StackedAdjointEnergies(double& changeEnergy, double& dualEnergy) {
  const ConvOperator<T>& op = *op_;
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const double gridSize = static_cast<double>(op.Fft().Size());
  CMat changeSpectra(F, C);
  for (arma::uword c = 0; c < C; ++c)
    op.Fft().Forward(dataChange_.colptr(c), changeSpectra.colptr(c));
  std::vector<double> change(K), dual(K);
  std::vector<arma::Col<Complex<T>>> work = PerThread(arma::Col<Complex<T>>(F));
#pragma omp parallel for schedule(static) num_threads(work.size())
  for (arma::uword k = 0; k < K; ++k) {
    Complex<T>* v = work[omp_get_thread_num()].memptr();
    // (y0' - y0) + D^H (y1' - y1) per frequency; ||u0||.
    const Complex<T>* now = ySpectra_.colptr(k);
    const Complex<T>* before = previousSpectra_.colptr(k);
    for (arma::uword f = 0; f < F; ++f) v[f] = now[f] - before[f];
    for (arma::uword c : op.ChannelsOf(k))
      kernels::MultiplyAccumulate(op.FilterSpectrum(k, c), changeSpectra.colptr(c), v, F, true);
    change[k] = SpectrumEnergy(v, op.GridRows(), op.GridCols());
    dual[k] = SpectrumEnergy(dualSpectra_.colptr(k), op.GridRows(), op.GridCols());
  }
  changeEnergy = 0.0;
  dualEnergy = arma::accu(arma::square(arma::conv_to<arma::mat>::from(dataDual_)));
  for (arma::uword k = 0; k < K; ++k) {
    changeEnergy += change[k] / gridSize;
    dualEnergy += dual[k] / gridSize;
  }
}

template <typename T>
IterationRecord MaskDecouplingAdmm<T>::OperatorChanged() {
  RequireBound("CscSolver::OperatorChanged()");
  CheckedLipschitz(*op_, "CscSolver::OperatorChanged()");
  SynthesizeIterateAndDual(*op_, ySpectra_, dualSpectra_, dualScale_, synthesisY_, synthesisDual_);
  current_.fidelity = Fidelity();
  current_.objective = Objective(current_.fidelity, lambda_, current_.l1);
  return current_;
}

template <typename T>
void MaskDecouplingAdmm<T>::Describe(StateArchive<T>& a) {
  RequireBound(a.Reading() ? "CscSolver::RestoreState()" : "CscSolver::SaveState()");
  a.Setting("mask_decoupling", 1.0);
  DescribeAdmmSettings(a, options_, lambda_, rho_, rhoTarget_, dualScale_);
  a.Count("iteration", iteration_);
  a.Number("elapsed", elapsed_);
  a.Part("record", [&] { DescribeRecord(a, current_); });

  const arma::uword K = op_->FilterCount(), C = op_->Channels(), F = op_->Fft().SpectrumSize();
  a.Array("y", y_, op_->MapRows(), op_->MapCols(), K);
  a.ComplexMatrix("y_spectra", ySpectra_, F, K);
  a.ComplexMatrix("dual_spectra", dualSpectra_, F, K);
  a.ComplexMatrix("synthesis_y", synthesisY_, F, C);
  a.ComplexMatrix("synthesis_dual", synthesisDual_, F, C);
  a.Matrix("data_split", dataSplit_, op_->Fft().Size(), C);
  a.Matrix("data_dual", dataDual_, op_->Fft().Size(), C);
  a.OnCommit([this] { DataSpectra(); });
}

template class MaskDecouplingAdmm<float>;
template class MaskDecouplingAdmm<double>;

}  // namespace dn
