// A learning run as one object, with no command line and no terminal (dn-learn and the Python
// module's learn() are front ends to it): from a config and the images as read, or resumed from
// a checkpoint, it trains a network of 1 to kMaxLayers layers greedily through NetworkTrainer
// (a one-layer network is the single-layer model), keeps the history, writes checkpoints by its
// CheckpointPolicy when it has an output directory (none: everything stays in memory), stops
// after the current iteration when asked to or on SIGINT/SIGTERM (core/signals.hpp, once the
// front end installed the handlers), and writes its outputs.
//
// Checkpoints (serialize/checkpoint.hpp) in <out>/checkpoints: a one-layer run's are its
// DictionaryLearner's state (kind "dictionary-learning", layer 0, iteration-NNNNNN/), a
// network's NetworkTrainer's (kind "network-learning", layer-L-iteration-NNNNNN/). Each keeps
// the training data's checksum (info "signals"), the last objective (info "objective"),
// history.csv, the config (config.ini, LearningConfigText) and the front end's files.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/image_stream.hpp"
#include "network/training.hpp"
#include "run/checkpoint_policy.hpp"
#include "run/history.hpp"
#include "run/learning_config.hpp"
#include "serialize/model.hpp"

namespace dn {

//! What a LearningRun reports as it goes, on the one observer interface (solvers/
//! iteration_record.hpp): Begin() as each layer starts or continues (ObservedRun: the layer's
//! learner, "batch" or "pixel", the layer, 1-based, and the iteration it runs until), Observe()
//! after every outer iteration (the record's layer set; true stops the run after it, with a
//! checkpoint when the run has an output directory), End() as the layer ends or is stopped; and
//! every checkpoint written. Every hook does nothing by default.
class LearningRunObserver : public Observer {
public:
  bool Observe(const IterationRecord& /*record*/) override { return false; }
  //! A checkpoint was written at `path`, taking `seconds` (Checkpoint cost, docs/robustness.md).
  virtual void CheckpointWritten(const std::string& /*path*/, double /*seconds*/) {}
};

//! Layer 1's initial filters given instead of random ones (dn-learn --init).
struct InitialFilters {
  FilterBank<double> filters;  //!< layer 1's shape
  std::string name;            //!< how messages name them, e.g. "--init D.npy"
};

//! Gives layer 1 of `config` the shape of `initial` (filter count and size, run-wide and in
//! layer 1's own settings) for images of `channels` channels. A count or size that was given
//! (`countGiven`, `sizeGiven`: the run-wide value was set by the user; layer 1's own setting
//! always counts as given) must agree, and --zero-mean needs filters larger than 1x1:
//! std::invalid_argument otherwise; std::runtime_error when the channels differ.
void FitToInitialFilters(LearningConfig& config, const InitialFilters& initial,
                         std::size_t channels, bool countGiven, bool sizeGiven);

//! The peak memory of a batch run (learner "batch") of `config` on `images` images of rows x cols
//! x channels, in bytes: per image and layer, the solver's working arrays of the layer's maps
//! (5.5 map-sized arrays with ista/fista/cd, 4.5 with admm: the measured figures and a margin),
//! plus the images and 100 MB for the rest. Measured with K = 64 filters of 8x8, single
//! precision, a checkpoint included: six 256x256 images, peak RSS 620 MB with fista (4.9
//! arrays), 483 MB with admm (3.8); ten 342x512 images, 2.52 GB with fista (5.2). Before
//! checkpoints were written from views (core/state_archive.hpp), a checkpoint's copy of the state
//! added about 3.3 arrays.
std::size_t EstimateBatchBytes(const LearningConfig& config, std::size_t images,
                               std::size_t channels, std::size_t rows, std::size_t cols);
//! Refuses (std::invalid_argument, one line with the estimate and the advice to use --learner
//! online) a batch run whose EstimateBatchBytes exceeds `available` bytes (0: unknown, no check).
void CheckBatchFits(const LearningConfig& config, std::size_t images, std::size_t channels,
                    std::size_t rows, std::size_t cols, std::size_t available);

//! A run's training images as dn-learn names them (image files, directories, .txt lists, .npy
//! stacks): opened by their headers for the online learner, read whole for the batch learner.
struct TrainingInputs {
  std::shared_ptr<const ImageSource> source;  //!< online: read one at a time as drawn
  std::vector<Image<double>> images;          //!< batch: as read, cropped to one size
  std::vector<Image<double>> masks;           //!< batch with config.mask: one per image
  bool cropped = false;  //!< batch: the images differed in size and were centre-cropped
  //! Batch on several MPI ranks (parallel/communicator.hpp): `images` (and `masks`) are this
  //! rank's share, images [first, first + images.size()) of `total`; total 0: all of them.
  std::size_t first = 0, total = 0;
  ImageShape shape;      //!< online: the smallest draw; batch: the images'
  std::size_t Count() const {
    return source ? source->Count() : total ? total : images.size();
  }
  //! "N images of HxWxC" (batch), "N images read as drawn, the smallest HxWxC" (online).
  std::string Describe() const;
};

//! Opens or reads `inputs` for a run of `config`. Before any pixel is read it refuses, with
//! std::invalid_argument and one line: draws the images cannot give (CheckDraws), a batch run
//! that would not fit in `availableBytes` (CheckBatchFits; 0: unknown). A file that cannot be
//! read or used (missing, corrupt, a shape or values it cannot hold): std::runtime_error naming it.
//! With config.mask, each image's mask is read from that directory (io/mask.hpp: the image file's
//! stem); the inputs must then be image files or directories of them, of one size.
//! A batch run on several MPI ranks reads only this rank's share of the images and masks
//! (TrainingInputs::first, total), cropped to the smallest size among all the images' headers.
TrainingInputs OpenTrainingInputs(const LearningConfig& config,
                                  const std::vector<std::string>& inputs,
                                  std::size_t availableBytes);

//! "K filters of hxw, then ..." for every layer.
std::string DescribeLayers(const std::vector<ResolvedLayer>& layers);

//! What data-parallel learning on `ranks` MPI ranks supports (docs/scaling.md): the batch
//! learner on ordinary layers in layer mode, at least one of the `images` per rank; the online
//! learner with at least one slot of a minibatch per rank.
//! std::invalid_argument naming the option otherwise. LearningRun checks it too.
void CheckDataParallel(const LearningConfig& config, const std::vector<ResolvedLayer>& layers,
                       std::size_t images, int ranks);

class LearningRun {
public:
  //! A run of `config` on `images` as read (one size for the batch learner, any sizes for the
  //! online learner; the run preprocesses them), from
  //! `initial` (projected onto the constraints) or random filters, keeping its checkpoints in
  //! <out>/checkpoints, or none when `out` is empty. Throws std::invalid_argument for a config
  //! that does not validate or does not fit the images (dn-learn's messages) or an image set
  //! that is empty or of several sizes, std::runtime_error for values beyond the precision or
  //! initial filters that project to zero.
  //! `masks`: empty, or per image its mask (io/mask.hpp, shaped as the image): learning from
  //! the known pixels only (the batch learner, layer 1), the preprocessing from them too.
  //! On several MPI ranks (WorldCommunicator()), `images` and `masks` are all the images (each
  //! rank keeps its share) or, with `total` > 0, this rank's share: images [first, first +
  //! images.size()) of `total` (as OpenTrainingInputs reads them).
  LearningRun(const LearningConfig& config, const std::vector<Image<double>>& images,
              const InitialFilters* initial = nullptr, const std::string& out = "",
              const std::vector<Image<double>>& masks = {}, std::size_t first = 0,
              std::size_t total = 0);
  //! A run of the online learner (config.learning.learner "online", one layer) on images read
  //! one at a time from `source` (each at its own size, or cropped by the config), so that
  //! memory does not grow with their number; throws as above.
  LearningRun(const LearningConfig& config, std::shared_ptr<const ImageSource> source,
              const InitialFilters* initial = nullptr, const std::string& out = "");
  ~LearningRun();
  LearningRun(const LearningRun&) = delete;
  LearningRun& operator=(const LearningRun&) = delete;

  //! Continues from the checkpoint at `checkpoint` (e.g. NewestCheckpoint(out)) of a run of the
  //! same config (iteration counts and checkpoint policy aside) and images, before Run().
  //! std::runtime_error for a checkpoint of another kind or data, or one that does not fit;
  //! std::invalid_argument when the config has fewer iterations than the checkpoint has done.
  void Resume(const std::string& checkpoint);
  //! The config kept in a checkpoint: a run resumes from the library alone with
  //! LearningRun(StoredConfig(c), images, nullptr, out).Resume(c). std::runtime_error if absent.
  static LearningConfig StoredConfig(const std::string& checkpoint);
  //! A text file kept in every checkpoint under files/<name> (e.g. dn-learn's run.ini).
  void KeepInCheckpoints(const std::string& name, const std::string& text);

  //! Trains every layer not trained yet, calling `observer`; returns true when every layer is
  //! trained, false when the observer, RequestStop() or a stop signal stopped it (then after a
  //! checkpoint, from which a new LearningRun resumes; Run() then throws std::logic_error). A
  //! diverging layer throws std::runtime_error naming the last good checkpoint.
  bool Run(LearningRunObserver* observer = nullptr);
  //! Makes Run() stop after the current iteration (from any thread).
  void RequestStop() { stopRequested_ = true; }
  bool Finished() const;
  //! Where the run stands: "iteration 3 of 10" (one layer), "layer 2 iteration 3 of 10".
  std::string Position() const;
  //! The newest complete checkpoint of this run ("" if none).
  const std::string& LastCheckpoint() const;

  std::size_t Depth() const { return layers_.size(); }
  //! The layer in training (1-based; Depth() when every layer is trained).
  std::size_t CurrentLayer() const;
  const std::vector<ResolvedLayer>& Layers() const { return layers_; }
  //! Every record, of earlier processes of the run too.
  const LearningHistory& History() const;
  //! The run's last record (of a resumed run with nothing to do: the checkpoint's iteration and
  //! objective).
  IterationRecord LastRecord() const;
  //! The network as trained so far: the layer in training with its current filters, those
  //! above it with their initial ones.
  Network<double> Trained() const;
  //! The model's manifest: learning settings and inference defaults.
  ModelManifest Manifest() const;
  //! The network as trained so far as a model, equal to what LoadModel reads from the model/
  //! that WriteOutputs writes (every layer's spec in the manifest, filters in double).
  Model Result() const;

  //! Writes the outputs of a finished run into the existing directory `dir`: dictionary.npy,
  //! model/, history.csv and filters.png (one layer), or layerN_dictionary.npy (N >= 2) and
  //! layerN_filters.png (network). std::runtime_error when writing fails.
  void WriteOutputs(const std::string& dir) const;
  //! The outputs of a dn-learn run of `depth` layers in the order it lists them: those of
  //! WriteOutputs and run.ini (the front end's record of its options).
  static std::vector<std::string> OutputNames(std::size_t depth);

  class Engine;  //!< the run in its precision

private:
  //! The online learner's run from `source`.
  void StartStream(std::shared_ptr<const ImageSource> source, const InitialFilters* initial,
                   const std::string& out);

  LearningConfig config_;
  std::vector<ResolvedLayer> layers_;
  std::unique_ptr<Engine> engine_;
  std::atomic<bool> stopRequested_{false};
};

}  // namespace dn
