// lstat for a listing: the syscall and a few bytes of text per file, where Node's lstatSync with
// BigInt fields also allocates a stats object and its BigInts (about twice the time per file).
#define _GNU_SOURCE
#include "stat-files.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

// Lower-case hex of a signed 128-bit value, '-' first when negative, as BigInt's toString(16).
static size_t put_hex(char *out, __int128 value) {
  size_t n = 0;
  unsigned __int128 magnitude = value < 0 ? -(unsigned __int128)value : (unsigned __int128)value;
  if (value < 0) out[n++] = '-';
  char digits[33];
  size_t d = 0;
  do {
    digits[d++] = "0123456789abcdef"[magnitude & 15];
    magnitude >>= 4;
  } while (magnitude);
  while (d) out[n++] = digits[--d];
  return n;
}

int stat_file(const char *path, double *size, char marker[MARKER_MAX]) {
  struct stat st;
  if (lstat(path, &st) != 0) return errno == ENOENT || errno == ENOTDIR ? 1 : errno;
  if (!S_ISREG(st.st_mode)) return 1;
  __int128 mtime_ns = (__int128)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  size_t n = put_hex(marker, mtime_ns);
  marker[n++] = '-';
  n += put_hex(marker + n, (__int128)st.st_size);
  marker[n++] = '-';
  n += put_hex(marker + n, (__int128)(unsigned long long)st.st_ino);
  marker[n] = 0;
  *size = (double)st.st_size;
  return 0;
}
