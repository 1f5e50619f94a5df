/* Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0. */

#ifndef HOIST_CSANDBOX_H
#define HOIST_CSANDBOX_H

/*
 * The sandbox's child side: everything between fork() and execve() is here, in C, and makes system calls only
 * (no allocation, no stdio, no Swift). See specs/sandbox.md for the process tree and the order of operations.
 *
 * Swift fills a `csandbox_config` (plain C strings and arrays it keeps alive for the duration of the call), calls
 * `csandbox_spawn` from the thread that will wait for the sandbox, and then reads `csandbox_record`s from the status
 * pipe until end of file.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds of extra mounts. */
enum csandbox_mount_kind {
    CSANDBOX_MOUNT_BIND = 1,  /* bind `source` (a host path) onto `target` */
    CSANDBOX_MOUNT_TMPFS = 2, /* a new tmpfs on `target`, options in `data` */
};

/* An extra mount; `target` is an absolute path inside the root. */
struct csandbox_mount {
    int kind;
    const char *source;
    const char *target;
    const char *data;
    int read_only;
};

/* Everything the child side needs; every pointer stays valid until csandbox_spawn returns. */
struct csandbox_config {
    const char *root;           /* host path of the root directory */
    const char *const *argv;    /* NULL-terminated; argv[0] is looked up in `search_path` unless it has a '/' */
    const char *const *envp;    /* NULL-terminated */
    const char *search_path;    /* PATH used for the lookup of argv[0] */
    const char *workdir;        /* absolute path inside the root; created (mode 0755, root-owned) when missing */
    const char *hostname;       /* NULL: keep the copied host name */
    uid_t uid;
    gid_t gid;
    const gid_t *groups;        /* supplementary groups */
    size_t group_count;
    int new_network;            /* 1: a new network namespace with only loopback up */
    const char *resolv_conf;    /* host file bound read-only on /etc/resolv.conf, or NULL */
    const char *hosts;          /* host file bound read-only on /etc/hosts, or NULL */
    const struct csandbox_mount *mounts;
    size_t mount_count;
    int stdout_fd;              /* -1: a pipe is created and returned */
    int stderr_fd;              /* -1: a pipe is created and returned */
};

/* What csandbox_spawn returns to the caller. */
struct csandbox_process {
    pid_t pid;      /* the monitor process (a direct child of the caller) */
    int pidfd;      /* a pidfd for `pid` */
    int stdout_fd;  /* read end, or -1 when the caller gave a descriptor */
    int stderr_fd;  /* read end, or -1 when the caller gave a descriptor */
    int status_fd;  /* read end of the status pipe: a stream of csandbox_record */
};

/* Record kinds on the status pipe. */
enum csandbox_record_kind {
    CSANDBOX_RECORD_SETUP_ERROR = 1,   /* `step` failed with `error` (errno) on `detail` */
    CSANDBOX_RECORD_EXITED = 2,        /* the command exited with status `value` */
    CSANDBOX_RECORD_SIGNALED = 3,      /* the command was killed by signal `value` */
    CSANDBOX_RECORD_CLEANUP_ERROR = 4, /* removing the mount point `detail` failed with `error` */
};

/* One status message; smaller than PIPE_BUF so each write is atomic. */
struct csandbox_record {
    int32_t kind;
    int32_t value;
    int32_t error;
    char step[64];
    char detail[1024];
};

/*
 * Forks the monitor process, which sets up the namespaces and runs the command as PID 1 of a new PID namespace.
 * Call it from the thread that will wait for the monitor: the monitor is sent SIGTERM when that thread exits.
 * Returns 0, or -errno when the pipes or the fork could not be made.
 */
int csandbox_spawn(const struct csandbox_config *config, struct csandbox_process *process);

/* Sends `signal` to the process behind `pidfd`. Returns 0 or -errno. */
int csandbox_pidfd_signal(int pidfd, int signal);

/* Waits for the monitor to exit and reaps it. Returns its wait status, or -errno. */
int csandbox_reap(pid_t pid);

/* Opens `path` for reading, resolved inside the directory `root_fd` as if it were `/` (openat2 RESOLVE_IN_ROOT). */
int csandbox_open_in_root(int root_fd, const char *path);

/* Whether this process may create mount, PID, UTS, IPC and network namespaces: 1 yes, 0 no. */
int csandbox_can_create_namespaces(void);

/*
 * Mounts an overlay filesystem at `target` in the caller's mount namespace. `lowers` are ordered top first.
 * With `upper` and `work` NULL the mount is read-only (at least two lowers are then needed). Uses the new mount
 * API (one `lowerdir+` per layer, no length limit) and falls back to mount(2) with a `lowerdir=a:b` string.
 * The overlay runs with redirect_dir, metacopy, index and xino off, so its upper directory is a plain layer diff,
 * and, with an upper directory, `volatile`: it never syncs the upper filesystem (a step needs no durability).
 * Returns 0 or -errno; `detail` (may be NULL) receives the kernel's message when it gives one.
 */
int csandbox_mount_overlay(const char *target, const char *const *lowers, int lower_count, const char *upper,
                           const char *work, char *detail, int detail_size);

/* Whether the directory `path` carries overlay's opaque mark (trusted. or user.overlay.opaque = "y"): 1 or 0. */
int csandbox_overlay_is_opaque(const char *path);

/* Unmounts `target`; lazily (MNT_DETACH) when it is busy. Returns 0 or -errno. */
int csandbox_unmount(const char *target);

#ifdef __cplusplus
}
#endif

#endif
