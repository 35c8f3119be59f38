#define _GNU_SOURCE
#include "CGantrySystem.h"

#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/// Resets every caught or ignored signal to its default in a freshly forked child: handlers and
/// ignored dispositions must not leak into the program it executes (gantry ignores SIGPIPE, SIGINT and
/// SIGTERM while it runs). Only system calls: this runs between vfork and exec.
static void reset_signals_in_child(void) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sigaction(sig, &dfl, NULL);
    }
}

/// /dev/null, opened once (close-on-exec) for every child's stdin: one open and close fewer in each
/// vfork child, while its parent waits.
static int devnull_fd = -1;
static int devnull_errno = 0;
static pthread_once_t devnull_once = PTHREAD_ONCE_INIT;
static void open_devnull(void) {
    devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull_fd < 0) devnull_errno = errno;
}

int gantry_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdout_fd,
                 int stderr_fd, pid_t *pid_out) {
    pthread_once(&devnull_once, open_devnull);
    if (devnull_fd < 0) return devnull_errno != 0 ? devnull_errno : EBADF;
    int null_fd = devnull_fd;
    // vfork + exec instead of posix_spawn: posix_spawn cannot set PR_SET_PDEATHSIG, which makes the
    // kernel kill the step's leader when the thread that started it dies (gantry killed with -9). The
    // child only makes system calls before exec or _exit, as glibc's posix_spawn does in its own
    // CLONE_VFORK child; the parent is suspended until then, and learns a failure through `failure`,
    // which the child shares with it.
    volatile int failure = 0;
    pid_t parent = getpid();
    sigset_t all, old;
    sigfillset(&all);
    // No signal handler of the parent may run in the child, which borrows the parent's memory.
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = vfork();
    if (pid == 0) {
        reset_signals_in_child();
        if (setpgid(0, 0) != 0) { failure = errno; _exit(127); }
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) { failure = errno; _exit(127); }
        // The parent may have died between vfork and prctl: then nobody would ever deliver the signal.
        if (getppid() != parent) _exit(127);
        // dup2 clears close-on-exec on the copy; descriptor 0 itself (gantry started with stdin
        // closed) needs it cleared by hand. The child has its own descriptor table: the parent's
        // descriptors are untouched.
        if (null_fd == 0) {
            if (fcntl(0, F_SETFD, 0) != 0) { failure = errno; _exit(127); }
        } else if (dup2(null_fd, 0) < 0) {
            failure = errno;
            _exit(127);
        }
        if (dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) { failure = errno; _exit(127); }
        if (cwd != NULL && chdir(cwd) != 0) { failure = errno; _exit(127); }
        // Nothing else of gantry's leaks into the step: not its database, not a descriptor its own
        // parent lent it (a test runner learns that gantry exited when such a descriptor closes).
        if (syscall(SYS_close_range, 3, ~0U, 0) != 0) {
            for (int fd = 3; fd < 65536; fd++) close(fd);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(path, argv, envp);
        failure = errno;
        _exit(127);
    }
    int spawn_errno = pid < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) return spawn_errno;
    if (failure != 0) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return failure;
    }
    *pid_out = pid;
    return 0;
}

/// Whether /proc/<pid>/environ holds an entry that starts with `needle`. Only system calls, so the
/// sentinel (a forked child of a multithreaded process) may use it.
static int environ_has_prefix(const char *pid_dir, const char *needle, size_t needle_len) {
    // Locals, not statics: supervising threads call this at the same time.
    char path[64];
    char buffer[8192];
    size_t at = 0;
    const char *prefix = "/proc/";
    while (*prefix) path[at++] = *prefix++;
    while (*pid_dir && at < 40) path[at++] = *pid_dir++;
    const char *suffix = "/environ";
    while (*suffix) path[at++] = *suffix++;
    path[at] = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    // Entries are NUL-separated; compare each entry's start with the needle, across reads.
    size_t matched = 0;    // bytes of the needle matched at the start of the current entry
    int at_entry_start = 1, found = 0;
    ssize_t count;
    while (!found && (count = read(fd, buffer, sizeof(buffer))) > 0) {
        for (ssize_t i = 0; i < count; i++) {
            char c = buffer[i];
            if (c == 0) { at_entry_start = 1; matched = 0; continue; }
            if (at_entry_start) {
                if (c == needle[matched]) {
                    if (++matched == needle_len) { found = 1; break; }
                } else {
                    at_entry_start = 0;
                }
            }
        }
    }
    close(fd);
    return found;
}

/// Sends `sig` to every process whose environment holds `needle`; returns how many it signalled.
static int signal_owned(const char *needle, int sig) {
    char entries[8192];
    size_t needle_len = strlen(needle);
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc < 0) return 0;
    int signalled = 0;
    long count;
    pid_t self = getpid();
    while ((count = syscall(SYS_getdents64, proc, entries, sizeof(entries))) > 0) {
        for (long offset = 0; offset < count;) {
            struct { unsigned long long ino; long long off; unsigned short reclen; unsigned char type; char name[]; }
                *entry = (void *)(entries + offset);
            offset += entry->reclen;
            if (entry->name[0] < '1' || entry->name[0] > '9') continue;
            pid_t pid = 0;
            for (const char *c = entry->name; *c >= '0' && *c <= '9'; c++) pid = pid * 10 + (*c - '0');
            if (pid == self) continue;
            if (environ_has_prefix(entry->name, needle, needle_len) && kill(pid, sig) == 0) signalled++;
        }
    }
    close(proc);
    return signalled;
}

/// The sentinel's pid: a child of ours that is never a stray (it ends up among the main thread's
/// children once the thread that forked it exits).
static volatile pid_t sentinel_pid = 0;

int gantry_start_sentinel(const char *needle) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        // The sentinel. A forked child of a multithreaded process: system calls only from here on.
        close(fds[1]);
        // Its own process group, so Ctrl-C and `kill -- -<gantry's group>` reach gantry, not the
        // sentinel; hang-ups and broken pipes are not its concern either.
        setpgid(0, 0);
        struct sigaction ign;
        memset(&ign, 0, sizeof(ign));
        ign.sa_handler = SIG_IGN;
        sigaction(SIGINT, &ign, NULL);
        sigaction(SIGHUP, &ign, NULL);
        sigaction(SIGQUIT, &ign, NULL);
        sigaction(SIGPIPE, &ign, NULL);
        sigaction(SIGTSTP, &ign, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        // Close every other descriptor gantry had open (its pipes to steps, its database), so the
        // sentinel holds nothing of theirs.
        if (fds[0] > 3) syscall(SYS_close_range, 3, fds[0] - 1, 0);
        if (syscall(SYS_close_range, fds[0] + 1, ~0U, 0) != 0) {
            for (int fd = 3; fd < 65536; fd++) if (fd != fds[0]) close(fd);
        }
        char byte;
        ssize_t got;
        do { got = read(fds[0], &byte, 1); } while (got > 0 || (got < 0 && errno == EINTR));
        // End of file: gantry is gone (exited, or killed with -9). Kill what it owned; repeat while
        // anything is found, to catch processes forked while the previous pass ran.
        struct timespec pause = {0, 20 * 1000 * 1000};
        for (int pass = 0; pass < 100; pass++) {
            if (signal_owned(needle, SIGKILL) == 0 && pass > 0) break;
            nanosleep(&pause, NULL);
        }
        _exit(0);
    }
    close(fds[0]);
    sentinel_pid = pid;
    return fds[1];
}

int gantry_signal_owned(const char *needle, int sig) { return signal_owned(needle, sig); }

int gantry_environ_has_prefix(pid_t pid, const char *needle) {
    char name[24];
    int at = 0;
    char digits[24];
    int n = 0;
    if (pid <= 0) return 0;
    while (pid > 0) { digits[n++] = (char)('0' + pid % 10); pid /= 10; }
    while (n > 0) name[at++] = digits[--n];
    name[at] = 0;
    return environ_has_prefix(name, needle, strlen(needle));
}

/// Parses the pids of a /proc/<pid>/task/<tid>/children file into `out`; returns how many it held.
static int read_children(const char *path, pid_t *out, int capacity, int found) {
    char buffer[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t got = read(fd, buffer, sizeof(buffer) - 1);
    close(fd);
    if (got <= 0) return found;
    buffer[got] = 0;
    pid_t pid = 0;
    for (ssize_t i = 0; i <= got; i++) {
        char c = buffer[i];
        if (c >= '0' && c <= '9') {
            pid = pid * 10 + (c - '0');
        } else if (pid > 0) {
            if (found < capacity) out[found] = pid;
            found++;
            pid = 0;
        }
    }
    return found;
}

int gantry_orphans(pid_t *out, int capacity) {
    // An orphan is re-parented to the subreaper's first live thread, its main thread while that
    // lives: one small read in the common case, not one per thread.
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
    int found = read_children(path, out, capacity, 0);
    if (found < 0) found = gantry_children(out, capacity);
    // Leave the sentinel out.
    int kept = 0;
    for (int i = 0; i < found && i < capacity; i++) {
        if (out[i] != sentinel_pid) out[kept++] = out[i];
    }
    return kept;
}

int gantry_children(pid_t *out, int capacity) {
    // /proc/self/task/<tid>/children lists the children of each thread.
    char path[96];
    int found = 0;
    int tasks = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tasks < 0) return -1;
    char entries[8192];
    long count;
    while ((count = syscall(SYS_getdents64, tasks, entries, sizeof(entries))) > 0) {
        for (long offset = 0; offset < count;) {
            struct { unsigned long long ino; long long off; unsigned short reclen; unsigned char type; char name[]; }
                *entry = (void *)(entries + offset);
            offset += entry->reclen;
            if (entry->name[0] < '0' || entry->name[0] > '9') continue;
            snprintf(path, sizeof(path), "/proc/self/task/%s/children", entry->name);
            int now = read_children(path, out, capacity, found);
            if (now >= 0) found = now;
        }
    }
    close(tasks);
    return found;
}

int gantry_set_dumpable(int dumpable) { return prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0); }

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int gantry_exchange_paths(const char *first, const char *second) {
    return syscall(SYS_renameat2, AT_FDCWD, first, AT_FDCWD, second, RENAME_EXCHANGE) == 0 ? 0 : errno;
}

int gantry_rename_noreplace(const char *from, const char *to) {
    return syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0 ? 0 : errno;
}

int gantry_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

void gantry_name_thread(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }

int gantry_unblock_child_signal(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int gantry_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int gantry_epoll_add(int epfd, int fd, unsigned long long token) {
    struct epoll_event event;
    memset(&event, 0, sizeof(event));
    event.events = EPOLLIN;
    event.data.u64 = token;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) == 0 ? 0 : errno;
}

int gantry_epoll_remove(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) == 0 ? 0 : errno; }

int gantry_epoll_wait(int epfd, unsigned long long *tokens, int capacity, int timeout_ms) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int count = epoll_wait(epfd, events, capacity, timeout_ms);
    if (count < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < count; i++) tokens[i] = events[i].data.u64;
    return count;
}

int gantry_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

void gantry_eventfd_signal(int fd) {
    uint64_t one = 1;
    while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR) {}
}

void gantry_eventfd_drain(int fd) {
    uint64_t value;
    while (read(fd, &value, sizeof(value)) < 0 && errno == EINTR) {}
}

int gantry_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int gantry_kill_group(pid_t pgid, int sig) {
    if (pgid <= 1) return EINVAL;
    return kill(-pgid, sig) == 0 ? 0 : errno;
}

int gantry_reap_group(pid_t pgid) {
    int count = 0;
    int status;
    while (waitpid(-pgid, &status, WNOHANG) > 0) count++;
    return count;
}

int gantry_try_wait(pid_t pid, int *status_out) {
    pid_t rc;
    do {
        rc = waitpid(pid, status_out, WNOHANG);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) return 0;
    if (rc == pid) return 1;
    return -1;
}

int gantry_decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return -1;
}

int gantry_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

// The process's original argument and environment blocks, as the kernel laid them out: what
// /proc/<pid>/cmdline and /proc/<pid>/environ show. glibc passes them to constructors.
static int original_argc;
static char **original_argv;
static char **original_envp;

__attribute__((constructor)) static void gantry_capture_process_blocks(int argc, char **argv, char **envp) {
    original_argc = argc;
    original_argv = argv;
    original_envp = envp;
}

/// Overwrites every occurrence of `value` inside `text` with '*'; returns how many bytes it changed.
static size_t star_out(char *text, const char *value, size_t value_len) {
    size_t changed = 0;
    if (value_len == 0) return 0;
    for (char *at = strstr(text, value); at != NULL; at = strstr(at + value_len, value)) {
        memset(at, '*', value_len);
        changed += value_len;
    }
    return changed;
}

size_t gantry_scrub_arguments(const char *value) {
    size_t changed = 0;
    if (original_argv == NULL) return 0;
    size_t value_len = strlen(value);
    for (int i = 1; i < original_argc && original_argv[i] != NULL; i++) {
        changed += star_out(original_argv[i], value, value_len);
    }
    return changed;
}

size_t gantry_scrub_environment_entry(const char *name) {
    if (original_envp == NULL) return 0;
    size_t name_len = strlen(name);
    size_t changed = 0;
    for (char **entry = original_envp; *entry != NULL; entry++) {
        if (strncmp(*entry, name, name_len) == 0 && (*entry)[name_len] == '=') {
            char *value = *entry + name_len + 1;
            size_t value_len = strlen(value);
            memset(value, '*', value_len);
            changed += value_len;
        }
    }
    return changed;
}
