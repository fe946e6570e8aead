#include "solvers/admm.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/threads.hpp"
#include "core/timer.hpp"
#include "solvers/admm_mask_decoupling.hpp"
#include "solvers/kernels.hpp"
#include "solvers/proximal.hpp"

namespace dn {

void AdmmOptions::Validate() const {
  if (!(rho >= 0.0) || !std::isfinite(rho))
    throw std::invalid_argument("AdmmOptions: rho must be finite and >= 0 (0 = automatic)");
  if (!(relaxation > 0.0 && relaxation < 2.0))
    throw std::invalid_argument("AdmmOptions: relaxation must be in (0, 2)");
  if (rhoPeriod == 0) throw std::invalid_argument("AdmmOptions: rhoPeriod must be positive");
  if (!(rhoRatio >= 1.0) || !std::isfinite(rhoRatio))
    throw std::invalid_argument("AdmmOptions: rhoRatio must be finite and >= 1");
  if (!(rhoScalingMax >= 1.0) || !std::isfinite(rhoScalingMax))
    throw std::invalid_argument("AdmmOptions: rhoScalingMax must be finite and >= 1");
  if (!(rhoTarget >= 0.0) || !std::isfinite(rhoTarget))
    throw std::invalid_argument("AdmmOptions: rhoTarget must be finite and >= 0 (0 = automatic)");
}

template <typename T>
void SolveShiftedGram(const arma::Mat<Complex<T>>& gram, arma::uword f, double shift,
                      Complex<double>* system, Complex<double>* rhs) {
  const arma::uword C = static_cast<arma::uword>(std::lround(std::sqrt(double(gram.n_cols))));
  for (arma::uword i = 0; i < C * C; ++i) system[i] = Complex<double>(gram(f, i));
  for (arma::uword c = 0; c < C; ++c) system[c + C * c] += shift;
  // In-place Cholesky A = L L^H (A Hermitian positive definite), then two solves.
  for (arma::uword j = 0; j < C; ++j) {
    double diagonal = system[j + C * j].real();
    for (arma::uword p = 0; p < j; ++p) diagonal -= std::norm(system[j + C * p]);
    diagonal = std::sqrt(diagonal);
    system[j + C * j] = diagonal;
    for (arma::uword i = j + 1; i < C; ++i) {
      Complex<double> v = system[i + C * j];
      for (arma::uword p = 0; p < j; ++p) v -= system[i + C * p] * std::conj(system[j + C * p]);
      system[i + C * j] = v / diagonal;
    }
  }
  for (arma::uword i = 0; i < C; ++i) {
    for (arma::uword p = 0; p < i; ++p) rhs[i] -= system[i + C * p] * rhs[p];
    rhs[i] /= system[i + C * i].real();
  }
  for (arma::uword i = C; i-- > 0;) {
    for (arma::uword p = i + 1; p < C; ++p) rhs[i] -= std::conj(system[p + C * i]) * rhs[p];
    rhs[i] /= system[i + C * i].real();
  }
}

template <typename T>
AdmmSolver<T>::AdmmSolver(const AdmmOptions& options) : options_(options) {
  options_.Validate();
}

template <typename T>
AdmmSolver<T>::~AdmmSolver() = default;

template <typename T>
void AdmmSolver<T>::RequireBound(const char* who) const {
  if (!op_) throw std::logic_error(std::string(who) + ": Reset() was not called");
}

template <typename T>
const Maps<T>& AdmmSolver<T>::Solution() const {
  return decoupled_ ? decoupled_->Solution() : y_;
}

template <typename T>
const arma::Mat<Complex<T>>& AdmmSolver<T>::SolutionSpectra() const {
  return decoupled_ ? decoupled_->SolutionSpectra() : ySpectra_;
}

template <typename T>
IterationRecord AdmmSolver<T>::Current() const {
  return decoupled_ ? decoupled_->Current() : current_;
}

template <typename T>
double AdmmSolver<T>::Rho() const {
  return decoupled_ ? decoupled_->Rho() : rho_;
}

template <typename T>
void AdmmSolver<T>::Reset(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
                          const Maps<T>* start, const Image<T>* weight) {
  if (weight || op.BoundaryMode() != Boundary::Circular) {
    auto decoupled = std::make_unique<MaskDecouplingAdmm<T>>(options_);
    decoupled->Reset(op, signal, lambda, start, weight);
    decoupled_ = std::move(decoupled);
    op_ = &op;
    return;
  }
  CheckResetArguments(op, signal, lambda, start, weight, "CscSolver::Reset()");
  decoupled_.reset();

  op_ = &op;
  signal_ = &signal;
  lambda_ = lambda;
  rho_ = options_.rho > 0.0 ? options_.rho : 50.0 * lambda + 1.0;
  rhoTarget_ = options_.rhoTarget > 0.0 ? options_.rhoTarget
               : lambda > 0.0           ? 1.0 + std::pow(18.3, std::log10(lambda) + 1.0)
                                        : 1.0;
  iteration_ = 0;
  elapsed_ = 0.0;
  primalResidual_ = dualResidual_ = 0.0;

  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const int threads = ThreadCount();
  threads_ = threads;
  mapSums_.assign(K, MapSums());
  accumulators_.assign(threads, CMat(F, C));
  partials_.resize(C * threads);
  for (arma::uword c = 0; c < C; ++c)
    for (int t = 0; t < threads; ++t) partials_[c * threads + t] = accumulators_[t].colptr(c);
  residual_.set_size(F, C);
  transformInput_.assign(threads, arma::Col<Complex<T>>(F));
  xSpectra_.assign(threads, arma::Col<Complex<T>>(F));
  relaxed_.assign(threads, arma::Col<T>(op.MapRows() * op.MapCols()));
  correction_.set_size(F, C);
  synthesisV_.set_size(F, C);

  signalSpectra_.set_size(F, C);
  for (arma::uword c = 0; c < C; ++c)
    op.Fft().Forward(signal.slice(c).memptr(), signalSpectra_.colptr(c));
  if (start)
    y_ = *start;
  else
    y_.zeros(op.MapRows(), op.MapCols(), K);
  ySpectra_.set_size(F, K);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (arma::uword k = 0; k < K; ++k) op.Fft().Forward(y_.slice(k).memptr(), ySpectra_.colptr(k));
  dualSpectra_.zeros(F, K);
  dualScale_ = 1.0;

  double l1 = 0, nonzeros = 0;
  for (arma::uword i = 0; i < y_.n_elem; ++i) {
    l1 += std::abs(double(y_[i]));
    nonzeros += y_[i] != T(0);
  }
  current_ = IterationRecord();
  current_.fidelity = Resynthesise();
  current_.l1 = l1;
  current_.objective = Objective(current_.fidelity, lambda_, l1);
  current_.density = nonzeros / static_cast<double>(y_.n_elem);
}

template <typename T>
void SynthesizeIterateAndDual(const ConvOperator<T>& op, const arma::Mat<Complex<T>>& ySpectra,
                              const arma::Mat<Complex<T>>& dualSpectra, double dualScale,
                              arma::Mat<Complex<T>>& synthesisY,
                              arma::Mat<Complex<T>>& synthesisDual) {
  const arma::uword C = op.Channels(), F = op.Fft().SpectrumSize();
  synthesisY.set_size(F, C);
  synthesisDual.set_size(F, C);
  const T scale = static_cast<T>(dualScale);
#pragma omp parallel
  {
    std::size_t begin, end;
    ThreadRange(F, omp_get_thread_num(), omp_get_num_threads(), begin, end);
    for (arma::uword c = 0; c < C; ++c) {
      Complex<T>* sy = synthesisY.colptr(c);
      Complex<T>* su = synthesisDual.colptr(c);
      for (std::size_t f = begin; f < end; ++f) sy[f] = su[f] = Complex<T>(0);
      for (arma::uword k : op.FiltersOf(c)) {  // zero filters skipped
        const Complex<T>* d = op.FilterSpectrum(k, c);
        kernels::MultiplyAccumulate(d + begin, ySpectra.colptr(k) + begin, sy + begin, end - begin);
        kernels::MultiplyAccumulate(d + begin, dualSpectra.colptr(k) + begin, su + begin,
                                    end - begin);
      }
      for (std::size_t f = begin; f < end; ++f) su[f] *= scale;
    }
  }
}

double RhoBalancingChange(double r, double s, double xi, const AdmmOptions& options) {
  const double tau = options.rhoScalingMax, mu = options.rhoRatio;
  double factor = tau;
  if (r > 0.0 && s > 0.0)
    factor = std::min(tau, std::sqrt(r > s * xi ? r / (s * xi) : (s * xi) / r));
  if (r > xi * mu * s) return factor;
  if (s > (mu / xi) * r) return 1.0 / factor;
  return 1.0;
}

template <typename T>
double AdmmSolver<T>::Resynthesise() {
  SynthesizeIterateAndDual(*op_, ySpectra_, dualSpectra_, dualScale_, synthesisY_, synthesisDual_);
  return Fidelity();
}

template <typename T>
double AdmmSolver<T>::Fidelity() {
  const arma::uword C = op_->Channels(), F = op_->Fft().SpectrumSize();
  double fidelity = 0.0;
  residual_.set_size(F, C);
  for (arma::uword c = 0; c < C; ++c) {
    const Complex<T>* a = synthesisY_.colptr(c);
    const Complex<T>* s = signalSpectra_.colptr(c);
    Complex<T>* r = residual_.colptr(c);
    for (arma::uword f = 0; f < F; ++f) r[f] = a[f] - s[f];
    fidelity += 0.5 * SpectrumEnergy(r, op_->GridRows(), op_->GridCols());
  }
  return fidelity;
}

template <typename T>
void AdmmSolver<T>::ScaleDual(double factor) {
  dualScale_ *= factor;
  synthesisDual_ *= static_cast<T>(factor);
}

template <typename T>
SolveReport AdmmSolver<T>::Solve(const SolveOptions& options, Observer* observer) {
  RequireBound("CscSolver::Solve()");
  if (decoupled_) return decoupled_->Solve(options, observer);
  options.Validate();
  const ConvOperator<T>& op = *op_;
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const arma::uword N = op.MapRows() * op.MapCols();
  const arma::uword gridRows = op.GridRows();
  const CMat& gram = op.FilterGram();
  const double gridSize = static_cast<double>(op.Fft().Size());
  const T alpha = static_cast<T>(options_.relaxation), keep = T(1) - alpha;
  const int threads = threads_;
  std::vector<Complex<double>> systems(static_cast<std::size_t>(threads) * C * (C + 1));
  std::vector<double> energies(threads);

  SolveReport report;
  if (observer) observer->Begin({Name(), 0, options.maxIterations});
  Timer timer;
  const double elapsedBefore = elapsed_;
  for (std::size_t it = 0; it < options.maxIterations; ++it) {
    const T dualScale = static_cast<T>(dualScale_);
    const T threshold = static_cast<T>(lambda_ / rho_);
    const T scale = static_cast<T>(1.0 / gridSize);
    // Residual balancing after every rhoPeriod-th iteration (not after the very first one, as
    // SPORCO); only those iterations need the residuals, and so X and the norms.
    const std::size_t number = iteration_ + 1;
    const bool balance = options_.autoRho && number > 1 && number % options_.rhoPeriod == 0;

#pragma omp parallel num_threads(threads)
    {
      const int thread = omp_get_thread_num();
      // e = (rho I + D D^H)^{-1} (S - D Y + D U) per frequency (Cholesky for C > 1).
      {
        std::size_t begin, end;
        ThreadRange(F, thread, omp_get_num_threads(), begin, end);
        Complex<double>* system = &systems[static_cast<std::size_t>(thread) * C * (C + 1)];
        Complex<double>* rhs = system + C * C;
        for (std::size_t f = begin; f < end; ++f) {
          if (C == 1) {
            const T g = gram[f].real();
            const Complex<T> b = signalSpectra_[f] - synthesisY_[f] + synthesisDual_[f];
            const Complex<T> e = b / static_cast<T>(rho_ + double(g));
            correction_[f] = e;
            synthesisV_[f] = synthesisY_[f] + keep * synthesisDual_[f] + (alpha * g) * e;
            continue;
          }
          for (arma::uword c = 0; c < C; ++c)
            rhs[c] =
                Complex<double>(signalSpectra_(f, c) - synthesisY_(f, c) + synthesisDual_(f, c));
          SolveShiftedGram(gram, f, rho_, system, rhs);
          for (arma::uword c = 0; c < C; ++c) correction_(f, c) = Complex<T>(rhs[c]);
          for (arma::uword a = 0; a < C; ++a) {
            Complex<T> ge(0);
            for (arma::uword b = 0; b < C; ++b) ge += gram(f, a + C * b) * correction_(f, b);
            synthesisV_(f, a) = synthesisY_(f, a) + keep * synthesisDual_(f, a) + alpha * ge;
          }
        }
      }
#pragma omp barrier

      Complex<T>* input = transformInput_[thread].memptr();
      Complex<T>* xSpectrum = xSpectra_[thread].memptr();
      T* relaxed = relaxed_[thread].memptr();
      CMat& acc = accumulators_[thread];
      bool first = true;  // the thread's first map sets acc instead of adding to it
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
          for (arma::uword c : op.ChannelsOf(k))  // zero filters skipped
            kernels::MultiplyAccumulate(op.FilterSpectrum(k, c), correction_.colptr(c), xSpectrum,
                                        F, true);
          sums.xEnergy = kernels::AdmmRelax<T>(ySpectrum, dual, input, xSpectrum, nullptr, nullptr,
                                               F, dualScale, alpha, balance);
        }
        op.Fft().Inverse(input, relaxed);
        sums.maps = kernels::AdmmShrink(relaxed, y_.slice(k).memptr(), N, scale, threshold);
        op.Fft().Forward(y_.slice(k).memptr(), ySpectrum);
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
        sums.dual = 2.0 * residuals[1] - EdgeRowsEnergy<T>(dual, nullptr, 0, F, gridRows);
      }
      if (first) acc.zeros();  // no map for this thread
#pragma omp barrier
      // D Y': the accumulators summed in thread order (deterministic), each thread over its own
      // frequencies; D U' = D V - D Y' (D V from the identity above); the fidelity.
      std::size_t begin, end;
      ThreadRange(F, thread, omp_get_num_threads(), begin, end);
      double energy = 0.0;
      for (arma::uword c = 0; c < C; ++c) {
        Complex<T>* sy = synthesisY_.colptr(c);
        kernels::SumInto(&partials_[c * threads], threads, begin, sy, end - begin);
        Complex<T>* su = synthesisDual_.colptr(c);
        const Complex<T>* sv = synthesisV_.colptr(c);
        const Complex<T>* s = signalSpectra_.colptr(c);
        Complex<T>* r = residual_.colptr(c);
        for (std::size_t f = begin; f < end; ++f) {
          su[f] = sv[f] - sy[f];
          r[f] = sy[f] - s[f];
        }
        energy += 2.0 * kernels::SquaredNorm(r + begin, end - begin) -
                  EdgeRowsEnergy<T>(r, nullptr, begin, end, gridRows);
      }
      energies[thread] = energy;
    }
    dualScale_ = 1.0;

    MapSums total;
    for (const MapSums& s : mapSums_) {
      total.maps += s.maps;
      total.xEnergy += s.xEnergy;
      total.primal += s.primal;
      total.dual += s.dual;
    }
    double fidelity = 0.0;
    for (double e : energies) fidelity += e;
    fidelity *= 0.5 / gridSize;
    const double yNorm = std::sqrt(total.maps.norm);
    if (balance) {  // relative residuals (spatial norms from the Parseval sums)
      const double xNorm = std::sqrt(total.xEnergy / gridSize);
      const double uNorm = std::sqrt(total.dual / gridSize);
      const double primalScale = std::max(xNorm, yNorm) > 0 ? std::max(xNorm, yNorm) : 1.0;
      const double dualNormScale = uNorm > 0 ? uNorm : 1.0;
      primalResidual_ = std::sqrt(total.primal / gridSize) / primalScale;
      dualResidual_ = std::sqrt(total.maps.change) / dualNormScale;
    }

    ++iteration_;
    ++report.iterations;
    elapsed_ = elapsedBefore + timer.Seconds();
    current_.iteration = iteration_;
    current_.seconds = elapsed_;
    current_.fidelity = fidelity;
    current_.l1 = total.maps.l1;
    current_.objective = Objective(current_.fidelity, lambda_, total.maps.l1);
    current_.density = total.maps.nonzeros / static_cast<double>(y_.n_elem);
    current_.relativeChange =
        yNorm > 0 ? std::sqrt(total.maps.change) / yNorm : (total.maps.change > 0 ? 1.0 : 0.0);

    if (balance) {
      const double change =
          RhoBalancingChange(primalResidual_, dualResidual_, rhoTarget_, options_);
      if (change != 1.0) {
        rho_ *= change;
        ScaleDual(1.0 / change);
      }
    }

    if (ShouldStop(current_, options, observer, report, "CscSolver::Solve()")) break;
  }
  report.seconds = timer.Seconds();
  report.last = current_;
  if (observer) observer->End(report.last, report.reason);
  return report;
}

template <typename T>
IterationRecord AdmmSolver<T>::OperatorChanged() {
  RequireBound("CscSolver::OperatorChanged()");
  if (decoupled_) return decoupled_->OperatorChanged();
  CheckedLipschitz(*op_, "CscSolver::OperatorChanged()");
  current_.fidelity = Resynthesise();
  current_.objective = Objective(current_.fidelity, lambda_, current_.l1);
  return current_;
}

template void SolveShiftedGram(const arma::Mat<Complex<float>>&, arma::uword, double,
                               Complex<double>*, Complex<double>*);
template void SolveShiftedGram(const arma::Mat<Complex<double>>&, arma::uword, double,
                               Complex<double>*, Complex<double>*);
template void SynthesizeIterateAndDual(const ConvOperator<float>&, const arma::Mat<Complex<float>>&,
                                       const arma::Mat<Complex<float>>&, double,
                                       arma::Mat<Complex<float>>&, arma::Mat<Complex<float>>&);
template void SynthesizeIterateAndDual(const ConvOperator<double>&,
                                       const arma::Mat<Complex<double>>&,
                                       const arma::Mat<Complex<double>>&, double,
                                       arma::Mat<Complex<double>>&, arma::Mat<Complex<double>>&);
template class AdmmSolver<float>;
template class AdmmSolver<double>;

}  // namespace dn
