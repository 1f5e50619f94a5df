// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

#define _GNU_SOURCE
#include "clayersupport.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>

int hoist_openat2(int dirfd, const char *path, int flags, unsigned int mode, uint64_t resolve) {
#ifdef SYS_openat2
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned int)flags;
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = resolve;
    long result;
    do {
        result = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    } while (result < 0 && (errno == EINTR || errno == EAGAIN));
    return (int)result;
#else
    (void)dirfd; (void)path; (void)flags; (void)mode; (void)resolve;
    errno = ENOSYS;
    return -1;
#endif
}

uint64_t hoist_makedev(uint32_t major, uint32_t minor) { return (uint64_t)makedev(major, minor); }
uint32_t hoist_major(uint64_t dev) { return (uint32_t)major((dev_t)dev); }
uint32_t hoist_minor(uint64_t dev) { return (uint32_t)minor((dev_t)dev); }

uint32_t hoist_isal_level_buffer_size(int level) {
    switch (level) {
    case 0: return ISAL_DEF_LVL0_DEFAULT;
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return 0;
    }
}
