// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.
//
// System calls and macros that Swift cannot reach directly: openat2 (no glibc wrapper on
// Debian 12), makedev/major/minor (macros), and ISA-L's level buffer sizes (macro expressions).
#ifndef HOIST_CLAYERSUPPORT_H
#define HOIST_CLAYERSUPPORT_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/xattr.h>

/// O_PATH (Linux), which Glibc does not export to Swift without _GNU_SOURCE.
#define HOIST_O_PATH 010000000

/// Resolution flags of openat2(2), mirrored so Swift need not include <linux/openat2.h>.
#define HOIST_RESOLVE_NO_XDEV 0x01
#define HOIST_RESOLVE_NO_MAGICLINKS 0x02
#define HOIST_RESOLVE_NO_SYMLINKS 0x04
#define HOIST_RESOLVE_BENEATH 0x08
#define HOIST_RESOLVE_IN_ROOT 0x10

/// openat2(2). Returns a file descriptor, or -1 with errno set (ENOSYS when the kernel lacks it).
int hoist_openat2(int dirfd, const char *path, int flags, unsigned int mode, uint64_t resolve);

/// makedev(3), major(3), minor(3).
uint64_t hoist_makedev(uint32_t major, uint32_t minor);
uint32_t hoist_major(uint64_t dev);
uint32_t hoist_minor(uint64_t dev);

/// The default `level_buf` size ISA-L wants for a compression level (0 to 3), or 0 for others.
uint32_t hoist_isal_level_buffer_size(int level);

#endif
