// The ranks that learn together (data-parallel learning, docs/scaling.md): each holds a
// contiguous shard of the training images, in rank order, and the learners combine their
// per-image sums through this interface. The library has no MPI dependency: a process alone uses
// the serial communicator; dn-learn installs an MPI one (parallel/mpi_communicator.hpp) when it
// runs under mpirun.
//
// Every reduction here is exact or order-free (integer sums, maxima, gathers in rank order), so
// that a learner's result does not depend on how the images are split across ranks
// (parallel/exact_sum.hpp turns floating-point sums into integer ones).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dn {

class Communicator {
public:
  virtual ~Communicator() = default;
  virtual int Rank() const = 0;
  virtual int Size() const = 0;
  //! values[i] = the sum over ranks of values[i] (exact: integers).
  virtual void SumInPlace(std::int64_t* values, std::size_t count) = 0;
  virtual void SumInPlace(std::int32_t* values, std::size_t count) = 0;
  //! values[i] = the largest over ranks of values[i] (NaN if any rank holds NaN).
  virtual void MaxInPlace(double* values, std::size_t count) = 0;
  //! Every rank's `mine`, concatenated in rank order, on every rank.
  virtual std::vector<double> GatherAll(const std::vector<double>& mine) = 0;
  //! Every rank's `mine` in rank order, on rank 0 only (empty elsewhere).
  virtual std::vector<std::string> GatherToRoot(const std::string& mine) = 0;
  //! Rank `root`'s `value` on every rank.
  virtual void Broadcast(std::string& value, int root = 0) = 0;
  //! Whether `mine` is true on any rank.
  virtual bool Any(bool mine) = 0;
  //! Ends the whole job at once with `code` (a rank that failed alone: the others would wait
  //! for it forever). Alone: exits the process.
  [[noreturn]] virtual void Abort(int code) = 0;
  //! Seconds this rank spent in the calls above so far (waiting for other ranks included).
  virtual double Seconds() const = 0;
  //! Of Seconds(), those spent waiting for the other ranks to reach the call (load imbalance,
  //! a rank held up); the rest is the exchange itself.
  virtual double WaitSeconds() const = 0;

  bool Root() const { return Rank() == 0; }
};

//! One process alone: every reduction is the identity.
class SerialCommunicator : public Communicator {
public:
  int Rank() const override { return 0; }
  int Size() const override { return 1; }
  void SumInPlace(std::int64_t*, std::size_t) override {}
  void SumInPlace(std::int32_t*, std::size_t) override {}
  void MaxInPlace(double*, std::size_t) override {}
  std::vector<double> GatherAll(const std::vector<double>& mine) override { return mine; }
  std::vector<std::string> GatherToRoot(const std::string& mine) override { return {mine}; }
  void Broadcast(std::string&, int) override {}
  bool Any(bool mine) override { return mine; }
  [[noreturn]] void Abort(int code) override;
  double Seconds() const override { return 0.0; }
  double WaitSeconds() const override { return 0.0; }
};

//! A process alone (stateless; shared).
Communicator& SerialCommunication();

//! The communicator of this process's learning runs: serial unless SetWorldCommunicator()
//! installed another (dn-learn under mpirun).
Communicator& WorldCommunicator();
void SetWorldCommunicator(std::unique_ptr<Communicator> communicator);

//! The images [begin, end) of `count` that `rank` of `ranks` holds: contiguous blocks in rank
//! order. std::invalid_argument when some rank would hold none.
void ShardRange(std::size_t count, int rank, int ranks, std::size_t& begin, std::size_t& end);

}  // namespace dn
