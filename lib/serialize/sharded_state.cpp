#include "serialize/sharded_state.hpp"

#include <stdexcept>
#include <vector>

namespace dn {
namespace {

const char* const kImageParts[] = {"image", "maps", "outputs", "switches"};

//! Where the image index of `name` starts and how long it is; false for a shared entry.
bool FindImageIndex(const std::string& name, std::size_t& start, std::size_t& length) {
  std::size_t begin = 0;
  while (begin < name.size()) {
    const std::size_t slash = name.find('/', begin);
    if (slash == std::string::npos) return false;
    const std::string part = name.substr(begin, slash - begin);
    std::size_t end = name.find('/', slash + 1);
    if (end == std::string::npos) end = name.size();
    bool digits = end > slash + 1;
    for (std::size_t i = slash + 1; i < end; ++i) digits = digits && name[i] >= '0' && name[i] <= '9';
    for (const char* image : kImageParts)
      if (part == image && digits) {
        start = slash + 1;
        length = end - start;
        return true;
      }
    begin = slash + 1;
  }
  return false;
}

bool IsImageCount(const std::string& name) {
  return name == "images" ||
         (name.size() > 7 && name.compare(name.size() - 7, 7, "/images") == 0);
}

//! Renames (or drops) the entries of one map of `state` by `rename`: it returns false to drop
//! an entry, or sets its new name.
template <typename Map, typename Rename> void RenameEntries(Map& entries, Rename rename) {
  Map renamed;
  while (!entries.empty()) {
    auto node = entries.extract(entries.begin());
    std::string name;
    if (!rename(node.key(), name)) continue;
    node.key() = name;
    renamed.insert(std::move(node));
  }
  entries.swap(renamed);
}

template <typename T, typename Rename> void RenameState(SavedState<T>& state, Rename rename) {
  RenameEntries(state.arrays, rename);
  RenameEntries(state.complexArrays, rename);
  RenameEntries(state.numbers, rename);
}

}  // namespace

bool ImageOfEntry(const std::string& name, std::size_t& image) {
  std::size_t start = 0, length = 0;
  if (!FindImageIndex(name, start, length)) return false;
  image = std::stoull(name.substr(start, length));
  return true;
}

template <typename T>
SavedState<T> ToRunWide(SavedState<T> local, std::size_t first, std::size_t total,
                        bool withShared) {
  RenameState(local, [&](const std::string& name, std::string& renamed) {
    std::size_t start = 0, length = 0;
    if (!FindImageIndex(name, start, length)) {
      renamed = name;
      return withShared;
    }
    const std::size_t image = std::stoull(name.substr(start, length)) + first;
    renamed = name.substr(0, start) + std::to_string(image) + name.substr(start + length);
    return true;
  });
  for (auto& [name, value] : local.numbers)
    if (IsImageCount(name)) value = static_cast<double>(total);
  return local;
}

template <typename T>
SavedState<T> ToShard(SavedState<T> global, std::size_t begin, std::size_t end,
                      std::size_t total) {
  for (const auto& [name, value] : global.numbers)
    if (IsImageCount(name) && value != static_cast<double>(total))
      throw std::runtime_error("the checkpoint holds " + std::to_string(std::size_t(value)) +
                               " training images, the run " + std::to_string(total));
  RenameState(global, [&](const std::string& name, std::string& renamed) {
    std::size_t start = 0, length = 0;
    if (!FindImageIndex(name, start, length)) {
      renamed = name;
      return true;
    }
    const std::size_t image = std::stoull(name.substr(start, length));
    if (image < begin || image >= end) return false;
    renamed = name.substr(0, start) + std::to_string(image - begin) + name.substr(start + length);
    return true;
  });
  for (auto& [name, value] : global.numbers)
    if (IsImageCount(name)) value = static_cast<double>(end - begin);
  return global;
}

template SavedState<float> ToRunWide(SavedState<float>, std::size_t, std::size_t, bool);
template SavedState<double> ToRunWide(SavedState<double>, std::size_t, std::size_t, bool);
template SavedState<float> ToShard(SavedState<float>, std::size_t, std::size_t, std::size_t);
template SavedState<double> ToShard(SavedState<double>, std::size_t, std::size_t, std::size_t);

}  // namespace dn
