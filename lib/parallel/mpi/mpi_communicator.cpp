#include "parallel/mpi/mpi_communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace dn {
namespace {

//! Large arrays go in pieces whose counts fit MPI's int.
constexpr std::size_t kPiece = std::size_t(1) << 28;

void Check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

//! values[i] = the sum over ranks of values[i], in pieces whose counts fit an int.
template <typename Integer> void AllreduceSum(Integer* values, std::size_t count, MPI_Datatype type) {
  for (std::size_t done = 0; done < count; done += kPiece)
    Check(MPI_Allreduce(MPI_IN_PLACE, values + done, static_cast<int>(std::min(kPiece, count - done)),
                        type, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce (sum)");
}

}  // namespace

bool LaunchedByMpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name)) return true;
  return false;
}

MpiCommunicator::MpiCommunicator(int* argc, char*** argv) {
  // Only the thread that made the communicator calls MPI (OpenMP regions never do).
  int provided = 0;
  Check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  // Errors end the job rather than return codes the collectives of other ranks cannot see.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiCommunicator::~MpiCommunicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void MpiCommunicator::SumInPlace(std::int64_t* values, std::size_t count) {
  const double start = Arrive();
  AllreduceSum(values, count, MPI_INT64_T);
  Count(start);
}

void MpiCommunicator::SumInPlace(std::int32_t* values, std::size_t count) {
  const double start = Arrive();
  AllreduceSum(values, count, MPI_INT32_T);
  Count(start);
}

void MpiCommunicator::MaxInPlace(double* values, std::size_t count) {
  const double start = Arrive();
  for (std::size_t i = 0; i < count; ++i)
    if (std::isnan(values[i])) values[i] = std::numeric_limits<double>::infinity();
  for (std::size_t done = 0; done < count; done += kPiece)
    Check(MPI_Allreduce(MPI_IN_PLACE, values + done, static_cast<int>(std::min(kPiece, count - done)),
                        MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD),
          "MPI_Allreduce (max)");
  Count(start);
}

std::vector<double> MpiCommunicator::GatherAll(const std::vector<double>& mine) {
  const double start = Arrive();
  if (mine.size() > static_cast<std::size_t>(INT_MAX))
    throw std::invalid_argument("MpiCommunicator::GatherAll(): too many values");
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(size_), offsets(size_, 0);
  Check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD),
        "MPI_Allgather");
  long long total = 0;
  for (int r = 0; r < size_; ++r) {
    if (total > INT_MAX) throw std::invalid_argument("MpiCommunicator::GatherAll(): too many values");
    offsets[r] = static_cast<int>(total);
    total += counts[r];
  }
  std::vector<double> all(static_cast<std::size_t>(total));
  Check(MPI_Allgatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), offsets.data(),
                       MPI_DOUBLE, MPI_COMM_WORLD),
        "MPI_Allgatherv");
  Count(start);
  return all;
}

std::vector<std::string> MpiCommunicator::GatherToRoot(const std::string& mine) {
  const double start = Arrive();
  if (mine.size() > static_cast<std::size_t>(INT_MAX))
    throw std::invalid_argument("MpiCommunicator::GatherToRoot(): the text is too long");
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(size_), offsets(size_, 0);
  Check(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  long long total = 0;
  if (rank_ == 0)
    for (int r = 0; r < size_; ++r) {
      if (total > INT_MAX) throw std::invalid_argument("MpiCommunicator::GatherToRoot(): too long");
      offsets[r] = static_cast<int>(total);
      total += counts[r];
    }
  std::string all(static_cast<std::size_t>(total), '\0');
  Check(MPI_Gatherv(mine.data(), count, MPI_CHAR, all.data(), counts.data(), offsets.data(),
                    MPI_CHAR, 0, MPI_COMM_WORLD),
        "MPI_Gatherv");
  std::vector<std::string> texts;
  if (rank_ == 0)
    for (int r = 0; r < size_; ++r) texts.push_back(all.substr(offsets[r], counts[r]));
  Count(start);
  return texts;
}

void MpiCommunicator::Broadcast(std::string& value, int root) {
  const double start = Arrive();
  unsigned long long length = value.size();
  Check(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD), "MPI_Bcast");
  if (length > static_cast<unsigned long long>(INT_MAX))
    throw std::invalid_argument("MpiCommunicator::Broadcast(): the text is too long");
  value.resize(static_cast<std::size_t>(length));
  Check(MPI_Bcast(value.data(), static_cast<int>(length), MPI_CHAR, root, MPI_COMM_WORLD),
        "MPI_Bcast");
  Count(start);
}

bool MpiCommunicator::Any(bool mine) {
  const double start = Arrive();
  int value = mine ? 1 : 0;
  Check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD),
        "MPI_Allreduce (or)");
  Count(start);
  return value != 0;
}

double MpiCommunicator::Arrive() {
  const double start = MPI_Wtime();
  Check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
  waitSeconds_ += MPI_Wtime() - start;
  return start;
}

void MpiCommunicator::Count(double start) { seconds_ += MPI_Wtime() - start; }

void MpiCommunicator::Abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);  // MPI_Abort does not return; in case it does
}

}  // namespace dn
