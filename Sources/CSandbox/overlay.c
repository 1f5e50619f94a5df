/* Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0. */

/*
 * Overlay mounts for the build engine's stage roots. These run in the caller (a normal, multi-threaded process),
 * not after fork, so they may use anything; they are C because the new mount API has no libc wrappers here.
 */

#define _GNU_SOURCE
#include "csandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG 0
#endif
#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_STRING 1
#endif
#ifndef FSCONFIG_CMD_CREATE
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH_OVERLAY
#define MOVE_MOUNT_F_EMPTY_PATH_OVERLAY 0x00000004
#endif

static const char *const fixed_options[][2] = {
    {"redirect_dir", "off"}, {"metacopy", "off"}, {"index", "off"}, {"xino", "off"},
};

/* Copies the kernel's log messages for this fs context into `detail`. */
static void read_log(int fs, char *detail, int detail_size) {
    if (detail == NULL || detail_size <= 0) return;
    detail[0] = '\0';
    char line[512];
    int used = 0;
    for (;;) {
        ssize_t n = read(fs, line, sizeof(line) - 1);
        if (n <= 0) break;
        line[n] = '\0';
        int written = snprintf(detail + used, (size_t)(detail_size - used), "%s%s", used ? "; " : "", line);
        if (written < 0 || written >= detail_size - used) break;
        used += written;
    }
}

static int mount_new_api(const char *target, const char *const *lowers, int lower_count, const char *upper,
                         const char *work, char *detail, int detail_size) {
    int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0) return -errno;
    int result = 0;
    for (size_t i = 0; i < sizeof(fixed_options) / sizeof(fixed_options[0]); i++) {
        /* Older kernels may not know one of these; the defaults are then what we want anyway. */
        (void)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, fixed_options[i][0], fixed_options[i][1], 0);
    }
    for (int i = 0; i < lower_count && result == 0; i++) {
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) != 0) result = -errno;
    }
    if (result == 0 && upper != NULL) {
        /* A step's upper directory needs no durability (a crash leaves a workspace the next build removes), so
         * the overlay never syncs it: without `volatile`, every unmount syncs the whole upper filesystem. */
        (void)syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0);
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) != 0) result = -errno;
        if (result == 0 && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0) != 0) result = -errno;
    }
    if (result == 0 && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) result = -errno;
    if (result != 0) {
        read_log(fs, detail, detail_size);
        close(fs);
        return result;
    }
    int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, upper == NULL ? MOUNT_ATTR_RDONLY : 0);
    if (mnt < 0) {
        result = -errno;
        read_log(fs, detail, detail_size);
        close(fs);
        return result;
    }
    close(fs);
    if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH_OVERLAY) != 0) result = -errno;
    close(mnt);
    return result;
}

static int mount_legacy(const char *target, const char *const *lowers, int lower_count, const char *upper,
                        const char *work) {
    char options[4096];
    int used = snprintf(options, sizeof(options), "redirect_dir=off,index=off,lowerdir=");
    for (int i = 0; i < lower_count; i++) {
        int written = snprintf(options + used, sizeof(options) - (size_t)used, "%s%s", i ? ":" : "", lowers[i]);
        if (written < 0 || (size_t)written >= sizeof(options) - (size_t)used) return -E2BIG;
        used += written;
    }
    if (upper != NULL) {
        int written = snprintf(options + used, sizeof(options) - (size_t)used, ",upperdir=%s,workdir=%s", upper, work);
        if (written < 0 || (size_t)written >= sizeof(options) - (size_t)used) return -E2BIG;
    }
    unsigned long flags = upper == NULL ? MS_RDONLY : 0;
    if (mount("overlay", target, "overlay", flags, options) != 0) return -errno;
    return 0;
}

int csandbox_mount_overlay(const char *target, const char *const *lowers, int lower_count, const char *upper,
                           const char *work, char *detail, int detail_size) {
    if (detail != NULL && detail_size > 0) detail[0] = '\0';
    if (lower_count < 1 || (upper == NULL) != (work == NULL)) return -EINVAL;
    int result = mount_new_api(target, lowers, lower_count, upper, work, detail, detail_size);
    if (result == -ENOSYS || result == -EINVAL) {
        /* No new mount API, or a kernel without `lowerdir+` (before 6.8). */
        int legacy = mount_legacy(target, lowers, lower_count, upper, work);
        if (legacy == 0 || result == -ENOSYS) return legacy;
    }
    return result;
}

int csandbox_unmount(const char *target) {
    if (umount2(target, UMOUNT_NOFOLLOW) == 0) return 0;
    if (errno == EBUSY && umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) return 0;
    return -errno;
}

int csandbox_overlay_is_opaque(const char *path) {
    static const char *const names[] = {"trusted.overlay.opaque", "user.overlay.opaque"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char value = 0;
        if (lgetxattr(path, names[i], &value, 1) == 1 && value == 'y') return 1;
    }
    return 0;
}
