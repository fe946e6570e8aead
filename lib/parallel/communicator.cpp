#include "parallel/communicator.hpp"

#include <cstdlib>
#include <stdexcept>

#include "core/threads.hpp"

namespace dn {
namespace {

std::unique_ptr<Communicator>& World() {
  static std::unique_ptr<Communicator> world = std::make_unique<SerialCommunicator>();
  return world;
}

}  // namespace

void SerialCommunicator::Abort(int code) { std::exit(code); }

Communicator& SerialCommunication() {
  static SerialCommunicator serial;
  return serial;
}

Communicator& WorldCommunicator() { return *World(); }

void SetWorldCommunicator(std::unique_ptr<Communicator> communicator) {
  if (!communicator) throw std::invalid_argument("SetWorldCommunicator(): null communicator");
  World() = std::move(communicator);
}

void ShardRange(std::size_t count, int rank, int ranks, std::size_t& begin, std::size_t& end) {
  if (ranks < 1 || rank < 0 || rank >= ranks)
    throw std::invalid_argument("ShardRange(): bad rank " + std::to_string(rank) + " of " +
                                std::to_string(ranks));
  if (count < static_cast<std::size_t>(ranks))
    throw std::invalid_argument(std::to_string(ranks) + " ranks need at least as many training " +
                                "images, not " + std::to_string(count));
  ThreadRange(count, rank, ranks, begin, end);
}

}  // namespace dn
