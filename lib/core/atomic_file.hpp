// Atomic file output: every file the toolkit writes appears either complete or not at all.
//
// The content goes to a uniquely named temporary file in the destination's directory
// (`path + ".tmp-XXXXXXXXXXXX"`), which is flushed, checked, closed and synced to the disk
// (fsync), then renamed over `path`. A crash or an error part-way leaves the previous `path` (if
// any) untouched, and after a power cut `path` is the old file or the complete new one. (Whether
// the rename itself survives a power cut depends on syncing the directory, SyncToDisk(), which
// writers of whole directories such as checkpoints do once at the end.)
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace dn {

//! Writes a file atomically. `write` receives a binary output stream to fill. On any failure
//! (the temporary file cannot be created, the stream goes bad, the rename fails) the temporary
//! file is removed and std::runtime_error naming `path` is thrown; an exception thrown by `write`
//! itself is passed on unchanged after the same clean-up.
void WriteFileAtomically(const std::string& path, const std::function<void(std::ostream&)>& write);

//! Writes `text` to `path` atomically (as bytes, no newline translation).
void WriteTextFileAtomically(const std::string& path, const std::string& text);

//! Flushes a file's or a directory's contents to the disk (fsync): after a rename or the
//! creation of entries, syncing their directory makes the new names durable. Throws
//! std::runtime_error naming `path` when it cannot be opened or synced.
void SyncToDisk(const std::string& path);

}  // namespace dn
