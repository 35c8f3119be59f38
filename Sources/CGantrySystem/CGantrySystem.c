#define _GNU_SOURCE
#include "CGantrySystem.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int gantry_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdout_fd,
                 int stderr_fd, pid_t *pid_out) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
    if (cwd != NULL) posix_spawn_file_actions_addchdir_np(&actions, cwd);

    // Handlers are reset by exec anyway; only ignored signals would leak into the child, so reset those
    // a parent may ignore (gantry ignores SIGPIPE, SIGINT and SIGTERM while it runs).
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    int reset[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2, SIGTSTP,
                   SIGTTIN, SIGTTOU, SIGXFSZ, SIGURG, SIGWINCH};
    for (unsigned i = 0; i < sizeof(reset) / sizeof(reset[0]); i++) sigaddset(&defaults, reset[i]);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    rc = posix_spawn(pid_out, path, &actions, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return rc;
}

int gantry_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

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
