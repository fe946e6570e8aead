#include "learning/online_learning.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/checksum.hpp"
#include "core/precision.hpp"
#include "core/threads.hpp"
#include "core/timer.hpp"
#include "parallel/exact_sum.hpp"
#include "solvers/proximal.hpp"

namespace dn {
namespace {

//! SplitMix64: a well-mixed 64-bit function of its argument (Steele, Lea & Flood 2014).
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

//! A number in [0, n) from the 64-bit `random` (its bias, below n / 2^64, is negligible).
std::size_t Below(std::uint64_t random, std::size_t n) {
  return static_cast<std::size_t>(random % n);
}

//! Stream-drawing streams: a different sequence for each purpose, epoch and index.
enum Purpose : std::uint64_t { kShuffle = 1, kCropRow = 2, kCropCol = 3 };
std::uint64_t Random(std::uint64_t seed, Purpose purpose, std::uint64_t a, std::uint64_t b) {
  return Mix(Mix(Mix(Mix(seed) ^ purpose) ^ a) ^ b);
}

std::string Dims(std::size_t rows, std::size_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

}  // namespace

std::vector<std::string> OnlineUpdateNames() { return {"sgd", "surrogate"}; }

void CheckDraws(const ImageSource& source, const OnlineOptions& online) {
  if (online.batchSize > source.Count())
    throw std::invalid_argument("--batch-size " + std::to_string(online.batchSize) +
                                " is larger than the training set (" +
                                std::to_string(source.Count()) + " images)");
  for (std::size_t i = 0; i < source.Count(); ++i) {
    const ImageShape shape = source.Shape(i);
    if (shape.rows < online.cropRows || shape.cols < online.cropCols)
      throw std::invalid_argument("--crop " + Dims(online.cropRows, online.cropCols) +
                                  " is larger than " + source.Name(i) + " (" +
                                  Dims(shape.rows, shape.cols) + ")");
  }
}

ImageShape SmallestDraw(const ImageSource& source, std::size_t cropRows, std::size_t cropCols) {
  if (source.Count() == 0) throw std::invalid_argument("no training images");
  ImageShape smallest = source.Shape(0);
  for (std::size_t i = 1; i < source.Count(); ++i) {
    smallest.rows = std::min(smallest.rows, source.Shape(i).rows);
    smallest.cols = std::min(smallest.cols, source.Shape(i).cols);
  }
  if (cropRows > 0) {
    smallest.rows = cropRows;
    smallest.cols = cropCols;
  }
  return smallest;
}

void OnlineOptions::Validate() const {
  if (batchSize == 0) throw std::invalid_argument("--batch-size must be positive");
  if ((cropRows == 0) != (cropCols == 0))
    throw std::invalid_argument("--crop must be HxW with both positive");
  if (update != "sgd" && update != "surrogate")
    throw std::invalid_argument("--update must be sgd or surrogate, not '" + update + "'");
  if (!(etaA > 0) || !std::isfinite(etaA))
    throw std::invalid_argument("--eta-a must be finite and > 0");
  if (!(etaB > 0) || !std::isfinite(etaB))
    throw std::invalid_argument("--eta-b must be finite and > 0");
  if (!(forgetting > 0 && forgetting <= 1))
    throw std::invalid_argument("--forgetting must be in (0, 1]");
  if (surrogateIterations == 0)
    throw std::invalid_argument("OnlineOptions: surrogateIterations must be positive");
}

template <typename T>
void AddMapStatistics(const Maps<T>& maps, const Image<T>& signal, std::size_t filterRows,
                      std::size_t filterCols, Boundary boundary, arma::Cube<T>& lags,
                      arma::Cube<T>& correlations) {
  const long h = long(filterRows), w = long(filterCols);
  const long K = long(maps.n_slices), C = long(signal.n_slices);
  const long mapRows = long(maps.n_rows), mapCols = long(maps.n_cols);
  if (lags.n_rows != arma::uword(2 * h - 1) || lags.n_cols != arma::uword(2 * w - 1) ||
      lags.n_slices != arma::uword(K * K) || correlations.n_rows != arma::uword(h) ||
      correlations.n_cols != arma::uword(w) || correlations.n_slices != arma::uword(K * C))
    throw std::invalid_argument("AddMapStatistics: the statistics' shapes do not fit");
  const bool circular = boundary == Boundary::Circular;
  // The non-zeros of the maps by position (column-major position index), each with (k, value).
  std::vector<std::size_t> start(std::size_t(mapRows * mapCols) + 1, 0);
  std::vector<std::pair<long, double>> entries;
  for (long c = 0; c < mapCols; ++c)
    for (long r = 0; r < mapRows; ++r) {
      for (long k = 0; k < K; ++k)
        if (const T v = maps(r, c, k); v != T(0)) entries.emplace_back(k, double(v));
      start[std::size_t(c * mapRows + r) + 1] = entries.size();
    }
  const auto wrap = [](long i, long n) { return ((i % n) + n) % n; };
  // R_kk'(dr, dc) = sum_y z_k(y) z_k'(y + (dr, dc)); the rows k split among the threads, each
  // summing in position order, so the sums do not depend on the thread count. Small problems
  // run on one thread: a parallel region costs more than they do.
  const std::size_t work = entries.size() * std::size_t((2 * h - 1) * (2 * w - 1));
#pragma omp parallel if (work > 200000)
  {
    const int thread = omp_get_thread_num(), count = omp_get_num_threads();
    for (long c = 0; c < mapCols; ++c)
      for (long r = 0; r < mapRows; ++r) {
        const std::size_t here = std::size_t(c * mapRows + r);
        for (std::size_t e = start[here]; e < start[here + 1]; ++e) {
          const auto [k, v] = entries[e];
          if (k % count != thread) continue;
          for (long dc = -(w - 1); dc <= w - 1; ++dc) {
            long c2 = c + dc;
            if (circular)
              c2 = wrap(c2, mapCols);
            else if (c2 < 0 || c2 >= mapCols)
              continue;
            for (long dr = -(h - 1); dr <= h - 1; ++dr) {
              long r2 = r + dr;
              if (circular)
                r2 = wrap(r2, mapRows);
              else if (r2 < 0 || r2 >= mapRows)
                continue;
              const std::size_t there = std::size_t(c2 * mapRows + r2);
              for (std::size_t f = start[there]; f < start[there + 1]; ++f)
                lags(dr + h - 1, dc + w - 1, k * K + entries[f].first) += T(v * entries[f].second);
            }
          }
        }
      }
  }
  // b_kc(p, q) = sum_{i,j} s_c(i, j) z_k(m) over the map entries m that filter tap (p, q)
  // carries to pixel (i, j) (conv/direct_conv.hpp): valid i = m_r - (h-1) + p, circular
  // i = (m_r + p) mod H.
  const long rows = long(signal.n_rows), cols = long(signal.n_cols);
  for (long c = 0; c < mapCols; ++c)
    for (long r = 0; r < mapRows; ++r) {
      const std::size_t here = std::size_t(c * mapRows + r);
      for (std::size_t e = start[here]; e < start[here + 1]; ++e) {
        const auto [k, v] = entries[e];
        for (long q = 0; q < w; ++q) {
          const long j = circular ? (c + q) % cols : c - (w - 1) + q;
          if (j < 0 || j >= cols) continue;
          for (long p = 0; p < h; ++p) {
            const long i = circular ? (r + p) % rows : r - (h - 1) + p;
            if (i < 0 || i >= rows) continue;
            for (long ch = 0; ch < C; ++ch)
              correlations(p, q, k * C + ch) += T(v * double(signal(i, j, ch)));
          }
        }
      }
    }
}

template <typename T>
void ApplyLagStatistics(const arma::Cube<T>& lags, const arma::Cube<double>& filters,
                        std::size_t channels, arma::Cube<double>& out) {
  const long h = long(filters.n_rows), w = long(filters.n_cols), C = long(channels);
  const long K = long(filters.n_slices) / C;
  if (lags.n_rows != arma::uword(2 * h - 1) || lags.n_cols != arma::uword(2 * w - 1) ||
      lags.n_slices != arma::uword(K * K))
    throw std::invalid_argument("ApplyLagStatistics: the shapes do not fit");
  out.zeros(filters.n_rows, filters.n_cols, filters.n_slices);
  const double work = double(K * K * C) * double(h * w) * double(h * w);
#pragma omp parallel for schedule(static) if (work > 1e6)
  for (long k = 0; k < K; ++k)
    for (long k2 = 0; k2 < K; ++k2) {
      const T* lag = lags.slice(std::size_t(k * K + k2)).memptr();  // (2h-1) x (2w-1)
      const long lagRows = 2 * h - 1;
      for (long ch = 0; ch < C; ++ch) {
        const double* source = filters.slice(std::size_t(k2 * C + ch)).memptr();
        double* target = out.slice(std::size_t(k * C + ch)).memptr();
        for (long q = 0; q < w; ++q)
          for (long p = 0; p < h; ++p) {
            double sum = 0.0;
            for (long q2 = 0; q2 < w; ++q2) {
              // lag (p - p2, q - q2) for p2 = 0..h-1: a column of the lags read backwards
              const T* column = lag + (q - q2 + w - 1) * lagRows + (p + h - 1);
              const double* taps = source + q2 * h;
              for (long p2 = 0; p2 < h; ++p2) sum += double(column[-p2]) * taps[p2];
            }
            target[q * h + p] += sum;
          }
      }
    }
}

template <typename T>
TrainingStream<T>::TrainingStream(std::shared_ptr<const ImageSource> source,
                                  PreprocessOptions preprocess, std::uint64_t seed,
                                  std::size_t cropRows, std::size_t cropCols)
    : source_(std::move(source)),
      preprocess_(preprocess),
      seed_(seed),
      cropRows_(cropRows),
      cropCols_(cropCols) {
  if (!source_ || source_->Count() == 0) throw std::invalid_argument("no training images");
  preprocess_.Validate();
  channels_ = source_->Shape(0).channels;
  for (std::size_t i = 0; i < source_->Count(); ++i) {
    const ImageShape shape = source_->Shape(i);
    if (shape.channels != channels_)
      throw std::invalid_argument(source_->Name(i) + " has " + std::to_string(shape.channels) +
                                  " channel(s) but " + source_->Name(0) + " has " +
                                  std::to_string(channels_));
    if (shape.rows < cropRows_ || shape.cols < cropCols_)
      throw std::invalid_argument("--crop " + Dims(cropRows_, cropCols_) + " is larger than " +
                                  source_->Name(i) + " (" + Dims(shape.rows, shape.cols) + ")");
  }
}

template <typename T>
std::size_t TrainingStream<T>::IndexAt(std::size_t position) {
  const std::size_t n = Count(), epoch = position / n;
  if (epoch != epoch_) {  // Fisher-Yates from the seed and the epoch
    order_.resize(n);
    for (std::size_t i = 0; i < n; ++i) order_[i] = i;
    for (std::size_t i = n; i-- > 1;)
      std::swap(order_[i], order_[Below(Random(seed_, kShuffle, epoch, i), i + 1)]);
    epoch_ = epoch;
  }
  return order_[position % n];
}

template <typename T>
Image<T> TrainingStream<T>::Draw(std::size_t position) {
  const std::size_t index = IndexAt(position);
  const Image<double> signal = Preprocess(source_->Load(index), preprocess_).signal;
  const std::string name = source_->Name(index);
  if (cropRows_ == 0) return Convert<T>(signal, name);
  const std::size_t row =
      Below(Random(seed_, kCropRow, position, 0), signal.n_rows - cropRows_ + 1);
  const std::size_t col =
      Below(Random(seed_, kCropCol, position, 0), signal.n_cols - cropCols_ + 1);
  return Convert<T>(Image<double>(signal.tube(row, col, row + cropRows_ - 1, col + cropCols_ - 1)),
                    name);
}

template <typename T>
std::string TrainingStream<T>::Checksum() const {
  std::uint64_t sum = kChecksumStart;
  for (std::size_t i = 0; i < Count(); ++i) {
    const std::string name = source_->Name(i);
    const ImageShape shape = source_->Shape(i);
    const std::uint64_t dims[3] = {shape.rows, shape.cols, shape.channels};
    sum = dn::Checksum(name.data(), name.size(), sum);
    sum = dn::Checksum(dims, sizeof dims, sum);
  }
  return ChecksumText(sum);
}

//! Everything kept per signal size: the operator (its filters set to D_t each iteration), a
//! solver and the updater whose gradient it uses.
template <typename T>
struct OnlineLearner<T>::Grid {
  Grid(const FilterBank<T>& filters, const Image<T>& signal, const LearningOptions& options)
      : op(filters, signal.n_rows, signal.n_cols, options.boundary, options.effort),
        solver(MakeCscSolver<T>(options.solver, true)),
        updater(options.dictionary) {}
  ConvOperator<T> op;
  std::unique_ptr<CscSolver<T>> solver;
  DictionaryUpdater<T> updater;
};

template <typename T>
OnlineLearner<T>::OnlineLearner(const LearningOptions& options,
                                std::shared_ptr<TrainingStream<T>> stream,
                                const FilterBank<T>& initial)
    : options_(options), online_(options.online), stream_(std::move(stream)), filters_(initial) {
  options_.Validate();
  online_.Validate();
  if (!stream_) throw std::invalid_argument("OnlineLearner: no training stream");
  if (online_.batchSize > stream_->Count())
    throw std::invalid_argument("--batch-size " + std::to_string(online_.batchSize) +
                                " is larger than the training set (" +
                                std::to_string(stream_->Count()) + " images)");
  if (stream_->Channels() != initial.channels)
    throw std::invalid_argument(
        "OnlineLearner: images have " + std::to_string(stream_->Channels()) +
        " channels but the filters have " + std::to_string(initial.channels));
  for (std::size_t i = 0; i < stream_->Count(); ++i) {
    const ImageShape shape = stream_->Source().Shape(i);
    const std::size_t rows = online_.cropRows ? online_.cropRows : shape.rows;
    const std::size_t cols = online_.cropCols ? online_.cropCols : shape.cols;
    if (rows < initial.Rows() || cols < initial.Cols())
      throw std::invalid_argument(
          "the filters (" + Dims(initial.Rows(), initial.Cols()) + ") are larger than " +
          (online_.cropRows ? "the crop (" + Dims(rows, cols) + ")"
                            : stream_->Source().Name(i) + " (" + Dims(rows, cols) + ")"));
  }
  const arma::uword K = initial.filters, C = initial.channels;
  if (online_.update == "surrogate") {
    lagStatistics_.zeros(2 * initial.Rows() - 1, 2 * initial.Cols() - 1, K * K);
    signalStatistics_.zeros(initial.Rows(), initial.Cols(), K * C);
  }
}

template <typename T>
OnlineLearner<T>::~OnlineLearner() = default;

template <typename T>
const Maps<T>& OnlineLearner<T>::MapsOf(std::size_t) const {
  throw std::logic_error("the online learner keeps no feature maps");
}

template <typename T>
typename OnlineLearner<T>::Grid& OnlineLearner<T>::GridFor(const Image<T>& signal) {
  constexpr std::size_t kMaxGrids = 16;  // distinct signal sizes kept (FFTW plans, buffers)
  const auto key = std::make_pair(signal.n_rows, signal.n_cols);
  auto found = grids_.find(key);
  if (found == grids_.end()) {
    if (grids_.size() >= kMaxGrids) grids_.clear();
    found = grids_.emplace(key, std::make_unique<Grid>(filters_, signal, options_)).first;
  }
  return *found->second;
}

template <typename T>
void OnlineLearner<T>::SurrogateStep() {
  const std::size_t C = filters_.channels;
  const auto apply = [&](const arma::Cube<double>& d, arma::Cube<double>& out) {
    ApplyLagStatistics(lagStatistics_, d, C, out);
  };
  // ||A|| by power iteration, warm started from the last update's vector (kept in T, so that a
  // restored learner starts from the same one): A changes little between updates.
  const bool cold = powerVector_.is_empty();
  arma::Cube<double> v = cold ? arma::Cube<double>(filters_.Rows(), filters_.Cols(),
                                                   filters_.data.n_slices, arma::fill::ones)
                              : arma::conv_to<arma::Cube<double>>::from(powerVector_);
  arma::Cube<double> next;
  double norm = 0.0;
  for (int step = 0; step < (cold ? 30 : 5); ++step) {
    apply(v, next);
    norm = arma::norm(arma::vectorise(next)) / std::max(arma::norm(arma::vectorise(v)), 1e-300);
    const double scale = arma::norm(arma::vectorise(next));
    if (!(scale > 0)) return;  // A = 0: no statistics yet
    v = next / scale;
  }
  powerVector_ = arma::conv_to<arma::Cube<T>>::from(v);
  const double step = 1.0 / (1.1 * norm);
  FilterBank<double> x = filters_.template Cast<double>(), y = x, fresh = x;
  const arma::Cube<double> b = arma::conv_to<arma::Cube<double>>::from(signalStatistics_);
  arma::Cube<double> gradient;
  double t = 1.0;
  for (std::size_t it = 0; it < online_.surrogateIterations; ++it) {
    apply(y.data, gradient);
    fresh.data = y.data - step * (gradient - b);
    ProjectFilters(fresh, options_.dictionary.zeroMean, options_.dictionary.connectivity);
    const double tNext = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
    y.data = fresh.data + ((t - 1.0) / tNext) * (fresh.data - x.data);
    x = fresh;
    t = tNext;
  }
  filters_ = x.template Cast<T>();
}

template <typename T>
IterationRecord OnlineLearner<T>::Run(Observer* observer) {
  SolveOptions coding;
  coding.maxIterations = options_.codingIterations;
  const bool sgd = online_.update == "sgd";
  const std::size_t B = online_.batchSize;
  // Data-parallel (several ranks): each codes its share of a minibatch's slots; the sums over
  // slots are exact (parallel/exact_sum.hpp) or in slot order, so every split gives the same.
  Communicator& communicator =
      options_.communicator ? *options_.communicator : SerialCommunication();
  std::size_t firstSlot = 0, endSlot = 0;
  ThreadRange(B, communicator.Rank(), communicator.Size(), firstSlot, endSlot);
  const arma::uword h = filters_.Rows(), w = filters_.Cols(), KC = filters_.data.n_slices;
  const arma::uword K = filters_.filters;
  return RunOuterIterations("online", options_.iterations, observer, [&](const Timer& timer) {
    double lipschitz = 0.0;
    FilterBank<T> gradient, total = filters_;
    std::vector<IterationRecord> coded;  // per slot
    std::vector<double> bests;           // sgd: per slot, its bound
    std::vector<arma::Cube<T>> parts, signalParts;  // per slot: gradient, or A and b
    for (std::size_t slot = firstSlot; slot < endSlot; ++slot) {
      const Image<T> signal = stream_->Draw(iteration_ * B + slot);
      Grid& grid = GridFor(signal);
      grid.op.SetFilters(filters_);
      grid.solver->Reset(grid.op, signal, options_.lambda);
      coded.push_back(grid.solver->Solve(coding).last);
      if (sgd) {
        CodedSet<T> one;
        one.mapSpectra.push_back(&grid.solver->SolutionSpectra());
        one.signals.push_back(&signal);
        grid.updater.FidelityAndGradient(grid.op, one, filters_, gradient);
        parts.push_back(gradient.data);
        // The per-image Lipschitz constant: max over frequencies of sum_k |Z_k(w)|^2.
        const arma::Mat<Complex<T>>& spectra = grid.solver->SolutionSpectra();
        double best = 0.0;
        for (arma::uword f = 0; f < spectra.n_rows; ++f) {
          double sum = 0.0;
          for (arma::uword k = 0; k < spectra.n_cols; ++k) sum += std::norm(spectra(f, k));
          best = std::max(best, sum);
        }
        bests.push_back(best);
      } else {
        parts.push_back(arma::Cube<T>(2 * h - 1, 2 * w - 1, K * K, arma::fill::zeros));
        signalParts.push_back(arma::Cube<T>(h, w, KC, arma::fill::zeros));
        AddMapStatistics(grid.solver->Solution(), signal, h, w, options_.boundary, parts.back(),
                         signalParts.back());
      }
    }
    const CodingSums sums = CodingSums::Gathered(coded, communicator);
    if (sgd) {
      total.data = ExactSum(parts, h, w, KC, double(B), communicator);
      for (double best : communicator.GatherAll(bests)) lipschitz += best;
    } else {
      lagStatistics_ *= online_.forgetting;
      signalStatistics_ *= online_.forgetting;
      lagStatistics_ += ExactSum(parts, 2 * h - 1, 2 * w - 1, K * K, double(B), communicator);
      signalStatistics_ += ExactSum(signalParts, h, w, KC, double(B), communicator);
    }
    const FilterBank<T> previous = filters_;
    if (sgd && lipschitz > 0) {
      const double eta = online_.etaA / (double(iteration_) + online_.etaB);
      filters_.data -= T(eta / lipschitz) * total.data;
      ProjectFilters(filters_, options_.dictionary.zeroMean, options_.dictionary.connectivity);
    } else if (!sgd) {
      SurrogateStep();
    }
    CheckFiniteStep("OnlineLearner", iteration_ + 1, filters_);
    elapsed_ += timer.Seconds();
    ++iteration_;
    return LearnerRecord("OnlineLearner", iteration_, elapsed_, sums, options_.lambda, previous,
                         filters_, 0);
  });
}

template <typename T>
void OnlineLearner<T>::Describe(StateArchive<T>& a) {
  a.Setting("batch_size", double(online_.batchSize));
  const arma::Cube<T>& filters =
      a.Array("filters", filters_.data, filters_.Rows(), filters_.Cols(), filters_.data.n_slices);
  a.Require(filters.is_finite(), "the filters are not finite");
  a.Count("iteration", iteration_);
  a.Number("elapsed", elapsed_);
  if (online_.update == "surrogate") {
    a.Array("statistics/lags", lagStatistics_, lagStatistics_.n_rows, lagStatistics_.n_cols,
            lagStatistics_.n_slices);
    a.Array("statistics/signal", signalStatistics_, signalStatistics_.n_rows,
            signalStatistics_.n_cols, signalStatistics_.n_slices);
    a.OptionalArray("statistics/power", powerVector_, filters_.Rows(), filters_.Cols(),
                    filters_.data.n_slices);
  }
}

template <typename T>
void OnlineLearner<T>::RestoreState(const SavedState<T>& s) {
  RestoreDescribed(s, *this, "OnlineLearner::RestoreState(): ");
}

template void AddMapStatistics(const Maps<float>&, const Image<float>&, std::size_t, std::size_t,
                               Boundary, arma::Cube<float>&, arma::Cube<float>&);
template void AddMapStatistics(const Maps<double>&, const Image<double>&, std::size_t, std::size_t,
                               Boundary, arma::Cube<double>&, arma::Cube<double>&);
template void ApplyLagStatistics(const arma::Cube<float>&, const arma::Cube<double>&, std::size_t,
                                 arma::Cube<double>&);
template void ApplyLagStatistics(const arma::Cube<double>&, const arma::Cube<double>&, std::size_t,
                                 arma::Cube<double>&);
template class TrainingStream<float>;
template class TrainingStream<double>;
template class OnlineLearner<float>;
template class OnlineLearner<double>;

}  // namespace dn
