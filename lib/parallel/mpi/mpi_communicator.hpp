// The Communicator of ranks started by mpirun or srun (Open MPI; docs/scaling.md): MPI_COMM_WORLD.
// Built into the separate library dn_mpi when CMake finds MPI, so that the library dn and the
// Python module do not depend on MPI.
#pragma once

#include <memory>

#include "parallel/communicator.hpp"

namespace dn {

//! Whether this process was started by an MPI launcher (mpirun, mpiexec, srun), from the
//! environment it sets; a process started otherwise never initialises MPI.
bool LaunchedByMpi();

class MpiCommunicator : public Communicator {
public:
  //! Initialises MPI (std::runtime_error if that fails); MPI is finalised by the destructor.
  MpiCommunicator(int* argc, char*** argv);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int Rank() const override { return rank_; }
  int Size() const override { return size_; }
  void SumInPlace(std::int64_t* values, std::size_t count) override;
  void SumInPlace(std::int32_t* values, std::size_t count) override;
  //! NaN on any rank becomes +infinity (a maximum that every rank sees as not finite).
  void MaxInPlace(double* values, std::size_t count) override;
  std::vector<double> GatherAll(const std::vector<double>& mine) override;
  std::vector<std::string> GatherToRoot(const std::string& mine) override;
  void Broadcast(std::string& value, int root = 0) override;
  bool Any(bool mine) override;
  [[noreturn]] void Abort(int code) override;
  double Seconds() const override { return seconds_; }
  double WaitSeconds() const override { return waitSeconds_; }

private:
  //! Waits at a barrier for every rank to reach the collective that follows (the wait counted
  //! in waitSeconds_, at the cost of one more latency per collective); returns the MPI_Wtime()
  //! of the call.
  double Arrive();
  //! Adds the time since `start` (MPI_Wtime) to seconds_.
  void Count(double start);

  int rank_ = 0, size_ = 1;
  double seconds_ = 0.0, waitSeconds_ = 0.0;
};

}  // namespace dn
