// BLAKE3 of one file on several cores, the same id `b3sum` prints.
//
// BLAKE3 is a tree over 1 KiB chunks, so a file splits into blocks of 2^k chunks whose subtrees
// can be hashed independently. Threads take blocks in file order from a shared counter (the
// reads stay near-sequential, which readahead needs), read each with pread into a buffer that
// fits in their cache, and reduce its chunks to one chaining value. Values are merged in file
// order on a stack, as BLAKE3's own incremental hasher merges chunks; a bounded window keeps
// a thread from running far ahead of the merge. The compression functions (with their
// SSE/AVX kernels) are BLAKE3's own C implementation.
//
// Blocks that are not in the page cache are read with O_DIRECT (when the job allows it): the disk
// writes straight into the thread's buffer, so a cold file costs neither a copy nor page-cache
// pages, and reading a large dataset does not push everything else out of the cache. Cached
// blocks are copied from the cache as before.
#define _GNU_SOURCE
#include "tree-hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blake3.h"
#include "blake3_impl.h"

#define WINDOW 64          // blocks hashed ahead of the merge, at most
#define MAX_THREADS 64
#define MAX_PARENTS 128    // parents hashed in one blake3_hash_many call
#define DIRECT_ALIGN 4096  // offset, length and buffer alignment that O_DIRECT accepts on any disk
#define HUGE_PAGE (2u << 20)

#ifndef SYS_cachestat
#define SYS_cachestat 451  // the same number on every architecture (Linux 6.5)
#endif

typedef struct {
  const tree_hash_job *job;
  int direct_fd;          // the same file opened with O_DIRECT, or -1
  uint64_t blocks;
  size_t block_bytes;
  _Atomic uint64_t next_block;

  pthread_mutex_t lock;
  pthread_cond_t merged;  // signalled when the merge moves on, or on an error
  uint64_t next_merge;    // the block whose value the stack takes next
  uint8_t window[WINDOW][32];
  bool ready[WINDOW];
  uint8_t stack[64][32];  // chaining values of complete subtrees, left to right
  int stack_len;
  uint8_t last[32];       // the last block's value, merged at the end
  uint64_t short_at;      // the smallest end of a short read, or UINT64_MAX
  int error;
} tree_state;

static void parent_cv(const uint8_t left[32], const uint8_t right[32], uint8_t out[32]) {
  uint8_t block[BLAKE3_BLOCK_LEN];
  memcpy(block, left, 32);
  memcpy(block + 32, right, 32);
  uint32_t cv[8];
  memcpy(cv, IV, sizeof cv);
  blake3_compress_in_place(cv, block, BLAKE3_BLOCK_LEN, 0, PARENT);
  memcpy(out, cv, 32);
}

// Pairs neighbours level by level until one value is left; an odd last value moves up
// unchanged. That is BLAKE3's tree: the left subtree always holds the largest power of two.
static void reduce(uint8_t *cvs, size_t n) {
  const uint8_t *inputs[MAX_PARENTS];
  while (n > 1) {
    size_t pairs = n / 2;
    for (size_t done = 0; done < pairs;) {
      size_t batch = pairs - done < MAX_PARENTS ? pairs - done : MAX_PARENTS;
      for (size_t i = 0; i < batch; i++) inputs[i] = cvs + (done + i) * 64;
      // Outputs overwrite inputs already read: output i lands on input i's first half or earlier.
      uint8_t out[MAX_PARENTS * 32];
      blake3_hash_many(inputs, batch, 1, IV, 0, false, PARENT, 0, 0, out);
      memcpy(cvs + done * 32, out, batch * 32);
      done += batch;
    }
    if (n & 1) memmove(cvs + pairs * 32, cvs + (n - 1) * 32, 32);
    n = pairs + (n & 1);
  }
}

// The chaining value of `len` bytes read from `offset`: full chunks many at a time, then a
// partial last chunk block by block.
static void block_cv(const uint8_t *bytes, size_t len, uint64_t offset, uint8_t *cvs, const uint8_t **inputs, uint8_t out[32]) {
  size_t full = len / BLAKE3_CHUNK_LEN;
  size_t rest = len % BLAKE3_CHUNK_LEN;
  uint64_t first_chunk = offset / BLAKE3_CHUNK_LEN;
  for (size_t i = 0; i < full; i++) inputs[i] = bytes + i * BLAKE3_CHUNK_LEN;
  blake3_hash_many(inputs, full, BLAKE3_CHUNK_LEN / BLAKE3_BLOCK_LEN, IV, first_chunk, true, 0, CHUNK_START, CHUNK_END, cvs);
  size_t n = full;
  if (rest > 0) {
    uint32_t cv[8];
    memcpy(cv, IV, sizeof cv);
    const uint8_t *p = bytes + full * BLAKE3_CHUNK_LEN;
    uint8_t flags = CHUNK_START;
    for (; rest > BLAKE3_BLOCK_LEN; p += BLAKE3_BLOCK_LEN, rest -= BLAKE3_BLOCK_LEN, flags = 0)
      blake3_compress_in_place(cv, p, BLAKE3_BLOCK_LEN, first_chunk + full, flags);
    uint8_t tail[BLAKE3_BLOCK_LEN] = {0};
    memcpy(tail, p, rest);
    blake3_compress_in_place(cv, tail, (uint8_t)rest, first_chunk + full, flags | CHUNK_END);
    memcpy(cvs + n * 32, cv, 32);
    n++;
  }
  reduce(cvs, n);
  memcpy(out, cvs, 32);
}

// Pushes block `index`'s value as BLAKE3's hasher pushes a chunk's: each trailing zero bit of
// the new count completes a subtree whose left half is on top of the stack.
static void push_block(tree_state *s, const uint8_t cv[32], uint64_t count) {
  uint8_t value[32];
  memcpy(value, cv, 32);
  for (; (count & 1) == 0; count >>= 1) parent_cv(s->stack[--s->stack_len], value, value);
  memcpy(s->stack[s->stack_len++], value, 32);
}

// Hands a finished block to the merge; the thread holding the next one in order merges all
// that are ready.
static void deliver(tree_state *s, uint64_t index, const uint8_t cv[32]) {
  pthread_mutex_lock(&s->lock);
  if (index == s->blocks - 1) {
    memcpy(s->last, cv, 32);
  } else {
    memcpy(s->window[index % WINDOW], cv, 32);
    s->ready[index % WINDOW] = true;
  }
  bool moved = false;
  while (s->next_merge < s->blocks - 1 && s->ready[s->next_merge % WINDOW]) {
    s->ready[s->next_merge % WINDOW] = false;
    push_block(s, s->window[s->next_merge % WINDOW], s->next_merge + 1);
    s->next_merge++;
    moved = true;
  }
  if (moved) pthread_cond_broadcast(&s->merged);
  pthread_mutex_unlock(&s->lock);
}

static bool wait_for_window(tree_state *s, uint64_t index) {
  pthread_mutex_lock(&s->lock);
  while (index >= s->next_merge + WINDOW && s->error == 0 && s->short_at == UINT64_MAX)
    pthread_cond_wait(&s->merged, &s->lock);
  bool go_on = s->error == 0 && s->short_at == UINT64_MAX;
  pthread_mutex_unlock(&s->lock);
  return go_on;
}

static void stop_with(tree_state *s, int error, uint64_t short_at) {
  pthread_mutex_lock(&s->lock);
  if (error && !s->error) s->error = error;
  if (short_at < s->short_at) s->short_at = short_at;
  pthread_cond_broadcast(&s->merged);
  pthread_mutex_unlock(&s->lock);
}

// Linux's cachestat (6.5): how many of a range's pages are in the page cache.
struct cachestat_range { uint64_t off, len; };
struct cachestat_counts { uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted; };

static bool all_cached(int fd, uint64_t offset, size_t len) {
  struct cachestat_range range = {offset, len};
  struct cachestat_counts counts;
  // Unknown (older kernel, seccomp): read through the cache as any program would.
  if (syscall(SYS_cachestat, fd, &range, &counts, 0) != 0) return true;
  uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  uint64_t pages = (offset + len + page - 1) / page - offset / page;
  return counts.nr_cache >= pages;
}

// Reads [offset, offset + want) into buffer; returns the bytes found (fewer at the file's end),
// or -1 with errno. `direct_fd` is cleared when the file system refuses O_DIRECT.
static ssize_t read_block(int fd, int *direct_fd, uint8_t *buffer, size_t want, uint64_t offset) {
  size_t got = 0;
  if (*direct_fd >= 0 && offset % DIRECT_ALIGN == 0 && !all_cached(fd, offset, want)) {
    size_t aligned = (want + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN;
    while (got < want) {
      ssize_t n = pread(*direct_fd, buffer + got, aligned - got, (off_t)(offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EINVAL) {
        *direct_fd = -1;  // this file system takes no O_DIRECT reads: the rest goes through the cache
        break;
      }
      if (n < 0) return -1;
      if (n == 0) return (ssize_t)got;
      got += (size_t)n;
      if (got % DIRECT_ALIGN != 0) break;  // a short read: finish through the cache
    }
    if (got >= want) return (ssize_t)want;  // bytes past `want` mean the file grew: checked at the end
  }
  while (got < want) {
    ssize_t n = pread(fd, buffer + got, want - got, (off_t)(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

// A thread's buffer for one block. For direct reads it sits on transparent huge pages where the
// kernel allows: a direct read becomes a request per physically contiguous piece of the buffer,
// and with 4 KiB pages a disk that takes at most a few hundred pieces per request sees 1 MiB
// requests (half the throughput of 4 MiB ones on this machine's disk).
static uint8_t *read_buffer(size_t block_bytes, bool direct) {
  size_t bytes = (block_bytes + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN;
  if (!direct || bytes < HUGE_PAGE) return aligned_alloc(DIRECT_ALIGN, bytes);
  bytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
  uint8_t *buffer = aligned_alloc(HUGE_PAGE, bytes);
  if (buffer) madvise(buffer, bytes, MADV_HUGEPAGE);  // advice only: a refusal leaves small pages
  return buffer;
}

static void *hash_blocks(void *arg) {
  tree_state *s = arg;
  const tree_hash_job *job = s->job;
  size_t chunks = job->block_chunks;
  int direct_fd = s->direct_fd;
  uint8_t *buffer = read_buffer(s->block_bytes, direct_fd >= 0);
  uint8_t *cvs = malloc(chunks * 32);
  const uint8_t **inputs = malloc(chunks * sizeof *inputs);
  if (!buffer || !cvs || !inputs) {
    stop_with(s, ENOMEM, UINT64_MAX);
    goto done;
  }
  for (;;) {
    uint64_t index = atomic_fetch_add(&s->next_block, 1);
    if (index >= s->blocks || !wait_for_window(s, index)) break;
    uint64_t offset = index * s->block_bytes;
    size_t want = offset + s->block_bytes > job->size ? (size_t)(job->size - offset) : s->block_bytes;
    ssize_t read = read_block(job->fd, &direct_fd, buffer, want, offset);
    if (read < 0) {
      stop_with(s, errno, UINT64_MAX);
      break;
    }
    size_t got = (size_t)read;
    if (got < want) {
      stop_with(s, 0, offset + got);
      break;
    }
    uint8_t cv[32];
    block_cv(buffer, got, offset, cvs, inputs, cv);
    deliver(s, index, cv);
    if (job->bytes_done) atomic_fetch_add(job->bytes_done, got);
  }
done:
  free(buffer);
  free(cvs);
  free(inputs);
  return NULL;
}

// A file of one block or less: BLAKE3's own hasher, on this thread.
static void hash_small(const tree_hash_job *job, tree_hash_result *result) {
  uint8_t *buffer = malloc(job->size ? job->size : 1);
  if (!buffer) {
    result->error = ENOMEM;
    return;
  }
  size_t got = 0;
  while (got < job->size) {
    ssize_t n = pread(job->fd, buffer + got, job->size - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      result->error = errno;
      break;
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  result->bytes = got;
  blake3_hasher hasher;
  blake3_hasher_init(&hasher);
  blake3_hasher_update(&hasher, buffer, got);
  blake3_hasher_finalize(&hasher, result->hash, 32);
  if (job->bytes_done) atomic_fetch_add(job->bytes_done, got);
  free(buffer);
}

// One more byte past the expected end means the file grew since it was listed.
static bool grew(int fd, uint64_t size) {
  uint8_t probe;
  ssize_t n;
  do n = pread(fd, &probe, 1, (off_t)size);
  while (n < 0 && errno == EINTR);
  return n > 0;
}

// The open file again, with O_DIRECT: through /proc, so it is the same file even if its name
// has moved on. -1 where that is not possible; the cache is then used throughout.
static int open_direct(int fd) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
}

void tree_hash_file(const tree_hash_job *job, tree_hash_result *result) {
  memset(result, 0, sizeof *result);
  size_t block_bytes = (size_t)job->block_chunks * BLAKE3_CHUNK_LEN;
  if (job->size <= block_bytes) {
    hash_small(job, result);
  } else {
    tree_state *s = calloc(1, sizeof *s);
    if (!s) {
      result->error = ENOMEM;
      return;
    }
    s->job = job;
    s->direct_fd = job->direct_reads ? open_direct(job->fd) : -1;
    s->block_bytes = block_bytes;
    s->blocks = (job->size + block_bytes - 1) / block_bytes;
    s->short_at = UINT64_MAX;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->merged, NULL);
    int threads = job->threads < 1 ? 1 : job->threads > MAX_THREADS ? MAX_THREADS : job->threads;
    pthread_t helpers[MAX_THREADS];
    int started = 0;
    for (; started < threads - 1; started++)
      if (pthread_create(&helpers[started], NULL, hash_blocks, s) != 0) break;
    hash_blocks(s);
    for (int i = 0; i < started; i++) pthread_join(helpers[i], NULL);

    result->error = s->error;
    result->bytes = s->short_at != UINT64_MAX ? s->short_at : job->size;
    if (!s->error && s->short_at == UINT64_MAX) {
      // The last block is the right edge of the tree; the stack's top-most merge is the root.
      uint8_t value[32];
      memcpy(value, s->last, 32);
      for (int i = s->stack_len - 1; i > 0; i--) parent_cv(s->stack[i], value, value);
      uint8_t block[BLAKE3_BLOCK_LEN], out[64];
      memcpy(block, s->stack[0], 32);
      memcpy(block + 32, value, 32);
      blake3_compress_xof(IV, block, BLAKE3_BLOCK_LEN, 0, PARENT | ROOT, out);
      memcpy(result->hash, out, 32);
    }
    if (s->direct_fd >= 0) close(s->direct_fd);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->merged);
    free(s);
  }
  if (!result->error && result->bytes == job->size && grew(job->fd, job->size)) result->bytes = job->size + 1;
}
