#ifndef CGANTRY_SYSTEM_H
#define CGANTRY_SYSTEM_H

#include <sys/types.h>

/// Spawns `path` with `argv`/`envp` in a new process group (its pgid equals its pid), with stdin
/// from /dev/null, stdout and stderr on the given descriptors, the working directory `cwd`, an empty
/// signal mask and default signal dispositions. Returns 0 and stores the pid, or an errno value.
int gantry_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdout_fd,
                 int stderr_fd, pid_t *pid_out);

/// pidfd_open(2): a descriptor that becomes readable when the process exits; -1 with errno on failure.
int gantry_pidfd_open(pid_t pid);

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

#endif
