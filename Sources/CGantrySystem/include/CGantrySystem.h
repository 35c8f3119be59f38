#ifndef CGANTRY_SYSTEM_H
#define CGANTRY_SYSTEM_H

#include <sys/types.h>

/// Spawns `path` with `argv`/`envp` in a new process group (its pgid equals its pid), with stdin
/// from /dev/null, stdout and stderr on the given descriptors, the working directory `cwd`, an empty
/// signal mask and default signal dispositions. The child gets SIGKILL when the calling thread dies
/// (PR_SET_PDEATHSIG), so call it from a thread that lives as long as the child is supervised.
/// Returns 0 and stores the pid, or an errno value.
int gantry_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdout_fd,
                 int stderr_fd, pid_t *pid_out);

/// pidfd_open(2): a descriptor that becomes readable when the process exits; -1 with errno on failure.
int gantry_pidfd_open(pid_t pid);

/// Names the calling thread (prctl PR_SET_NAME: at most 15 bytes are kept), as ps -L and top -H show it.
void gantry_name_thread(const char *name);

/// Unblocks SIGCHLD in the calling thread. The kernel checks the mask of the thread that forked a
/// child when the child exits: blocked there, the (default-ignored) signal is queued and wakes
/// another thread for nothing; unblocked, it is discarded at once. Returns pthread_sigmask's result.
int gantry_unblock_child_signal(void);

/// epoll_create1(EPOLL_CLOEXEC); -1 with errno on failure.
int gantry_epoll_create(void);

/// Watches `fd` for input (level-triggered: EPOLLIN, with EPOLLHUP/EPOLLERR as always), reporting
/// `token` when it is ready. 0 or errno.
int gantry_epoll_add(int epfd, int fd, unsigned long long token);

/// Stops watching `fd`. 0 or errno.
int gantry_epoll_remove(int epfd, int fd);

/// epoll_wait: the tokens of up to `capacity` ready descriptors into `tokens`; returns how many, 0 on
/// timeout or EINTR, -1 with errno on another failure. `timeout_ms` < 0 waits without limit.
int gantry_epoll_wait(int epfd, unsigned long long *tokens, int capacity, int timeout_ms);

/// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); -1 with errno on failure.
int gantry_eventfd(void);

/// Adds 1 to an eventfd (wakes whoever waits on it).
void gantry_eventfd_signal(int fd);

/// Resets an eventfd to 0 (after it woke its reader).
void gantry_eventfd_drain(int fd);

/// Makes the calling process a child subreaper, so orphaned descendants are re-parented to it and can be reaped.
int gantry_set_child_subreaper(void);

/// Sends `sig` to every process in group `pgid`; returns 0, or errno (ESRCH when the group is empty).
int gantry_kill_group(pid_t pgid, int sig);

/// Reaps any exited member of process group `pgid` without blocking; returns how many were reaped.
int gantry_reap_group(pid_t pgid);

/// waitpid without blocking. Returns 1 with the raw status when `pid` exited, 0 when it is still
/// running, -1 on error.
int gantry_try_wait(pid_t pid, int *status_out);

/// Decodes a raw wait status: exit code (>= 0) or -signal.
int gantry_decode_status(int status);

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are not inherited by spawned children. 0 or -1 with errno.
int gantry_pipe_cloexec(int fds[2]);

/// Forks the owner sentinel: a small process that waits for the caller to die (for any reason, kill -9
/// included) and then SIGKILLs every process whose environment has an entry starting with `needle`.
/// Returns the descriptor the caller must keep open for its lifetime (close-on-exec), or -1.
int gantry_start_sentinel(const char *needle);

/// Sends `sig` to every process (other than the caller) whose environment has an entry starting with
/// `needle`; returns how many were signalled.
int gantry_signal_owned(const char *needle, int sig);

/// 1 when /proc/<pid>/environ has an entry starting with `needle`, else 0 (also when unreadable).
int gantry_environ_has_prefix(pid_t pid, const char *needle);

/// The caller's children, across all of its threads, into `out` (up to `capacity`); returns how many
/// there are (may exceed `capacity`), or -1 when /proc cannot be read.
int gantry_children(pid_t *out, int capacity);

/// The caller's children that were re-parented to it as a subreaper (orphans of its descendants): the
/// children of its main thread, or of every thread when the main thread is gone. Same conventions as
/// `gantry_children`, except that it returns only the entries it stored (the sentinel left out).
int gantry_orphans(pid_t *out, int capacity);

/// prctl(PR_SET_DUMPABLE): 0 keeps other processes of the same user from reading this process's
/// memory, environment and command line through /proc or ptrace. 0 or -1 with errno.
int gantry_set_dumpable(int dumpable);

/// Overwrites, with '*', every occurrence of `value` in the process's original arguments (what
/// /proc/self/cmdline shows). Call after the arguments were parsed. Returns the bytes changed.
size_t gantry_scrub_arguments(const char *value);

/// Overwrites, with '*', the value of environment entry `name` in the process's original environment
/// block (what /proc/self/environ shows; `unsetenv` would not change it). Read the value first: getenv
/// sees the stars afterwards. Returns the bytes changed.
size_t gantry_scrub_environment_entry(const char *name);

/// Atomically swaps the two paths (renameat2 RENAME_EXCHANGE): a reader sees one or the other,
/// never neither. Both must exist on one file system. 0 or an errno value.
int gantry_exchange_paths(const char *first, const char *second);

/// Renames `from` to `to` unless `to` exists (renameat2 RENAME_NOREPLACE). 0 or an errno value.
int gantry_rename_noreplace(const char *from, const char *to);

#endif
