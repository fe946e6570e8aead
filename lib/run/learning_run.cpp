#include "run/learning_run.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <stdexcept>

#include "core/atomic_file.hpp"
#include "core/checksum.hpp"
#include "core/memory.hpp"
#include "core/signals.hpp"
#include "core/timer.hpp"
#include "io/image.hpp"
#include "io/image_set.hpp"
#include "io/mask.hpp"
#include "io/npy.hpp"
#include "network/top_down.hpp"
#include "preprocess/preprocess.hpp"
#include "run/held_out.hpp"
#include "run/layer_outputs.hpp"
#include "parallel/communicator.hpp"
#include "serialize/checkpoint.hpp"
#include "serialize/sharded_state.hpp"
#include "viz/montage.hpp"

namespace dn {
namespace {

//! Inference defaults written into the model for dn-reconstruct and dn-inspect: FISTA reaches a
//! relative change of 1e-4 within 200 iterations on natural images with the default lambda.
constexpr std::size_t kInferenceIterations = 200;
constexpr double kInferenceTolerance = 1e-4;

const char* const kSingleKind = "dictionary-learning";
const char* const kNetworkKind = "network-learning";
const char* const kConfigFile = "config.ini";

std::string File(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

//! A checksum of the training data as the learner sees it (shapes, and values in T): a resumed
//! run refuses inputs that changed since its checkpoint.
//! Data-parallel: over every rank's share (in rank order), the checksum one process computes over
//! all the images; the running value passes from rank to rank.
template <typename T>
std::string SignalsChecksum(const std::vector<Image<T>>& signals,
                            const std::vector<Image<T>>& weights = {},
                            Communicator& communicator = SerialCommunication()) {
  std::uint64_t sum = kChecksumStart;
  for (const std::vector<Image<T>>* set : {&signals, &weights})  // no weights: as before them
    for (int rank = 0; rank < communicator.Size(); ++rank) {
      if (rank == communicator.Rank())
        for (const Image<T>& signal : *set) {
          const std::uint64_t shape[3] = {signal.n_rows, signal.n_cols, signal.n_slices};
          sum = Checksum(shape, sizeof shape, sum);
          sum = Checksum(signal.memptr(), signal.n_elem * sizeof(T), sum);
        }
      std::string running(reinterpret_cast<const char*>(&sum), sizeof sum);
      communicator.Broadcast(running, rank);
      std::copy(running.begin(), running.end(), reinterpret_cast<char*>(&sum));
    }
  return ChecksumText(sum);
}

//! Whether `state` is a NetworkTrainer's (NetworkTrainer::SaveState), not a layer learner's.
template <typename T>
bool IsTrainerState(const SavedState<T>& state) {
  return state.numbers.count("trained") && state.numbers.count("started");
}

}  // namespace

class LearningRun::Engine {
public:
  virtual ~Engine() = default;
  virtual void Resume(const std::string& checkpoint) = 0;
  virtual bool Run(LearningRunObserver* observer) = 0;
  virtual void WriteOutputs(const std::string& dir, const ModelManifest& manifest) const = 0;
  virtual Network<double> Trained() const = 0;
  virtual std::size_t Layer() const = 0;

  std::map<std::string, std::string> files;  //!< kept in every checkpoint
  LearningHistory history;
  IterationRecord last;  //!< the last record
  std::string lastCheckpoint, position;
  bool finished = false;
};

namespace {

template <typename T>
class RunEngine : public LearningRun::Engine, private Observer {
public:
  //! Learns from `signals` in memory, or with the online learner from `stream` when given.
  //! Data-parallel (WorldCommunicator() of several ranks): `signals` and `weights` are this
  //! rank's shard, the images [first, first + signals.size()) of `total`, and `checksum` is
  //! the SignalsChecksum of all of them.
  RunEngine(const LearningConfig& config, const std::vector<ResolvedLayer>& layers,
            std::vector<Image<T>> signals, std::shared_ptr<TrainingStream<T>> stream,
            const InitialFilters* initial, std::string out, const std::atomic<bool>& stopRequested,
            std::vector<Image<T>> weights = {}, std::string checksum = "",
            std::size_t first = 0, std::size_t total = 0)
      : config_(config),
        layers_(layers),
        out_(std::move(out)),
        stopRequested_(stopRequested),
        schedule_(config.checkpoints),
        signalsChecksum_(!checksum.empty() ? std::move(checksum)
                         : stream          ? stream->Checksum()
                                           : SignalsChecksum(signals, weights)),
        communicator_(WorldCommunicator()),
        first_(first),
        total_(total ? total : signals.size()),
        local_(signals.size()) {
    const bool zeroMean = config.learning.dictionary.zeroMean;
    Network<T> network;
    network.boundary = config.learning.boundary;
    for (const ResolvedLayer& layer : layers) network.layers.push_back(layer.spec);
    network.MakeTables();
    for (std::size_t l = 1; l <= layers.size(); ++l)
      network.filters.push_back(InitialLayerFilters<T>(network.layers[l - 1], network.tables[l - 1],
                                                       config.seed + (l - 1), zeroMean));
    if (initial) {
      FilterBank<T> start = Convert<T>(initial->filters, initial->name);
      ProjectFilters(start, zeroMean, network.tables[0].Table());
      if (!arma::any(arma::vectorise(start.data)))
        throw std::runtime_error(initial->name +
                                 ": every filter is zero after projection onto the "
                                 "constraints" +
                                 (zeroMean ? " (--zero-mean makes constant filters zero)" : ""));
      network.filters[0] = start;
    }
    if (!config.test.path.empty()) {
      const ResolvedLayer& first = layers.front();
      heldOut_ = std::make_unique<HeldOutSet<T>>(config, first.spec.channels, first.size,
                                                 first.spec.lambda);
    }
    NetworkTrainingOptions options;
    options.common = config.learning;
    options.common.communicator = &communicator_;
    for (const ResolvedLayer& layer : layers) options.iterations.push_back(layer.iterations);
    if (stream)
      trainer_ =
          std::make_unique<NetworkTrainer<T>>(options, std::move(network), std::move(stream));
    else
      trainer_ = std::make_unique<NetworkTrainer<T>>(options, std::move(network),
                                                     std::move(signals), std::move(weights));
  }

  void Resume(const std::string& path) override {
    Checkpoint<T> restored = ReadCheckpoint<T>(path);
    const std::size_t depth = layers_.size();
    if (depth == 1 && (restored.kind != kSingleKind || restored.layer != 0))
      throw std::runtime_error(path + " is not a checkpoint of dn-learn");
    if (depth > 1 &&
        (restored.kind != kNetworkKind || restored.layer < 1 || restored.layer > depth))
      throw std::runtime_error(path + " is not a checkpoint of this dn-learn network");
    CheckSameSignals(restored.info, signalsChecksum_);
    if (communicator_.Size() > 1) try {
        restored.state =
            ToShard(std::move(restored.state), first_, first_ + local_, total_);
      } catch (const std::runtime_error& e) {
        throw std::runtime_error(path + " does not fit the run: " + e.what());
      }
    const std::size_t layer = std::max<std::size_t>(1, restored.layer);
    CheckIterationsLeft(restored.iteration, layers_[layer - 1].iterations, layer, depth);
    try {
      // A layer's start is kept as the trainer's state before the layer's learner exists (see
      // SaveCheckpoint); a one-layer run's later checkpoints hold its learner's state.
      if (depth == 1 && !IsTrainerState(restored.state))
        trainer_->StartLayer(restored.state);
      else
        trainer_->RestoreState(restored.state);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(path + " does not fit the run: " + e.what());
    }
    history = LearningHistory::FromCsv(restored.files["history.csv"]);
    last.iteration = restored.iteration;
    const auto objective = restored.info.find("objective");
    if (objective != restored.info.end())
      last.objective = std::strtod(objective->second.c_str(), nullptr);
    if (depth > 1 && !history.Empty()) last = history.Last();
    lastCheckpoint = path;
    resumed_ = true;
    savedLayer_ = restored.layer;
    savedIteration_ = restored.iteration;
  }

  bool Run(LearningRunObserver* observer) override {
    if (stoppedAt_)
      throw std::logic_error(
          "LearningRun::Run(): the run was stopped; resume it from its "
          "checkpoint in a new LearningRun");
    observer_ = observer;
    // From the first checkpoint on, a resume continues this run, not an earlier one in out_.
    if (!resumed_ && !out_.empty() && lastCheckpoint.empty() && communicator_.Root())
      RemoveOldCheckpoints(out_);
    const std::size_t depth = layers_.size();
    while (!trainer_->Done()) {
      if (!trainer_->Learner()) {
        SaveCheckpoint();  // the layer's start (a no-op when just restored)
        trainer_->StartLayer();
      }
      const std::size_t l = trainer_->LayersTrained() + 1, total = layers_[l - 1].iterations;
      if (observer_) observer_->Begin({trainer_->Learner()->Name(), l, total});
      if (!Stopping()) {
        try {
          trainer_->RunLayer(this);
        } catch (const DivergenceError& e) {
          throw std::runtime_error((depth == 1 ? "" : "layer " + std::to_string(l) + ": ") +
                                   e.what() + "; the last good checkpoint is " + lastCheckpoint);
        }
      }
      const bool stopping = Stopping();
      if (observer_)
        observer_->End(last, stopping ? StopReason::Observer : StopReason::IterationLimit);
      SaveCheckpoint();  // the layer's end, or where the run was stopped
      position = (depth == 1 ? "" : "layer " + std::to_string(l) + " ") + "iteration " +
                 std::to_string(trainer_->CurrentIteration()) + " of " + std::to_string(total);
      if (stopping) {
        stoppedAt_ = true;
        return false;
      }
      trainer_->FinishLayer();
    }
    finished = true;
    return true;
  }

  void WriteOutputs(const std::string& dir, const ModelManifest& manifest) const override {
    const Network<T>& trained = trainer_->Result();
    WriteNpy(File(dir, "dictionary.npy"), trained.filters[0]);
    SaveModel(File(dir, "model"), manifest, trained.template Cast<double>());
    WriteTextFileAtomically(File(dir, "history.csv"), history.Csv());
    if (layers_.size() == 1) {
      WritePng(File(dir, "filters.png"), FilterMontage(trained.filters[0]));
      return;
    }
    for (std::size_t l = 1; l <= layers_.size(); ++l) {
      if (l > 1) WriteNpy(File(dir, NetworkArrayName(l)), trained.filters[l - 1]);
      WritePng(File(dir, NetworkMontageName(l)), LayerFilterMontage(trained, l));
    }
  }

  Network<double> Trained() const override {
    Network<T> network = trainer_->Result();
    if (trainer_->Learner()) {
      const std::size_t l = trainer_->LayersTrained() + 1;
      network.filters[l - 1] = trainer_->Learner()->Dictionary();
    }
    return network.template Cast<double>();
  }
  std::size_t Layer() const override {
    return std::min(trainer_->LayersTrained() + 1, trainer_->Depth());
  }

private:
  bool Observe(const IterationRecord& learned) override {
    IterationRecord record = learned;
    if (heldOut_ && (record.iteration % config_.test.every == 0 ||
                     record.iteration == layers_.front().iterations))
      record.testObjective = heldOut_->Objective(trainer_->Learner()->Dictionary());
    history.Add(record.layer, record);
    last = record;
    if (observer_ && observer_->Observe(record)) stopped_ = true;
    const bool stop = Stopping();
    // Every rank decides together (the schedule reads each rank's clock).
    if (communicator_.Any(schedule_.Due(record.iteration, SecondsLeft(record))) || stop)
      SaveCheckpoint();
    return stop;
  }

  //! The time the layer in training needs for its remaining iterations, at the mean pace of
  //! those done (`record` the last).
  double SecondsLeft(const IterationRecord& record) const {
    const std::size_t total =
        layers_[std::min(trainer_->LayersTrained(), layers_.size() - 1)].iterations;
    if (record.iteration == 0 || record.iteration >= total) return 0.0;
    return static_cast<double>(total - record.iteration) * record.seconds /
           static_cast<double>(record.iteration);
  }

  //! Whether to stop: asked here, or on any rank (each call is collective).
  bool Stopping() const {
    return communicator_.Any(stopped_ || stopRequested_ || StopSignal() != 0);
  }

  //! Writes a checkpoint of the current iteration of the layer in training, unless this one
  //! was the last written or the run has no output directory. Before a layer's learner is made
  //! (its iteration 0) the checkpoint holds the trainer's state, from which StartLayer() makes
  //! that learner again: the filters and the layer's inputs, not the learner's state of zero
  //! maps (for the batch learner as large as any later checkpoint); afterwards a one-layer run's
  //! holds its learner's state, a network's the trainer's with the learner's.
  void SaveCheckpoint() {
    if (out_.empty()) return;
    const bool single = layers_.size() == 1;
    const std::size_t layer = single ? 0 : trainer_->LayersTrained() + 1;
    const std::size_t iteration = trainer_->Learner() ? trainer_->CurrentIteration() : 0;
    if (!lastCheckpoint.empty() && layer == savedLayer_ && iteration == savedIteration_) return;
    const Timer timer;
    Checkpoint<T> c;
    c.kind = single ? kSingleKind : kNetworkKind;
    c.layer = layer;
    c.iteration = iteration;
    // Views, not copies: the state is written below, before training changes it again.
    c.state =
        single && trainer_->Learner() ? trainer_->Learner()->StateView() : trainer_->StateView();
    if (communicator_.Size() > 1)  // this rank's images under their run-wide indices
      c.state = ToRunWide(std::move(c.state), first_, total_, communicator_.Root());
    c.info["signals"] = signalsChecksum_;
    if (!history.Empty()) c.info["objective"] = Number(history.Last().objective);
    c.files = files;
    c.files[kConfigFile] = LearningConfigText(config_);
    c.files["history.csv"] = history.Csv();
    try {
      lastCheckpoint = WriteCheckpoint(CheckpointDirectory(out_), c, communicator_);
    } catch (const std::exception& e) {
      throw std::runtime_error(
          std::string("cannot write a checkpoint: ") + e.what() +
          (lastCheckpoint.empty() ? "" : "; the last complete one is " + lastCheckpoint));
    }
    savedLayer_ = layer;
    savedIteration_ = iteration;
    const double seconds = timer.Seconds();  // saving the state and writing it
    schedule_.Written(seconds);
    if (observer_) observer_->CheckpointWritten(lastCheckpoint, seconds);
  }

  LearningConfig config_;
  std::vector<ResolvedLayer> layers_;
  std::string out_;
  const std::atomic<bool>& stopRequested_;
  CheckpointSchedule schedule_;
  std::string signalsChecksum_;
  Communicator& communicator_;
  std::size_t first_, total_;  //!< this rank's first image, and the images of all ranks
  std::size_t local_;          //!< this rank's images
  std::unique_ptr<NetworkTrainer<T>> trainer_;
  std::unique_ptr<HeldOutSet<T>> heldOut_;  //!< with --test
  LearningRunObserver* observer_ = nullptr;
  bool resumed_ = false, stopped_ = false, stoppedAt_ = false;
  std::size_t savedLayer_ = 0, savedIteration_ = 0;
};

}  // namespace

std::size_t EstimateBatchBytes(const LearningConfig& config, std::size_t images,
                               std::size_t channels, std::size_t rows, std::size_t cols) {
  const std::vector<ResolvedLayer> layers = ResolveLayers(config, channels, rows, cols);
  std::vector<LayerSpec> specs;
  for (const ResolvedLayer& layer : layers) specs.push_back(layer.spec);
  const std::vector<LayerShape> shapes = LayerShapes(specs, rows, cols, config.learning.boundary);
  const double element = config.precision == Precision::Single ? 4.0 : 8.0;
  const double arrays = config.learning.solver == "admm" ? 4.5 : 5.5;
  double perImage = double(rows * cols * channels) * (8.0 + element);  // as read, as learned
  for (const LayerShape& shape : shapes)
    perImage += arrays * element * double(shape.maps * shape.mapRows * shape.mapCols);
  return std::size_t(100e6 + double(images) * perImage);
}

void CheckBatchFits(const LearningConfig& config, std::size_t images, std::size_t channels,
                    std::size_t rows, std::size_t cols, std::size_t available) {
  if (available == 0 || config.learning.learner != "batch") return;
  const std::size_t needed = EstimateBatchBytes(config, images, channels, rows, cols);
  if (needed <= available) return;
  const auto gb = [](double bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f GB", bytes / 1e9);
    return std::string(text);
  };
  throw std::invalid_argument(
      "the batch learner would need about " + gb(double(needed)) + " for " +
      std::to_string(images) + " images of " + std::to_string(rows) + "x" + std::to_string(cols) +
      " (" + gb(double(needed - std::size_t(100e6)) / double(images)) + " each), more than the " +
      gb(double(available)) +
      " available; use --learner online, which keeps no image's maps (docs/online.md)");
}

std::string TrainingInputs::Describe() const {
  const std::string size = std::to_string(shape.rows) + "x" + std::to_string(shape.cols) + "x" +
                           std::to_string(shape.channels);
  return std::to_string(Count()) +
         (source ? " images read as drawn, the smallest " : " images of ") + size;
}

namespace {

//! The masks of --mask DIR for the images read from `inputs`, in their order.
std::vector<Image<double>> ReadTrainingMasks(const std::string& directory,
                                             const std::vector<std::string>& inputs,
                                             const TrainingInputs& in) {
  if (in.cropped)
    throw std::invalid_argument(
        "--mask: the training images differ in size; masked learning "
        "needs images of one size");
  std::vector<std::string> files;
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (std::filesystem::is_directory(input, ec)) {
      for (const std::string& file : ListImageFiles(input)) files.push_back(file);
    } else if (HasImageExtension(input)) {
      files.push_back(input);
    } else {
      throw std::invalid_argument(
          "--mask: the inputs must be image files or directories of "
          "them, whose names find their masks; not " +
          input);
    }
  }
  if (files.size() != in.Count())
    throw std::logic_error("ReadTrainingMasks(): the image count differs from the files'");
  const std::vector<std::string> paths = FindMaskFiles(directory, files);
  std::vector<Image<double>> masks;  // this rank's images' (all of them alone)
  for (std::size_t i = in.first; i < in.first + in.images.size(); ++i)
    masks.push_back(ReadMask(paths[i], in.shape.rows, in.shape.cols, in.shape.channels));
  return masks;
}

}  // namespace

TrainingInputs OpenTrainingInputs(const LearningConfig& config,
                                  const std::vector<std::string>& inputs,
                                  std::size_t availableBytes) {
  TrainingInputs in;
  if (config.learning.learner == "online") {
    in.source = OpenImageSource(inputs, config.colour);
    const OnlineOptions& online = config.learning.online;
    CheckDraws(*in.source, online);
    in.shape = SmallestDraw(*in.source, online.cropRows, online.cropCols);
    return in;
  }
  Communicator& world = WorldCommunicator();
  if (world.Size() > 1) {  // data-parallel: this rank reads its share only
    const std::unique_ptr<ImageSource> all = OpenImageSource(inputs, config.colour);
    in.total = all->Count();
    std::size_t end = 0;
    ShardRange(in.total, world.Rank(), world.Size(), in.first, end);
    ImageShape common = all->Shape(0);
    for (std::size_t i = 0; i < in.total; ++i) {
      const ImageShape shape = all->Shape(i);
      if (shape.channels != common.channels)
        throw std::runtime_error(all->Name(i) + " has " + std::to_string(shape.channels) +
                                 " channel(s), " + all->Name(0) + " " +
                                 std::to_string(common.channels));
      in.cropped = in.cropped || shape.rows != common.rows || shape.cols != common.cols;
      common.rows = std::min(common.rows, shape.rows);
      common.cols = std::min(common.cols, shape.cols);
    }
    CheckBatchFits(config, end - in.first, common.channels, common.rows, common.cols,
                   availableBytes);
    for (std::size_t i = in.first; i < end; ++i)
      in.images.push_back(CentreCrop(all->Load(i), common.rows, common.cols));
    in.shape = common;
    if (!config.mask.empty()) in.masks = ReadTrainingMasks(config.mask, inputs, in);
    return in;
  }
  std::unique_ptr<ImageSource> headers;
  try {
    headers = OpenImageSource(inputs, config.colour);
  } catch (const std::exception&) {  // reading the images reports it
  }
  if (headers) {
    const ImageShape smallest = SmallestDraw(*headers, 0, 0);
    CheckBatchFits(config, headers->Count(), smallest.channels, smallest.rows, smallest.cols,
                   availableBytes);
  }
  try {
    in.images = ReadInputImages(inputs, config.colour);
  } catch (const std::invalid_argument& e) {  // a file's content, not the caller's arguments
    throw std::runtime_error(e.what());
  }
  in.cropped = CropToCommonSize(in.images);
  const Image<double>& first = in.images.front();
  in.shape = {first.n_rows, first.n_cols, first.n_slices};
  if (!config.mask.empty()) in.masks = ReadTrainingMasks(config.mask, inputs, in);
  return in;
}

void CheckDataParallel(const LearningConfig& config, const std::vector<ResolvedLayer>& layers,
                       std::size_t images, int ranks) {
  const std::string ranksText = std::to_string(ranks) + " MPI ranks";
  if (config.learning.learner == "online") {  // the ranks share each minibatch's slots
    if (config.learning.online.batchSize < static_cast<std::size_t>(ranks))
      throw std::invalid_argument("--batch-size " + std::to_string(config.learning.online.batchSize) +
                                  " leaves some of the " + ranksText + " without images");
    return;
  }
  if (config.Strided())
    throw std::invalid_argument("strided layers (--stride, --padding) do not run on " + ranksText +
                                " yet");
  for (const ResolvedLayer& layer : layers)
    if (layer.spec.inference == InferenceMode::Pixel)
      throw std::invalid_argument("pixel-mode layers do not run on " + ranksText +
                                  " (use layer mode)");
  if (images < static_cast<std::size_t>(ranks))
    throw std::invalid_argument(ranksText + " need at least as many training images, not " +
                                std::to_string(images));
}

std::string DescribeLayers(const std::vector<ResolvedLayer>& layers) {
  std::string text;
  for (const ResolvedLayer& layer : layers)
    text += (text.empty() ? "" : ", then ") + std::to_string(layer.spec.filters) + " filters of " +
            layer.size.ToString();
  return text;
}

void FitToInitialFilters(LearningConfig& config, const InitialFilters& initial,
                         std::size_t channels, bool countGiven, bool sizeGiven) {
  const FilterBank<double>& filters = initial.filters;
  const FilterSize size{filters.Rows(), filters.Cols()};
  LayerSettings* first = config.layers.empty() ? nullptr : &config.layers.front();
  const bool layerCount = first && first->filters, layerSize = first && first->filterSize;
  const std::size_t count = layerCount ? *first->filters : config.filters;
  const FilterSize given = layerSize ? *first->filterSize : config.filterSize;
  if ((countGiven || layerCount) && count != filters.filters)
    throw std::invalid_argument(initial.name + " holds " + std::to_string(filters.filters) +
                                " filters but " +
                                (layerCount ? LayerOptionName(1, "filters") : "--filters") +
                                " is " + std::to_string(count));
  if ((sizeGiven || layerSize) && (given.rows != size.rows || given.cols != size.cols))
    throw std::invalid_argument(initial.name + " holds " + size.ToString() + " filters but " +
                                (layerSize ? LayerOptionName(1, "filter-size") : "--filter-size") +
                                " is " + given.ToString());
  if (filters.channels != channels)
    throw std::runtime_error(initial.name + " has " + std::to_string(filters.channels) +
                             " channel(s) but the images have " + std::to_string(channels) +
                             (filters.channels == 3 && !config.colour ? " (use --colour?)" : ""));
  if (config.learning.dictionary.zeroMean && size.rows * size.cols == 1)
    throw std::invalid_argument("--zero-mean needs filters larger than 1x1 (" + initial.name +
                                " holds 1x1 filters)");
  config.filters = filters.filters;
  config.filterSize = size;
  if (first) {
    first->filters = filters.filters;
    first->filterSize = size;
  }
}

LearningRun::LearningRun(const LearningConfig& config, const std::vector<Image<double>>& images,
                         const InitialFilters* initial, const std::string& out,
                         const std::vector<Image<double>>& masks, std::size_t shareFirst,
                         std::size_t total)
    : config_(config) {
  config_.Validate();
  if (images.empty()) throw std::invalid_argument("no training images");
  if (!masks.empty() && config_.learning.learner != "batch")
    throw std::invalid_argument("masks are learned with by the batch learner, not --learner " +
                                config_.learning.learner);
  if (!masks.empty() && masks.size() != images.size())
    throw std::invalid_argument("need one mask per training image (" +
                                std::to_string(masks.size()) + " masks, " +
                                std::to_string(images.size()) + " images)");
  if (config_.learning.learner == "online") {  // images of any size, drawn one at a time
    StartStream(MemoryImageSource(images), initial, out);
    return;
  }
  Communicator& world = WorldCommunicator();
  const bool parallel = world.Size() > 1;
  const Image<double>& first = images.front();
  CheckBatchFits(config_, images.size(), first.n_slices, first.n_rows, first.n_cols,
                 AvailableMemoryBytes());
  for (const Image<double>& image : images)
    if (image.n_rows != first.n_rows || image.n_cols != first.n_cols ||
        image.n_slices != first.n_slices)
      throw std::invalid_argument("the training images differ in size");
  layers_ = ResolveLayers(config_, first.n_slices, first.n_rows, first.n_cols);
  const bool shared = parallel && total > 0;  // `images` is this rank's share already
  if (shared && shareFirst + images.size() > total)
    throw std::invalid_argument("LearningRun: the share lies outside the images");
  if (parallel) CheckDataParallel(config_, layers_, shared ? total : images.size(), world.Size());
  std::vector<Image<double>> signals, weights;
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (masks.empty()) {
      signals.push_back(Preprocess(images[i], config_.preprocess).signal);
      continue;
    }
    const std::string name =
        "mask " + std::to_string(i + 1) + " of " + std::to_string(masks.size());
    weights.push_back(
        MaskForImage(masks[i], images[i].n_rows, images[i].n_cols, images[i].n_slices, name));
    signals.push_back(Preprocess(images[i], config_.preprocess, weights.back()).signal);
  }
  engine_ = WithPrecision(config_.precision, [&](auto tag) -> std::unique_ptr<Engine> {
    using T = decltype(tag);
    std::vector<Image<T>> typed;
    for (std::size_t i = 0; i < signals.size(); ++i) {
      typed.push_back(Convert<T>(signals[i], "preprocessed training image " +
                                                 std::to_string(i + 1) + " of " +
                                                 std::to_string(signals.size())));
      signals[i].reset();
    }
    std::vector<Image<T>> typedWeights;
    for (const Image<double>& w : weights) typedWeights.push_back(Convert<T>(w, "a mask"));
    if (!parallel)
      return std::make_unique<RunEngine<T>>(config_, layers_, std::move(typed), nullptr, initial,
                                            out, stopRequested_, std::move(typedWeights));
    if (shared) {  // the checksum over every rank's images, in order
      std::string checksum = SignalsChecksum(typed, typedWeights, world);
      return std::make_unique<RunEngine<T>>(config_, layers_, std::move(typed), nullptr, initial,
                                            out, stopRequested_, std::move(typedWeights),
                                            std::move(checksum), shareFirst, total);
    }
    // Data-parallel: this rank keeps its shard; the checksum covers every image.
    const std::string checksum = SignalsChecksum(typed, typedWeights);
    std::size_t begin = 0, end = 0;
    ShardRange(typed.size(), world.Rank(), world.Size(), begin, end);
    const std::size_t total = typed.size();
    const auto shard = [&](std::vector<Image<T>>& all) {
      if (all.empty()) return;
      all.erase(all.begin() + end, all.end());
      all.erase(all.begin(), all.begin() + begin);
    };
    shard(typed);
    shard(typedWeights);
    return std::make_unique<RunEngine<T>>(config_, layers_, std::move(typed), nullptr, initial, out,
                                          stopRequested_, std::move(typedWeights), checksum,
                                          begin, total);
  });
}

LearningRun::LearningRun(const LearningConfig& config, std::shared_ptr<const ImageSource> source,
                         const InitialFilters* initial, const std::string& out)
    : config_(config) {
  config_.Validate();
  StartStream(std::move(source), initial, out);
}

void LearningRun::StartStream(std::shared_ptr<const ImageSource> source,
                              const InitialFilters* initial, const std::string& out) {
  if (config_.learning.learner != "online")
    throw std::invalid_argument("LearningRun: images read one at a time need --learner online");
  if (WorldCommunicator().Size() > 1)
    CheckDataParallel(config_, {}, source->Count(), WorldCommunicator().Size());
  if (!source || source->Count() == 0) throw std::invalid_argument("no training images");
  // The layers are checked against the smallest signal the learner will see.
  const OnlineOptions& online = config_.learning.online;
  CheckDraws(*source, online);
  const ImageShape smallest = SmallestDraw(*source, online.cropRows, online.cropCols);
  layers_ = ResolveLayers(config_, smallest.channels, smallest.rows, smallest.cols);
  engine_ = WithPrecision(config_.precision, [&](auto tag) -> std::unique_ptr<Engine> {
    using T = decltype(tag);
    auto stream = std::make_shared<TrainingStream<T>>(source, config_.preprocess, config_.seed,
                                                      online.cropRows, online.cropCols);
    return std::make_unique<RunEngine<T>>(config_, layers_, std::vector<Image<T>>(),
                                          std::move(stream), initial, out, stopRequested_);
  });
}

LearningRun::~LearningRun() = default;

void LearningRun::Resume(const std::string& checkpoint) { engine_->Resume(checkpoint); }

LearningConfig LearningRun::StoredConfig(const std::string& checkpoint) {
  return ParseLearningConfig(ReadCheckpointFile(checkpoint, kConfigFile));
}

void LearningRun::KeepInCheckpoints(const std::string& name, const std::string& text) {
  engine_->files[name] = text;
}

bool LearningRun::Run(LearningRunObserver* observer) {
  const bool finished = engine_->Run(observer);
  stopRequested_ = false;
  return finished;
}

std::size_t LearningRun::CurrentLayer() const { return engine_->Layer(); }
bool LearningRun::Finished() const { return engine_->finished; }
std::string LearningRun::Position() const { return engine_->position; }
const std::string& LearningRun::LastCheckpoint() const { return engine_->lastCheckpoint; }
const LearningHistory& LearningRun::History() const { return engine_->history; }
IterationRecord LearningRun::LastRecord() const { return engine_->last; }
Network<double> LearningRun::Trained() const { return engine_->Trained(); }

ModelManifest LearningRun::Manifest() const {
  const ResolvedLayer& first = layers_.front();
  ModelManifest m;
  m.precision = config_.precision;
  m.boundary = config_.learning.boundary;
  m.lambda = first.spec.lambda;
  m.solver = config_.learning.solver;
  m.iterations = kInferenceIterations;
  m.tolerance = kInferenceTolerance;
  m.preprocess = config_.preprocess;
  m.colour = config_.colour;
  m.zeroMean = config_.learning.dictionary.zeroMean;
  m.filters = first.spec.filters;
  m.channels = first.spec.channels;
  m.filterRows = first.size.rows;
  m.filterCols = first.size.cols;
  m.seed = config_.seed;
  return m;
}

Model LearningRun::Result() const {
  Model model;
  model.manifest = Manifest();
  for (const ResolvedLayer& layer : layers_) model.manifest.layers.push_back(layer.spec);
  Network<double> network = Trained();
  model.filters = std::move(network.filters.front());
  model.higherLayers.assign(std::make_move_iterator(network.filters.begin() + 1),
                            std::make_move_iterator(network.filters.end()));
  return model;
}

void LearningRun::WriteOutputs(const std::string& dir) const {
  if (!Finished()) throw std::logic_error("LearningRun::WriteOutputs(): the run is not finished");
  engine_->WriteOutputs(dir, Manifest());
}

std::vector<std::string> LearningRun::OutputNames(std::size_t depth) {
  if (depth == 1) return {"dictionary.npy", "model/", "history.csv", "filters.png", "run.ini"};
  std::vector<std::string> outputs = {"dictionary.npy", "model/", "history.csv", "run.ini"};
  for (std::size_t l = 1; l <= depth; ++l) {
    if (l > 1) outputs.push_back(NetworkArrayName(l));
    outputs.push_back(NetworkMontageName(l));
  }
  return outputs;
}

}  // namespace dn
