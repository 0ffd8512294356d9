// BLAKE3 of a region of an open file, hashed by several threads at once.
#ifndef RAILYARD_TREE_HASH_H
#define RAILYARD_TREE_HASH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
  int fd;
  uint64_t size;          // bytes expected: the listed size
  int threads;            // 1 or more
  uint32_t block_chunks;  // chunks of 1 KiB per unit of work, a power of two
  bool direct_reads;      // read blocks that are not in the page cache with O_DIRECT
  _Atomic uint64_t *bytes_done;  // progress, may be NULL
} tree_hash_job;

typedef struct {
  uint8_t hash[32];
  uint64_t bytes;  // bytes found: size when the file still has exactly that many
  int error;       // an errno from pread, 0 when none
} tree_hash_result;

// Hashes bytes [0, size) of job->fd. When the file ends early or goes on past size,
// result->bytes says what was found and hash is not meaningful.
void tree_hash_file(const tree_hash_job *job, tree_hash_result *result);

#endif
