#include "solvers/coordinate_descent.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "core/threads.hpp"
#include "core/timer.hpp"
#include "core/work_count.hpp"
#include "solvers/kernels.hpp"
#include "solvers/proximal.hpp"

namespace dn {
namespace {

//! Working sets smaller than this are swept, and written back to z, on one thread (the result is
//! the same).
constexpr std::size_t kParallelSweep = 1024;
//! Filters with at most this many rows have their window correlation vectorised by tap row.
constexpr arma::uword kLanes = 64;
//! The full check scans D^T r in blocks of this many entries.
constexpr arma::uword kScanBlock = 64;

// Window operations on one run of tap rows [0, n), n <= kShortRun, the common case (a window
// not clipped at the top, nor wrapped across the rows). The run is a few 16-byte vectors (GCC
// vector extensions, one code for every instruction set) and n is a template argument, so that
// the vectors stay in registers across the window's columns and no lane is loaded or stored
// outside the run. Lane t takes the products of tap row t in the same order as the scalar loops
// of UpdateCoordinate(), so both give the same bits.
constexpr int kShortRun = 16;

template <typename T>
struct VectorOf {
  static constexpr int lanes = 16 / sizeof(T);
  static constexpr int vectors = kShortRun / lanes;  //!< per run
  typedef T type __attribute__((vector_size(16)));
};
template <typename T>
using Vector = typename VectorOf<T>::type;

//! The first `Count` (at most a vector's lanes) of p's entries, zeros after them.
template <typename T, int Count>
[[gnu::always_inline]] inline Vector<T> Load(const T* p) {
  Vector<T> v = {};
  if constexpr (Count == VectorOf<T>::lanes)
    std::memcpy(&v, p, sizeof v);
  else
    for (int t = 0; t < Count; ++t) v[t] = p[t];
  return v;
}

//! Stores the first `Count` lanes of v at p.
template <typename T, int Count>
[[gnu::always_inline]] inline void Store(T* p, const Vector<T>& v) {
  if constexpr (Count == VectorOf<T>::lanes)
    std::memcpy(p, &v, sizeof v);
  else
    for (int t = 0; t < Count; ++t) p[t] = v[t];
}

enum class ShortOp { Correlate, Subtract, SubtractWeighted };
template <ShortOp Op>
using ShortOpTag = std::integral_constant<ShortOp, Op>;

//! One window operation over `columns` columns of taps d (stride h), pixels r and squared
//! weights w2 (stride H): Correlate adds d .* r into the lanes `sum`; Subtract takes delta d from
//! r, SubtractWeighted delta d .* w2.
template <typename T>
struct ShortWindow {
  const T* d;
  T* r;
  const T* w2;
  int h, H, columns;
  T delta;
  Vector<T> sum[VectorOf<T>::vectors];
};

//! The window operation on vector Q of one column of a run of N rows.
template <ShortOp Op, typename T, int N, int Q>
[[gnu::always_inline]] inline void ShortVector(ShortWindow<T>& a, const T* d, T* r, const T* w2) {
  constexpr int lanes = VectorOf<T>::lanes, first = lanes * Q;
  if constexpr (N > first) {
    constexpr int count = N - first < lanes ? N - first : lanes;
    const Vector<T> taps = Load<T, count>(d + first);
    if constexpr (Op == ShortOp::Correlate)
      a.sum[Q] += taps * Load<T, count>(r + first);
    else if constexpr (Op == ShortOp::Subtract)
      Store<T, count>(r + first, Load<T, count>(r + first) - a.delta * taps);
    else
      Store<T, count>(r + first,
                      Load<T, count>(r + first) - a.delta * taps * Load<T, count>(w2 + first));
  }
}

template <ShortOp Op, typename T, int N, int... Q>
[[gnu::always_inline]] inline void ShortRun(ShortWindow<T>& a, std::integer_sequence<int, Q...>) {
  for (int b = 0; b < a.columns; ++b) {
    const std::ptrdiff_t tap = std::ptrdiff_t(a.h) * b, pixel = std::ptrdiff_t(a.H) * b;
    (ShortVector<Op, T, N, Q>(a, a.d + tap, a.r + pixel,
                              Op == ShortOp::SubtractWeighted ? a.w2 + pixel : nullptr),
     ...);
  }
}

template <ShortOp Op, typename T, int N>
[[gnu::always_inline]] inline void ShortRun(ShortWindow<T>& a) {
  ShortRun<Op, T, N>(a, std::make_integer_sequence<int, VectorOf<T>::vectors>());
}

//! ShortRun() for a run of n rows, dispatched over the lengths 1 to kShortRun.
//! UpdateCoordinate() takes this path for 1 <= n <= kShortRun only; any other n does nothing.
template <ShortOp Op, typename T, int... Length>
[[gnu::always_inline]] inline void ShortRunOf(int n, ShortWindow<T>& a,
                                              std::integer_sequence<int, Length...>) {
  ((n == Length + 1 ? ShortRun<Op, T, Length + 1>(a) : void()), ...);
}

template <ShortOp Op, typename T>
[[gnu::always_inline]] inline void ShortRunOf(int n, ShortWindow<T>& a) {
  ShortRunOf<Op>(n, a, std::make_integer_sequence<int, kShortRun>());
}

}  // namespace

void CoordinateDescentOptions::Validate() const {
  if (!(innerRatio > 0.0 && innerRatio < 1.0))
    throw std::invalid_argument("CoordinateDescentOptions: innerRatio must be in (0, 1)");
  if (maxSweeps == 0)
    throw std::invalid_argument("CoordinateDescentOptions: maxSweeps must be positive");
  if (!(growth >= 0.0) || !std::isfinite(growth))
    throw std::invalid_argument("CoordinateDescentOptions: growth must be finite and >= 0");
  if (!(minFraction >= 0.0 && minFraction <= 1.0))
    throw std::invalid_argument("CoordinateDescentOptions: minFraction must be in [0, 1]");
  if (minAdded == 0)
    throw std::invalid_argument("CoordinateDescentOptions: minAdded must be positive");
  if (maxStrips == 0)
    throw std::invalid_argument("CoordinateDescentOptions: maxStrips must be positive");
}

template <typename T>
CoordinateDescentSolver<T>::CoordinateDescentSolver(bool keepSpectra,
                                                    const CoordinateDescentOptions& options)
    : keepSpectra_(keepSpectra), options_(options) {
  options_.Validate();
}

template <typename T>
void CoordinateDescentSolver<T>::RequireBound(const char* who) const {
  if (!op_) throw std::logic_error(std::string(who) + ": Reset() was not called");
}

template <typename T>
void CoordinateDescentSolver<T>::SetupWorkspace() {
  const ConvOperator<T>& op = *op_;
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const arma::uword N = op.MapRows() * op.MapCols();
  threads_ = omp_get_max_threads();
  residualSpectra_.set_size(F, C);
  correlationSpectra_.assign(threads_, arma::Col<Complex<T>>(F));
  correlation_.assign(threads_, arma::Col<T>(N));
  scratch_.assign(threads_, op.MakeScratch());
  grid_.set_size(op.GridRows(), op.GridCols());
  threadCandidates_.assign(threads_, {});
  mapViolation_.assign(K, 0.0);

  // Strips at least 2w columns wide, so that windows crossing different borders are disjoint.
  const arma::uword W = op.ImageCols(), w = op.Filters().Cols();
  strips_ = std::max<arma::uword>(1, std::min<arma::uword>(options_.maxStrips, W / (2 * w)));
  stripStart_.resize(strips_ + 1);
  for (arma::uword s = 0; s <= strips_; ++s) stripStart_[s] = W * s / strips_;
  groups_.assign(2 * strips_, {});
  groupViolation_.assign(2 * strips_, 0.0);
  groupUpdates_.assign(2 * strips_, 0);
  groupChanges_.assign(2 * strips_, 0);
  groupSweeps_.assign(2 * strips_, 0);
}

template <typename T>
void CoordinateDescentSolver<T>::ComputeNorms() {
  const FilterBank<T>& filters = op_->Filters();
  const arma::uword K = filters.filters, h = filters.Rows(), w = filters.Cols();
  prefix_.assign(K, arma::mat(h + 1, w + 1, arma::fill::zeros));
  fullNorm_.assign(K, 0.0);
  for (arma::uword k = 0; k < K; ++k) {
    arma::mat& p = prefix_[k];
    for (arma::uword c : op_->ChannelsOf(k)) {
      const arma::Mat<T>& d = filters.Filter(k, c);
      for (arma::uword b = 0; b < w; ++b)
        for (arma::uword a = 0; a < h; ++a) p(a + 1, b + 1) += double(d(a, b)) * double(d(a, b));
    }
    for (arma::uword b = 1; b <= w; ++b)
      for (arma::uword a = 1; a <= h; ++a) p(a, b) += p(a - 1, b) + p(a, b - 1) - p(a - 1, b - 1);
    fullNorm_[k] = p(h, w);
  }
}

template <typename T>
void CoordinateDescentSolver<T>::ComputeResidual(bool fromSpectra) {
  if (z_.is_zero())
    residual_ = *signal_;
  else if (fromSpectra)
    residual_ = *signal_ - op_->ApplySpectra(spectra_);
  else
    residual_ = *signal_ - op_->Apply(z_);
  if (!squaredWeight_.is_empty()) ApplySquaredWeight(residual_, squaredWeight_);
}

template <typename T>
typename CoordinateDescentSolver<T>::Runs CoordinateDescentSolver<T>::AxisRuns(
    arma::uword position, arma::uword size, arma::uword filter) const {
  const int n = static_cast<int>(size), f = static_cast<int>(filter);
  const int p = static_cast<int>(position);
  Runs runs;
  if (op_->BoundaryMode() == Boundary::Circular) {
    const int first = std::min(f, n - p);
    runs.count = first < f ? 2 : 1;
    runs.tap[0] = 0, runs.pixel[0] = p, runs.length[0] = first;
    runs.tap[1] = first, runs.pixel[1] = 0, runs.length[1] = f - first;
  } else {
    const int offset = p - (f - 1);  // image index of tap 0
    const int a0 = std::max(0, -offset), a1 = std::min(f, n - offset);
    runs.count = 1;
    runs.tap[0] = a0, runs.pixel[0] = offset + a0, runs.length[0] = a1 - a0;
  }
  return runs;
}

template <typename T>
double CoordinateDescentSolver<T>::ColumnNorm(arma::uword k, const Runs& rows,
                                              const Runs& cols) const {
  if (!squaredWeight_.is_empty()) return WeightedColumnNorm(k, rows, cols);
  if (op_->BoundaryMode() == Boundary::Circular) return fullNorm_[k];
  const arma::mat& p = prefix_[k];
  const arma::uword a0 = rows.tap[0], a1 = a0 + rows.length[0];
  const arma::uword b0 = cols.tap[0], b1 = b0 + cols.length[0];
  return std::max(0.0, p(a1, b1) - p(a0, b1) - p(a1, b0) + p(a0, b0));
}

template <typename T>
double CoordinateDescentSolver<T>::WeightedColumnNorm(arma::uword k, const Runs& rows,
                                                      const Runs& cols) const {
  const arma::uword H = op_->ImageRows(), h = op_->Filters().Rows(), C = op_->Channels();
  const arma::Cube<T>& bank = op_->Filters().data;
  double norm = 0.0;
  for (arma::uword c : op_->ChannelsOf(k)) {
    const T* d = bank.slice(k * C + c).memptr();
    const T* w2 = squaredWeight_.slice(c).memptr();
    for (int cr = 0; cr < cols.count; ++cr)
      for (int b = 0; b < cols.length[cr]; ++b)
        for (int rr = 0; rr < rows.count; ++rr) {
          const T* dd = d + h * (cols.tap[cr] + b) + rows.tap[rr];
          const T* wp = w2 + H * (cols.pixel[cr] + b) + rows.pixel[rr];
          for (int t = 0; t < rows.length[rr]; ++t)
            norm += double(wp[t]) * double(dd[t]) * double(dd[t]);
        }
  }
  return norm;
}

template <typename T>
std::uint64_t CoordinateDescentSolver<T>::WindowTaps() const {
  const ConvOperator<T>& op = *op_;
  std::uint64_t pairs = 0;
  for (arma::uword k = 0; k < op.FilterCount(); ++k) pairs += op.ChannelsOf(k).size();
  return op.Filters().Rows() * op.Filters().Cols() * pairs / op.FilterCount();
}

template <typename T>
typename CoordinateDescentSolver<T>::Coordinate CoordinateDescentSolver<T>::MakeCoordinate(
    std::uint64_t index, T value) const {
  const std::uint64_t Hm = op_->MapRows(), N = Hm * op_->MapCols();
  Coordinate c;
  c.index = index;
  c.value = value;
  c.k = static_cast<std::uint32_t>(index / N);
  const std::uint64_t p = index % N;
  c.j = static_cast<std::uint32_t>(p / Hm);
  c.i = static_cast<std::uint32_t>(p % Hm);
  return c;
}

template <typename T>
inline double CoordinateDescentSolver<T>::SweepGroup(std::vector<Coordinate>& group,
                                                     bool nonzeroOnly, std::size_t& updates,
                                                     std::size_t& changes) {
  double worst = 0.0;
  std::size_t count = 0, changed = 0;
  for (Coordinate& c : group) {
    if (nonzeroOnly && c.value == T(0)) continue;
    const T before = c.value;
    worst = std::max(worst, UpdateCoordinate(c));
    ++count;
    changed += c.value != before;
  }
  updates = count;
  changes = changed;
  return worst;
}

template <typename T>
inline double CoordinateDescentSolver<T>::ConvergeGroupInline(std::vector<Coordinate>& group,
                                                              double target, std::size_t& sweeps,
                                                              std::size_t& updates,
                                                              std::size_t& changes) {
  // Full sweeps alternate with sweeps over the non-zero coordinates only, until a full sweep
  // meets the target (the non-zero sweeps run until they meet it themselves).
  updates = 0;
  changes = 0;
  std::size_t count = 0, changed = 0;
  double first = 0.0;
  bool full = true;
  for (std::size_t n = 0; sweeps < options_.maxSweeps; ++n) {
    const double worst = SweepGroup(group, !full, count, changed);
    ++sweeps;
    updates += count;
    changes += changed;
    if (n == 0) first = worst;
    if (worst <= target) {
      if (full) break;
      full = true;
    } else {
      full = false;
    }
  }
  return first;
}

template <typename T>
inline double CoordinateDescentSolver<T>::UpdateCoordinate(Coordinate& co) {
  const ConvOperator<T>& op = *op_;
  const Runs rows = RowRuns(co.i), cols = ColRuns(co.j);
  const arma::uword H = op.ImageRows(), h = op.Filters().Rows(), C = op.Channels();
  const std::vector<arma::uword>& channels = op.ChannelsOf(co.k);
  const arma::Cube<T>& bank = op.Filters().data;
  const bool weighted = !squaredWeight_.is_empty();

  // A window of a filter of at most kShortRun rows whose rows are one run from tap 0 is done by
  // ShortRun().
  const bool shortRun = rows.count == 1 && rows.tap[0] == 0 && h <= arma::uword(kShortRun);
  ShortWindow<T> window{};
  window.h = static_cast<int>(h);
  window.H = static_cast<int>(H);
  // ShortRun()'s operation (a ShortOpTag) over each channel and run of columns (GCC inlines
  // a lambda into the sweep's version for each instruction set only when told to).
  const auto shortWindow = [&](auto tag) __attribute__((always_inline)) {
    for (arma::uword c : channels)
      for (int cr = 0; cr < cols.count; ++cr) {
        const arma::uword pixel = H * cols.pixel[cr] + rows.pixel[0];
        window.d = bank.slice(co.k * C + c).memptr() + h * cols.tap[cr];
        window.r = residual_.slice(c).memptr() + pixel;
        window.w2 = weighted ? squaredWeight_.slice(c).memptr() + pixel : nullptr;
        window.columns = cols.length[cr];
        ShortRunOf<decltype(tag)::value>(rows.length[0], window);
      }
  };

  // g = <d_k, r> over the window, summed per tap row, then across the rows.
  T g = 0;
  if (shortRun) {
    shortWindow(ShortOpTag<ShortOp::Correlate>());
    for (arma::uword t = 0; t < h; ++t)
      g += window.sum[t / VectorOf<T>::lanes][t % VectorOf<T>::lanes];
  } else {
    // Filters of at most kLanes rows are summed per tap row into `lanes` (independent sums the
    // compiler vectorises), taller ones into g directly.
    T lanes[kLanes];
    const bool laned = h <= kLanes;
    if (laned) std::fill_n(lanes, h, T(0));
    for (arma::uword c : channels) {
      const T* d = bank.slice(co.k * C + c).memptr();
      const T* r = residual_.slice(c).memptr();
      for (int cr = 0; cr < cols.count; ++cr)
        for (int b = 0; b < cols.length[cr]; ++b) {
          const T* dcol = d + h * (cols.tap[cr] + b);
          const T* rcol = r + H * (cols.pixel[cr] + b);
          for (int rr = 0; rr < rows.count; ++rr) {
            const T* dd = dcol + rows.tap[rr];
            const T* rp = rcol + rows.pixel[rr];
            const int n = rows.length[rr];
            if (laned) {
              T* lane = lanes + rows.tap[rr];
              for (int t = 0; t < n; ++t) lane[t] += dd[t] * rp[t];
            } else {
              for (int t = 0; t < n; ++t) g += dd[t] * rp[t];
            }
          }
        }
    }
    if (laned)
      for (arma::uword t = 0; t < h; ++t) g += lanes[t];
  }

  const T lambda = static_cast<T>(lambda_);
  const T old = co.value;
  const double violation = old != T(0) ? std::abs(double(g) - lambda_ * (old > T(0) ? 1.0 : -1.0))
                                       : std::max(0.0, std::abs(double(g)) - lambda_);
  const T n = co.norm;
  const T fresh = n > T(0) ? SoftThreshold<T>(old + g / n, lambda / n) : T(0);
  const T delta = fresh - old;
  if (delta == T(0)) return violation;
  co.value = fresh;
  if (shortRun) {
    window.delta = delta;
    if (weighted)
      shortWindow(ShortOpTag<ShortOp::SubtractWeighted>());
    else
      shortWindow(ShortOpTag<ShortOp::Subtract>());
    return violation;
  }
  for (arma::uword c : channels) {
    const T* d = bank.slice(co.k * C + c).memptr();
    T* r = residual_.slice(c).memptr();
    const T* w2 = weighted ? squaredWeight_.slice(c).memptr() : nullptr;
    for (int cr = 0; cr < cols.count; ++cr)
      for (int b = 0; b < cols.length[cr]; ++b) {
        const T* dcol = d + h * (cols.tap[cr] + b);
        const arma::uword column = H * (cols.pixel[cr] + b);
        for (int rr = 0; rr < rows.count; ++rr) {
          const T* dd = dcol + rows.tap[rr];
          T* rp = r + column + rows.pixel[rr];
          const int n = rows.length[rr];
          if (weighted) {
            const T* wp = w2 + column + rows.pixel[rr];
            for (int t = 0; t < n; ++t) rp[t] -= delta * dd[t] * wp[t];
          } else {
            for (int t = 0; t < n; ++t) rp[t] -= delta * dd[t];
          }
        }
      }
  }
  return violation;
}

// The sweeps, compiled for AVX-512, AVX2 and the baseline and chosen when the library is loaded
// (GCC target_clones, as solvers/kernels.cpp; GCC ignores the attribute on a member of a class
// template, so it is given to each precision's explicit specialization, into which the sweep,
// the update and the window loops are inlined). The loops are elementwise sums and products
// (no contraction into FMA: -ffp-contract=off), so every version gives the same bits.
#define DN_SWEEP_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

template <>
DN_SWEEP_CLONES double CoordinateDescentSolver<float>::ConvergeGroup(std::vector<Coordinate>& group,
                                                                     double target,
                                                                     std::size_t& sweeps,
                                                                     std::size_t& updates,
                                                                     std::size_t& changes) {
  return ConvergeGroupInline(group, target, sweeps, updates, changes);
}

template <>
DN_SWEEP_CLONES double CoordinateDescentSolver<double>::ConvergeGroup(
    std::vector<Coordinate>& group, double target, std::size_t& sweeps, std::size_t& updates,
    std::size_t& changes) {
  return ConvergeGroupInline(group, target, sweeps, updates, changes);
}

template <typename T>
void CoordinateDescentSolver<T>::MakeGroups() {
  const arma::uword S = strips_, W = op_->ImageCols(), w = op_->Filters().Cols();
  const bool circular = op_->BoundaryMode() == Boundary::Circular;
  if (!squaredWeight_.is_empty()) CountWindowOps(working_.size(), WindowTaps());  // the norms
  for (auto& group : groups_) group.clear();
  for (std::size_t n = 0; n < working_.size(); ++n) {
    Coordinate c = working_[n];
    c.norm = static_cast<T>(ColumnNorm(c.k, RowRuns(c.i), ColRuns(c.j)));
    c.slot = static_cast<std::uint32_t>(n);
    // The window's image columns [x0, x1] (x1 >= W: wrapped around).
    const arma::uword x0 = circular ? c.j : (c.j + 1 >= w ? c.j + 1 - w : 0);
    const arma::uword x1 = circular ? c.j + w - 1 : std::min<arma::uword>(c.j, W - 1);
    const arma::uword s =
        std::upper_bound(stripStart_.begin(), stripStart_.end(), x0) - stripStart_.begin() - 1;
    if (x1 < stripStart_[s + 1])
      groups_[s].push_back(c);
    else
      groups_[S + (s + 1) % S].push_back(c);
  }
}

template <typename T>
void CoordinateDescentSolver<T>::CheckAndGrow() {
  const ConvOperator<T>& op = *op_;
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const arma::uword N = op.MapRows() * op.MapCols();
  const std::uint64_t total = static_cast<std::uint64_t>(N) * K;

  std::size_t support = 0;
  for (const Coordinate& c : working_) support += c.value != T(0);
  const std::size_t want = static_cast<std::size_t>(
      std::min<double>(static_cast<double>(total),
                       std::max({static_cast<double>(options_.minAdded),
                                 std::ceil(options_.minFraction * static_cast<double>(total)),
                                 std::ceil(options_.growth * static_cast<double>(support))})));
  for (auto& candidates : threadCandidates_) {
    candidates.clear();
    candidates.reserve(N + 2 * want);
  }
  const auto stronger = [](const Candidate& a, const Candidate& b) {
    return a.violation > b.violation || (a.violation == b.violation && a.index < b.index);
  };

  for (arma::uword c = 0; c < C; ++c) {
    op.Pad(residual_.slice(c).memptr(), grid_.memptr());
    op.Fft().Forward(grid_.memptr(), residualSpectra_.colptr(c));
  }
  const T scale = T(1) / static_cast<T>(op.Fft().Size());
  const T lambda = static_cast<T>(lambda_);
#pragma omp parallel num_threads(threads_)
  {
    const int thread = omp_get_thread_num();
    Complex<T>* G = correlationSpectra_[thread].memptr();
    T* g = correlation_[thread].memptr();
    T* scratch = scratch_[thread].memptr();
    std::vector<Candidate>& candidates = threadCandidates_[thread];
    T cutoff = 0;  // once the thread has `want` candidates, weaker ones cannot be chosen
#pragma omp for schedule(static)
    for (arma::uword k = 0; k < K; ++k) {
      // g = D_k^T r (zero for a map whose filters are all zero)
      const std::vector<arma::uword>& channels = op.ChannelsOf(k);
      if (channels.empty()) {
        std::fill_n(g, N, T(0));
      } else {
        kernels::ConjugateProduct(op.FilterSpectrum(k, channels[0]),
                                  residualSpectra_.colptr(channels[0]), G, F);
        for (std::size_t j = 1; j < channels.size(); ++j)
          kernels::MultiplyAccumulate(op.FilterSpectrum(k, channels[j]),
                                      residualSpectra_.colptr(channels[j]), G, F, true);
        op.InverseMap(G, g, scratch);
      }
      const T* z = z_.slice(k).memptr();
      const std::uint64_t base = static_cast<std::uint64_t>(k) * N;
      double worst = 0.0;
      for (arma::uword start = 0; start < N; start += kScanBlock) {
        // Most blocks hold neither a non-zero nor a violator: a branch-free (vectorised) test
        // passes them over.
        const arma::uword end = std::min<arma::uword>(N, start + kScanBlock);
        int relevant = 0;
        for (arma::uword p = start; p < end; ++p)
          relevant |= int(z[p] != T(0)) | int(std::abs(g[p] * scale) > lambda);
        if (!relevant) continue;
        for (arma::uword p = start; p < end; ++p) {
          const T gp = g[p] * scale;
          if (z[p] != T(0)) {
            worst = std::max(worst, std::abs(double(gp) - lambda_ * (z[p] > T(0) ? 1.0 : -1.0)));
          } else if (std::abs(gp) > lambda) {
            const T v = std::abs(gp) - lambda;
            worst = std::max(worst, double(v));
            if (v >= cutoff) candidates.push_back({v, base + p});
          }
        }
      }
      mapViolation_[k] = worst;
      // Keep the thread's strongest `want` (the global strongest are among them), so that the
      // list stays within its capacity (N + 2 want).
      if (candidates.size() > 2 * want) {
        std::nth_element(candidates.begin(), candidates.begin() + want, candidates.end(), stronger);
        candidates.resize(want);
        cutoff = std::min_element(candidates.begin(), candidates.end(),
                                  [](const Candidate& a, const Candidate& b) {
                                    return a.violation < b.violation;
                                  })
                     ->violation;
      }
    }
  }
  violation_ = 0.0;
  for (double v : mapViolation_) violation_ = std::max(violation_, v);
  kkt_ = violation_ / (lambda_ > 0.0 ? lambda_ : 1.0);

  candidates_.clear();
  for (const auto& candidates : threadCandidates_)
    candidates_.insert(candidates_.end(), candidates.begin(), candidates.end());
  if (candidates_.size() > want) {
    std::nth_element(candidates_.begin(), candidates_.begin() + want, candidates_.end(), stronger);
    candidates_.resize(want);
  }
  std::sort(candidates_.begin(), candidates_.end(),
            [](const Candidate& a, const Candidate& b) { return a.index < b.index; });

  // The new working set: the support and the violators, by index.
  merged_.clear();
  merged_.reserve(support + candidates_.size());
  auto next = candidates_.begin();
  for (const Coordinate& c : working_) {
    if (c.value == T(0)) continue;
    for (; next != candidates_.end() && next->index < c.index; ++next)
      merged_.push_back(MakeCoordinate(next->index));
    merged_.push_back(c);
  }
  for (; next != candidates_.end(); ++next) merged_.push_back(MakeCoordinate(next->index));
  working_.swap(merged_);
  MakeGroups();
  needCheck_ = false;
}

template <typename T>
void CoordinateDescentSolver<T>::UpdateStatistics(double change) {
  double l1 = 0.0, norm = 0.0, nonzeros = 0.0;
  for (const Coordinate& c : working_) {
    const double v = c.value;
    l1 += std::abs(v);
    norm += v * v;
    nonzeros += v != 0.0;
  }
  // ||W r||^2, from the kept W^2 r with a weight.
  double energy = 0.0;
  if (squaredWeight_.is_empty()) {
    for (arma::uword i = 0; i < residual_.n_elem; ++i)
      energy += double(residual_[i]) * double(residual_[i]);
  } else {
    for (arma::uword i = 0; i < residual_.n_elem; ++i)
      if (squaredWeight_[i] != T(0))
        energy += double(residual_[i]) * double(residual_[i]) / double(squaredWeight_[i]);
  }
  current_.iteration = iteration_;
  current_.seconds = elapsed_;
  current_.fidelity = 0.5 * energy;
  current_.l1 = l1;
  current_.objective = Objective(current_.fidelity, lambda_, l1);
  current_.density = nonzeros / static_cast<double>(z_.n_elem);
  current_.relativeChange = RelativeChange(change, norm);
}

template <typename T>
void CoordinateDescentSolver<T>::Reset(const ConvOperator<T>& op, const Image<T>& signal,
                                       double lambda, const Maps<T>* start,
                                       const Image<T>* weight) {
  CheckResetArguments(op, signal, lambda, start, weight, "CscSolver::Reset()");
  // Coordinates and their positions in the working set are 32-bit.
  if (op.MapRows() * op.MapCols() * op.FilterCount() > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("CscSolver::Reset(): cd takes at most 2^32 - 1 coefficients");
  op_ = &op;
  if (weight)
    squaredWeight_ = arma::square(*weight);
  else
    squaredWeight_.reset();
  signal_ = &signal;
  lambda_ = lambda;
  iteration_ = 0;
  elapsed_ = 0.0;
  updates_ = 0.0;
  SetupWorkspace();
  ComputeNorms();
  if (start)
    z_ = *start;
  else
    z_.zeros(op.MapRows(), op.MapCols(), op.FilterCount());
  ComputeResidual(false);
  working_.clear();
  for (arma::uword i = 0; i < z_.n_elem; ++i)
    if (z_[i] != T(0)) working_.push_back(MakeCoordinate(i, z_[i]));
  MakeGroups();
  needCheck_ = true;
  violation_ = kkt_ = 0.0;
  UpdateStatistics(0.0);
  if (keepSpectra_) op_->MapSpectra(z_, spectra_);
}

template <typename T>
SolveReport CoordinateDescentSolver<T>::Solve(const SolveOptions& options, Observer* observer) {
  RequireBound("CscSolver::Solve()");
  options.Validate();
  SolveReport report;
  if (observer) observer->Begin({Name(), 0, options.maxIterations});
  Timer timer;
  const double elapsedBefore = elapsed_;
  const double unit = lambda_ > 0.0 ? lambda_ : 1.0;
  SolveOptions noTolerance = options;  // the tolerance is on Kkt(), not on relativeChange
  noTolerance.tolerance = 0.0;
  if (needCheck_) CheckAndGrow();

  for (std::size_t it = 0; it < options.maxIterations; ++it) {
    passStart_.resize(working_.size());
    for (std::size_t n = 0; n < working_.size(); ++n) passStart_[n] = working_[n].value;
    const double target =
        std::max(options_.innerRatio * violation_, 0.5 * options.tolerance * unit);
    const std::size_t S = strips_;
    // Rounds: every strip group converges on its own (in parallel, no synchronisation), then
    // every border group; until a round in which every group met the target at its first sweep.
    std::fill(groupSweeps_.begin(), groupSweeps_.end(), 0);
    for (bool more = true; more;) {
#pragma omp parallel num_threads(threads_) if (working_.size() >= kParallelSweep)
      {
        // Strip interiors, then strip borders: each phase's groups touch disjoint residuals.
        for (std::size_t phase = 0; phase < 2; ++phase) {
#pragma omp for schedule(dynamic, 1)
          for (std::size_t s = 0; s < S; ++s) {
            const std::size_t g = phase * S + s;
            groupViolation_[g] = ConvergeGroup(groups_[g], target, groupSweeps_[g],
                                               groupUpdates_[g], groupChanges_[g]);
          }
        }
      }
      more = false;
      std::uint64_t windowOps = 0;
      for (std::size_t g = 0; g < groups_.size(); ++g) {
        more = more || (groupViolation_[g] > target && groupSweeps_[g] < options_.maxSweeps);
        updates_ += static_cast<double>(groupUpdates_[g]);
        windowOps += groupUpdates_[g] + groupChanges_[g];
      }
      CountWindowOps(windowOps, WindowTaps());
    }
#pragma omp parallel for num_threads(threads_) \
    schedule(static) if (working_.size() >= kParallelSweep)
    for (std::size_t g = 0; g < groups_.size(); ++g)
      for (const Coordinate& c : groups_[g]) {
        z_[c.index] = c.value;
        working_[c.slot].value = c.value;
      }

    double change = 0.0;
    for (std::size_t n = 0; n < working_.size(); ++n) {
      const double d = double(working_[n].value) - double(passStart_[n]);
      change += d * d;
    }
    // Statistics over the working set of the sweeps (it holds the support), then the full check.
    // With keepSpectra (dictionary learning, which changes the operator after every Solve()
    // call) the check that would end a call's last pass is left to the start of the next call,
    // which has to check again for the new filters anyway.
    ++iteration_;
    UpdateStatistics(change);
    if (keepSpectra_ && it + 1 == options.maxIterations)
      needCheck_ = true;
    else
      CheckAndGrow();
    ++report.iterations;
    elapsed_ = elapsedBefore + timer.Seconds();
    current_.seconds = elapsed_;

    if (ShouldStop(current_, noTolerance, observer, report, "CscSolver::Solve()")) break;
    if (options.tolerance > 0.0 && !needCheck_ && kkt_ < options.tolerance) {
      report.reason = StopReason::Tolerance;
      break;
    }
  }
  if (keepSpectra_) op_->MapSpectra(z_, spectra_);
  report.seconds = timer.Seconds();
  report.last = current_;
  if (observer) observer->End(report.last, report.reason);
  return report;
}

template <typename T>
IterationRecord CoordinateDescentSolver<T>::OperatorChanged() {
  RequireBound("CscSolver::OperatorChanged()");
  CheckedLipschitz(*op_, "CscSolver::OperatorChanged()");
  ComputeNorms();
  ComputeResidual(keepSpectra_);  // the kept spectra are z's (the filters changed, not z)
  needCheck_ = true;
  const double change = current_.relativeChange;
  UpdateStatistics(0.0);
  current_.relativeChange = change;
  return current_;
}

template <typename T>
const arma::Mat<Complex<T>>& CoordinateDescentSolver<T>::SolutionSpectra() const {
  if (!keepSpectra_)
    throw std::logic_error("CscSolver::SolutionSpectra(): the solver was made without keepSpectra");
  return spectra_;
}

template class CoordinateDescentSolver<float>;
template class CoordinateDescentSolver<double>;

}  // namespace dn
