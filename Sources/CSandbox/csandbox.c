/* Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0. */

/*
 * The sandbox's child side. Two processes run this code, both forked without running Swift:
 *
 *   caller (Swift, many threads)
 *     └─ monitor: new mount/UTS/IPC[/net] namespaces, unshares a PID namespace, waits, removes mount points
 *          └─ init (PID 1 of the new PID namespace): its own mount namespace, pivot_root, /proc /dev /sys,
 *             host files, extra mounts, user and groups, then execve of the command
 *
 * The caller is multi-threaded, so the monitor is made with _Fork (no atfork handlers) and both children call
 * only async-signal-safe functions: system calls and the pure string functions. Nothing here allocates.
 * See specs/sandbox.md.
 */

#define _GNU_SOURCE
#include "csandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* linux/mount.h clashes with glibc 2.36's sys/mount.h, so the new mount API's constants are spelled out here. */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_SYMLINKS
#define MOVE_MOUNT_T_SYMLINKS 0x00000010
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct hs_mount_attr {
    uint64_t attr_set;
    uint64_t attr_clr;
    uint64_t propagation;
    uint64_t userns_fd;
};

#define HS_MAX_MOUNTS 64
#define HS_MAX_CREATED 128
#define HS_PATH_MAX 4096

/* One mount point created in the root, to be removed after the command ends. */
struct hs_created {
    int is_dir;
    int has_parent_times;
    struct timespec parent_times[2];
    char path[HS_PATH_MAX];
};

/* Shared between init (writes while setting up) and the monitor (reads after init has exited). */
struct hs_created_list {
    int count;
    struct hs_created entries[HS_MAX_CREATED];
};

/* The files bound into the new /dev; each gets a bind of the host node. */
static const char *const hs_device_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
#define HS_DEVICE_COUNT 6

/* Monitor-only state for its signal handler. */
static volatile sig_atomic_t hs_init_pid = 0;
static volatile sig_atomic_t hs_cancelled = 0;

// MARK: - Small helpers

static void hs_copy(char *out, size_t capacity, const char *in) {
    size_t n = in ? strlen(in) : 0;
    if (n >= capacity) n = capacity - 1;
    if (n > 0) memcpy(out, in, n);
    out[n] = '\0';
}

/* out = a + "/" + b; returns -1 (ENAMETOOLONG) when it does not fit. */
static int hs_join(char *out, size_t capacity, const char *a, size_t a_len, const char *b) {
    size_t b_len = strlen(b);
    if (a_len + 1 + b_len + 1 > capacity) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(out, a, a_len);
    out[a_len] = '/';
    memcpy(out + a_len + 1, b, b_len + 1);
    return 0;
}

static void hs_send(int fd, int kind, int value, int error, const char *step, const char *detail) {
    struct csandbox_record record;
    memset(&record, 0, sizeof record);
    record.kind = kind;
    record.value = value;
    record.error = error;
    hs_copy(record.step, sizeof record.step, step);
    hs_copy(record.detail, sizeof record.detail, detail);
    ssize_t written;
    do {
        written = write(fd, &record, sizeof record);
    } while (written < 0 && errno == EINTR);
}

/* Reports a failed setup step with the current errno and exits. */
static _Noreturn void hs_fail(int status_fd, const char *step, const char *detail) {
    hs_send(status_fd, CSANDBOX_RECORD_SETUP_ERROR, 0, errno, step, detail);
    _exit(127);
}

static void hs_reset_signals(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        (void)sigaction(sig, &action, NULL);
    }
}

/* Closes every descriptor from 3 up except those in `keep` (at most 4). */
static void hs_close_all_but(const int *keep, int count) {
    int sorted[4];
    int n = 0;
    for (int i = 0; i < count && n < 4; i++) {
        if (keep[i] >= 3) sorted[n++] = keep[i];
    }
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            int t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    }
    unsigned int next = 3;
    for (int i = 0; i < n; i++) {
        if ((unsigned int)sorted[i] > next) (void)syscall(SYS_close_range, next, (unsigned int)sorted[i] - 1, 0);
        next = (unsigned int)sorted[i] + 1;
    }
    (void)syscall(SYS_close_range, next, ~0U, 0);
}

static int hs_clone_tree(const char *path, int recursive, int read_only) {
    unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, flags);
    if (fd < 0) return -1;
    if (read_only) {
        struct hs_mount_attr attr;
        memset(&attr, 0, sizeof attr);
        attr.attr_set = MOUNT_ATTR_RDONLY;
        unsigned int at = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
        if (syscall(SYS_mount_setattr, fd, "", at, &attr, sizeof attr) != 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
    }
    return fd;
}

/*
 * Attaches a detached tree on `target`. Without `follow`, a symbolic link at `target` is mounted over rather than
 * followed (the image's /etc/resolv.conf may be a dangling link); with it, the link is followed, inside the root.
 */
static int hs_attach_tree(int fd, const char *target, int follow) {
    unsigned int flags = MOVE_MOUNT_F_EMPTY_PATH | (follow ? MOVE_MOUNT_T_SYMLINKS : 0);
    return (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, target, flags);
}

// MARK: - Mount points

/* Records that `path` was created; `parent_times` are the parent's times from before, when known. */
static int hs_record(struct hs_created_list *list, const char *path, int is_dir, const struct stat *parent) {
    if (list->count >= HS_MAX_CREATED) {
        errno = ENOBUFS;
        return -1;
    }
    struct hs_created *entry = &list->entries[list->count++];
    entry->is_dir = is_dir;
    entry->has_parent_times = parent != NULL;
    if (parent) {
        entry->parent_times[0] = parent->st_atim;
        entry->parent_times[1] = parent->st_mtim;
    }
    hs_copy(entry->path, sizeof entry->path, path);
    return 0;
}

/*
 * Creates the absolute path `path` (inside the root: init has already pivoted) as a directory or an empty file, with
 * any missing parents, and records every component it created. Components that exist are left alone, whatever they
 * are; a symbolic link is followed by the kernel, which keeps the resolution inside the new root.
 */
static int hs_make_mount_point(struct hs_created_list *list, const char *path, int is_dir) {
    char buffer[HS_PATH_MAX];
    hs_copy(buffer, sizeof buffer, path);
    if (strlen(path) >= sizeof buffer) {
        errno = ENAMETOOLONG;
        return -1;
    }
    size_t length = strlen(buffer);
    while (length > 1 && buffer[length - 1] == '/') buffer[--length] = '\0';
    int created_any = 0;
    for (size_t i = 1; i <= length; i++) {
        if (buffer[i] != '/' && buffer[i] != '\0') continue;
        if (buffer[i - 1] == '/') continue; /* "//" */
        int last = buffer[i] == '\0';
        char saved = buffer[i];
        buffer[i] = '\0';
        struct stat parent;
        int have_parent = 0;
        if (!created_any) {
            /* The parent is buffer up to the previous slash. */
            char parent_path[HS_PATH_MAX];
            size_t cut = i - 1;
            while (cut > 0 && buffer[cut] != '/') cut--;
            if (cut == 0) {
                hs_copy(parent_path, sizeof parent_path, "/");
            } else {
                memcpy(parent_path, buffer, cut);
                parent_path[cut] = '\0';
            }
            have_parent = stat(parent_path, &parent) == 0;
        }
        int result;
        int made_dir = !last || is_dir;
        if (made_dir) {
            result = mkdir(buffer, 0755);
        } else {
            result = open(buffer, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
            if (result >= 0) {
                close(result);
                result = 0;
            }
        }
        if (result == 0) {
            if (hs_record(list, buffer, made_dir, have_parent ? &parent : NULL) != 0) return -1;
            created_any = 1;
        } else if (errno != EEXIST) {
            return -1;
        }
        buffer[i] = saved;
    }
    return 0;
}

// MARK: - Init (PID 1)

struct hs_sources {
    int devices[HS_DEVICE_COUNT];
    int sys;
    int resolv_conf;
    int hosts;
    int mounts[HS_MAX_MOUNTS];
    int mount_is_dir[HS_MAX_MOUNTS];
    int null_fd;
};

/* Opens, while the host's tree is still visible, everything init later attaches inside the root. */
static void hs_open_sources(const struct csandbox_config *c, struct hs_sources *s, int status_fd) {
    char path[64];
    for (int i = 0; i < HS_DEVICE_COUNT; i++) {
        hs_join(path, sizeof path, "/dev", 4, hs_device_nodes[i]);
        s->devices[i] = hs_clone_tree(path, 0, 0);
        if (s->devices[i] < 0) hs_fail(status_fd, "bind device", path);
    }
    s->sys = hs_clone_tree("/sys", 1, 1);
    s->resolv_conf = -1;
    s->hosts = -1;
    if (c->resolv_conf && (s->resolv_conf = hs_clone_tree(c->resolv_conf, 0, 1)) < 0)
        hs_fail(status_fd, "bind resolv.conf", c->resolv_conf);
    if (c->hosts && (s->hosts = hs_clone_tree(c->hosts, 0, 1)) < 0) hs_fail(status_fd, "bind hosts", c->hosts);
    for (size_t i = 0; i < c->mount_count; i++) {
        const struct csandbox_mount *m = &c->mounts[i];
        s->mounts[i] = -1;
        s->mount_is_dir[i] = 1;
        if (m->kind != CSANDBOX_MOUNT_BIND) continue;
        struct stat st;
        if (stat(m->source, &st) != 0) hs_fail(status_fd, "bind mount source", m->source);
        s->mount_is_dir[i] = S_ISDIR(st.st_mode);
        s->mounts[i] = hs_clone_tree(m->source, 1, m->read_only);
        if (s->mounts[i] < 0) hs_fail(status_fd, "bind mount", m->source);
    }
    s->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (s->null_fd < 0) hs_fail(status_fd, "open", "/dev/null");
}

/* Makes the root the process's `/`: pivot_root where possible, chroot where the kernel refuses to pivot. */
static void hs_enter_root(const struct csandbox_config *c, int status_fd) {
    int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    int new_root = open(c->root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (old_root < 0 || new_root < 0) hs_fail(status_fd, "open root", c->root);
    if (fchdir(new_root) != 0) hs_fail(status_fd, "chdir", c->root);
    /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new root. */
    if (syscall(SYS_pivot_root, ".", ".") == 0) {
        if (fchdir(old_root) != 0) hs_fail(status_fd, "chdir", "old root");
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) != 0) hs_fail(status_fd, "make old root private", "/");
        if (umount2(".", MNT_DETACH) != 0) hs_fail(status_fd, "detach old root", "/");
    } else if (errno == EINVAL) {
        /* The host's root is the initial ramfs, which cannot be pivoted away from. */
        if (chroot(".") != 0) hs_fail(status_fd, "chroot", c->root);
    } else {
        hs_fail(status_fd, "pivot_root", c->root);
    }
    if (chdir("/") != 0) hs_fail(status_fd, "chdir", "/");
    close(old_root);
    close(new_root);
}

static void hs_mount_dev(struct hs_created_list *list, const struct hs_sources *s, int status_fd) {
    if (hs_make_mount_point(list, "/dev", 1) != 0) hs_fail(status_fd, "create mount point", "/dev");
    if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k") != 0)
        hs_fail(status_fd, "mount tmpfs", "/dev");
    char path[64];
    for (int i = 0; i < HS_DEVICE_COUNT; i++) {
        hs_join(path, sizeof path, "/dev", 4, hs_device_nodes[i]);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0) hs_fail(status_fd, "create mount point", path);
        close(fd);
        if (hs_attach_tree(s->devices[i], path, 0) != 0) hs_fail(status_fd, "bind device", path);
    }
    if (mkdir("/dev/pts", 0755) != 0) hs_fail(status_fd, "mkdir", "/dev/pts");
    if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") != 0)
        hs_fail(status_fd, "mount devpts", "/dev/pts");
    if (mkdir("/dev/shm", 01777) != 0) hs_fail(status_fd, "mkdir", "/dev/shm");
    if (mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") != 0)
        hs_fail(status_fd, "mount tmpfs", "/dev/shm");
    static const char *const links[][2] = {
        {"/proc/self/fd", "/dev/fd"},
        {"/proc/self/fd/0", "/dev/stdin"},
        {"/proc/self/fd/1", "/dev/stdout"},
        {"/proc/self/fd/2", "/dev/stderr"},
        {"pts/ptmx", "/dev/ptmx"},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        if (symlink(links[i][0], links[i][1]) != 0) hs_fail(status_fd, "symlink", links[i][1]);
    }
}

static void hs_mount_system(const struct csandbox_config *c, struct hs_created_list *list, struct hs_sources *s,
                            int status_fd) {
    if (hs_make_mount_point(list, "/proc", 1) != 0) hs_fail(status_fd, "create mount point", "/proc");
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        hs_fail(status_fd, "mount proc", "/proc");
    hs_mount_dev(list, s, status_fd);
    if (hs_make_mount_point(list, "/sys", 1) != 0) hs_fail(status_fd, "create mount point", "/sys");
    /* A fresh sysfs shows the new network namespace's devices; a read-only bind of the host's is the fallback. */
    if (mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
        if (s->sys < 0 || hs_attach_tree(s->sys, "/sys", 1) != 0) hs_fail(status_fd, "mount sysfs", "/sys");
    }
    if (s->resolv_conf >= 0) {
        if (hs_make_mount_point(list, "/etc/resolv.conf", 0) != 0)
            hs_fail(status_fd, "create mount point", "/etc/resolv.conf");
        if (hs_attach_tree(s->resolv_conf, "/etc/resolv.conf", 0) != 0)
            hs_fail(status_fd, "bind resolv.conf", "/etc/resolv.conf");
    }
    if (s->hosts >= 0) {
        if (hs_make_mount_point(list, "/etc/hosts", 0) != 0) hs_fail(status_fd, "create mount point", "/etc/hosts");
        if (hs_attach_tree(s->hosts, "/etc/hosts", 0) != 0) hs_fail(status_fd, "bind hosts", "/etc/hosts");
    }
    (void)c;
}

static void hs_mount_extra(const struct csandbox_config *c, struct hs_created_list *list, struct hs_sources *s,
                           int status_fd) {
    for (size_t i = 0; i < c->mount_count; i++) {
        const struct csandbox_mount *m = &c->mounts[i];
        if (hs_make_mount_point(list, m->target, s->mount_is_dir[i]) != 0)
            hs_fail(status_fd, "create mount point", m->target);
        if (m->kind == CSANDBOX_MOUNT_BIND) {
            if (hs_attach_tree(s->mounts[i], m->target, 1) != 0) hs_fail(status_fd, "bind mount", m->target);
        } else {
            unsigned long flags = MS_NOSUID | MS_NODEV | (m->read_only ? MS_RDONLY : 0);
            if (mount("tmpfs", m->target, "tmpfs", flags, m->data) != 0) hs_fail(status_fd, "mount tmpfs", m->target);
        }
    }
}

/* Creates the working directory and its parents (root-owned, 0755); it stays in the root like WORKDIR's. */
static int hs_make_directories(const char *path) {
    char buffer[HS_PATH_MAX];
    if (strlen(path) >= sizeof buffer) {
        errno = ENAMETOOLONG;
        return -1;
    }
    hs_copy(buffer, sizeof buffer, path);
    size_t length = strlen(buffer);
    for (size_t i = 1; i <= length; i++) {
        if (buffer[i] != '/' && buffer[i] != '\0') continue;
        char saved = buffer[i];
        buffer[i] = '\0';
        if (mkdir(buffer, 0755) != 0 && errno != EEXIST) return -1;
        buffer[i] = saved;
    }
    return 0;
}

/* execve with argv[0] looked up in the sandbox's own PATH (execvpe would use the caller's). Returns on failure. */
static void hs_exec(const struct csandbox_config *c) {
    const char *file = c->argv[0];
    char *const *argv = (char *const *)c->argv;
    char *const *envp = (char *const *)c->envp;
    if (strchr(file, '/')) {
        execve(file, argv, envp);
        return;
    }
    const char *cursor = c->search_path;
    int saw_eacces = 0;
    char candidate[HS_PATH_MAX];
    for (;;) {
        const char *end = strchr(cursor, ':');
        size_t length = end ? (size_t)(end - cursor) : strlen(cursor);
        const char *directory = length ? cursor : ".";
        if (hs_join(candidate, sizeof candidate, directory, length ? length : 1, file) == 0) {
            execve(candidate, argv, envp);
            if (errno == EACCES) {
                saw_eacces = 1;
            } else if (errno != ENOENT && errno != ENOTDIR) {
                return;
            }
        }
        if (!end) break;
        cursor = end + 1;
    }
    errno = saw_eacces ? EACCES : ENOENT;
}

static _Noreturn void hs_init_main(const struct csandbox_config *c, struct hs_created_list *list, int status_fd,
                                   int out_fd, int err_fd, int lifeline) {
    hs_reset_signals();
    /* The monitor's death kills the whole namespace: init is its PID 1. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) hs_fail(status_fd, "prctl", "PR_SET_PDEATHSIG");
    struct pollfd check = {.fd = lifeline, .events = POLLIN};
    if (poll(&check, 1, 0) > 0 && (check.revents & (POLLHUP | POLLERR))) _exit(127);
    close(lifeline);
    umask(022);

    /* A mount namespace of its own, so pivot_root does not move the monitor. */
    if (unshare(CLONE_NEWNS) != 0) hs_fail(status_fd, "unshare", "mount namespace");
    struct hs_sources sources;
    if (c->mount_count > HS_MAX_MOUNTS) {
        errno = E2BIG;
        hs_fail(status_fd, "too many mounts", "");
    }
    hs_open_sources(c, &sources, status_fd);
    hs_enter_root(c, status_fd);
    hs_mount_system(c, list, &sources, status_fd);
    hs_mount_extra(c, list, &sources, status_fd);
    if (hs_make_directories(c->workdir) != 0) hs_fail(status_fd, "create working directory", c->workdir);

    /*
     * Raw system calls: glibc's set*id wrappers broadcast the change to every thread the caller had, and wait on a
     * lock another thread may have held at the moment of the fork. Init has one thread; the kernel call is enough.
     */
    if (syscall(SYS_setgroups, c->group_count, c->groups) != 0) hs_fail(status_fd, "setgroups", "");
    if (syscall(SYS_setresgid, c->gid, c->gid, c->gid) != 0) hs_fail(status_fd, "setgid", "");
    if (syscall(SYS_setresuid, c->uid, c->uid, c->uid) != 0) hs_fail(status_fd, "setuid", "");
    if (chdir(c->workdir) != 0) hs_fail(status_fd, "chdir", c->workdir);

    /* Standard descriptors: moved above 2 first, as a caller's descriptor may itself be 0, 1 or 2. */
    int in = fcntl(sources.null_fd, F_DUPFD_CLOEXEC, 10);
    int out = fcntl(out_fd, F_DUPFD_CLOEXEC, 10);
    int err = fcntl(err_fd, F_DUPFD_CLOEXEC, 10);
    if (in < 0 || out < 0 || err < 0) hs_fail(status_fd, "dup", "stdio");
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) hs_fail(status_fd, "dup2", "stdio");
    /* Everything else closes on exec, the status pipe included: its end of file tells the monitor exec worked. */
    (void)syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    hs_exec(c);
    hs_fail(status_fd, "exec", c->argv[0]);
}

// MARK: - Monitor

static void hs_on_terminate(int sig) {
    (void)sig;
    hs_cancelled = 1;
    pid_t child = hs_init_pid;
    if (child > 0) kill(child, SIGKILL);
}

static int hs_loopback_up(void) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -1;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    hs_copy(request.ifr_name, sizeof request.ifr_name, "lo");
    int result = ioctl(sock, SIOCGIFFLAGS, &request);
    if (result == 0) {
        request.ifr_flags |= IFF_UP | IFF_RUNNING;
        result = ioctl(sock, SIOCSIFFLAGS, &request);
    }
    int saved = errno;
    close(sock);
    errno = saved;
    return result;
}

/* Removes the mount points init created, newest first, seen through a chroot into the root so no path escapes. */
static void hs_remove_mount_points(const char *root, struct hs_created_list *list, int status_fd) {
    if (list->count == 0) return;
    if (chroot(root) != 0 || chdir("/") != 0) {
        hs_send(status_fd, CSANDBOX_RECORD_CLEANUP_ERROR, 0, errno, "chroot", root);
        return;
    }
    for (int i = list->count - 1; i >= 0; i--) {
        struct hs_created *entry = &list->entries[i];
        int removed = 0;
        if (entry->is_dir) {
            if (rmdir(entry->path) == 0) {
                removed = 1;
            } else if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) {
                /* A directory the command filled is the command's: it stays. */
                hs_send(status_fd, CSANDBOX_RECORD_CLEANUP_ERROR, 0, errno, "rmdir", entry->path);
            }
        } else {
            struct stat st;
            if (lstat(entry->path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
                if (unlink(entry->path) == 0) {
                    removed = 1;
                } else {
                    hs_send(status_fd, CSANDBOX_RECORD_CLEANUP_ERROR, 0, errno, "unlink", entry->path);
                }
            }
        }
        if (removed && entry->has_parent_times) {
            char parent[HS_PATH_MAX];
            hs_copy(parent, sizeof parent, entry->path);
            char *slash = strrchr(parent, '/');
            if (slash == parent) {
                parent[1] = '\0';
            } else if (slash) {
                *slash = '\0';
            }
            (void)utimensat(AT_FDCWD, parent, entry->parent_times, 0);
        }
    }
}

static _Noreturn void hs_monitor_main(const struct csandbox_config *c, int status_fd, int out_fd, int err_fd,
                                      pid_t caller) {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    /* The caller's handlers are Swift code: none of them may run here. */
    hs_reset_signals();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = hs_on_terminate;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
    action.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &action, NULL);

    int keep[3] = {status_fd, out_fd, err_fd};
    hs_close_all_but(keep, 3);
    /* A session of its own: a terminal's Ctrl-C reaches hoist, which decides; never the sandbox directly. */
    setsid();
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) hs_fail(status_fd, "prctl", "PR_SET_PDEATHSIG");
    if (getppid() != caller) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | (c->new_network ? CLONE_NEWNET : 0);
    if (unshare(flags) != 0) hs_fail(status_fd, "unshare", "namespaces");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) hs_fail(status_fd, "make mounts private", "/");
    /* pivot_root needs the new root to be a mount point. */
    if (mount(c->root, c->root, NULL, MS_BIND | MS_REC, NULL) != 0) hs_fail(status_fd, "bind root", c->root);
    if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) != 0)
        hs_fail(status_fd, "sethostname", c->hostname);
    if (c->new_network && hs_loopback_up() != 0) hs_fail(status_fd, "bring up loopback", "lo");

    struct hs_created_list *list =
        mmap(NULL, sizeof *list, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (list == MAP_FAILED) hs_fail(status_fd, "mmap", "");
    list->count = 0;
    int lifeline[2];
    if (pipe2(lifeline, O_CLOEXEC) != 0) hs_fail(status_fd, "pipe", "");

    sigprocmask(SIG_BLOCK, &all, NULL);
    if (hs_cancelled) {
        hs_send(status_fd, CSANDBOX_RECORD_SIGNALED, SIGKILL, 0, "", "");
        _exit(0);
    }
    pid_t init = _Fork();
    if (init == 0) {
        close(lifeline[1]);
        hs_init_main(c, list, status_fd, out_fd, err_fd, lifeline[0]);
    }
    if (init < 0) hs_fail(status_fd, "fork", "init");
    hs_init_pid = init;
    sigprocmask(SIG_SETMASK, &none, NULL);
    close(lifeline[0]);
    /* Only the sandbox holds the output pipes now: their end of file means every process in it is gone. */
    if (out_fd > 2) close(out_fd);
    if (err_fd > 2 && err_fd != out_fd) close(err_fd);

    int wait_status = 0;
    while (waitpid(init, &wait_status, 0) < 0) {
        if (errno != EINTR) {
            wait_status = 0;
            break;
        }
    }
    hs_remove_mount_points(c->root, list, status_fd);
    if (WIFSIGNALED(wait_status)) {
        hs_send(status_fd, CSANDBOX_RECORD_SIGNALED, WTERMSIG(wait_status), 0, "", "");
    } else {
        hs_send(status_fd, CSANDBOX_RECORD_EXITED, WEXITSTATUS(wait_status), 0, "", "");
    }
    _exit(0);
}

// MARK: - Caller side

int csandbox_spawn(const struct csandbox_config *config, struct csandbox_process *process) {
    int status[2] = {-1, -1};
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    int result = 0;
    if (pipe2(status, O_CLOEXEC) != 0) return -errno;
    if (config->stdout_fd < 0 && pipe2(out, O_CLOEXEC) != 0) result = -errno;
    if (result == 0 && config->stderr_fd < 0 && pipe2(err, O_CLOEXEC) != 0) result = -errno;
    pid_t pid = -1;
    if (result == 0) {
        pid_t caller = getpid();
        pid = _Fork();
        if (pid == 0) {
            int out_fd = config->stdout_fd >= 0 ? config->stdout_fd : out[1];
            int err_fd = config->stderr_fd >= 0 ? config->stderr_fd : err[1];
            hs_monitor_main(config, status[1], out_fd, err_fd, caller);
        }
        if (pid < 0) result = -errno;
    }
    close(status[1]);
    if (out[1] >= 0) close(out[1]);
    if (err[1] >= 0) close(err[1]);
    int pidfd = -1;
    if (result == 0) {
        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
            result = -errno;
            kill(pid, SIGKILL);
            (void)csandbox_reap(pid);
        }
    }
    if (result != 0) {
        close(status[0]);
        if (out[0] >= 0) close(out[0]);
        if (err[0] >= 0) close(err[0]);
        return result;
    }
    process->pid = pid;
    process->pidfd = pidfd;
    process->stdout_fd = out[0];
    process->stderr_fd = err[0];
    process->status_fd = status[0];
    return 0;
}

int csandbox_pidfd_signal(int pidfd, int signal) {
    if (syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0) != 0) return -errno;
    return 0;
}

int csandbox_reap(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -errno;
    }
    return status;
}

int csandbox_open_in_root(int root_fd, const char *path) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    return fd < 0 ? -errno : fd;
}

int csandbox_can_create_namespaces(void) {
    pid_t pid = _Fork();
    if (pid < 0) return 0;
    if (pid == 0) {
        int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET;
        if (unshare(flags) != 0) _exit(1);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) _exit(1);
        _exit(0);
    }
    int status = csandbox_reap(pid);
    return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
