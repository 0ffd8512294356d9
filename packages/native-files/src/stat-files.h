// lstat of many files in one call, with the change marker the local datastore records.
#ifndef RAILYARD_STAT_FILES_H
#define RAILYARD_STAT_FILES_H

#include <stddef.h>

// The marker of a regular file, as JavaScript's `${mtimeNs.toString(16)}-${size.toString(16)}-${ino.toString(16)}`
// prints it from fs.lstat(..., { bigint: true }); `out` needs MARKER_MAX bytes.
#define MARKER_MAX 112

// lstat of `path`: 0 with `size` and `marker` set for a regular file; 1 when it is not one or is
// gone (ENOENT, ENOTDIR); otherwise the errno.
int stat_file(const char *path, double *size, char marker[MARKER_MAX]);

#endif
