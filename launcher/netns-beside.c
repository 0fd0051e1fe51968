/* netns-beside.c: the sandbox's user and network namespaces, made beside.
 *
 * Making a network namespace is the dearest step of a launch that has no
 * spare of the holder's to take (--userns single, --no-holder): 0.36 ms
 * for the namespace and 0.08 ms to bring lo up on the 2-vCPU VM of
 * docs/benchmarks.md, most of it the kernel registering sysctl tables.
 * Made in init's clone, it delays everything after. So on that path hutch
 * makes the sandbox's user namespace, as the holder's spare would have
 * been, in a child of its own (the maker, cloned with CLONE_NEWUSER), maps
 * it through the maker's pid, joins it for good (run.c's clone_beside) and
 * clones init in it, mapped from birth. Meanwhile the maker makes the
 * network namespace, with lo up, and sends it on a socket pair whose other
 * end init inherits. init mounts the overlay, /proc and /dev, and joins the
 * namespace just before it mounts /sys, the first step whose result
 * depends on it (rootfs.c: a fresh sysfs shows the devices of its
 * mounter's network namespace, and is refused outside one of the
 * sandbox's own). Nothing of the sandbox runs before that: init runs only
 * hutch's code until the command starts.
 *
 * The maker shares hutch's memory, as a thread would (CLONE_VM), so that
 * starting it copies no page tables; its descriptors are a copy, which it
 * closes but for its end of the socket. It runs on its own stack, below,
 * and may call nothing that allocates or keeps state in libc (malloc,
 * stdio, strerror, so no log_*() either): only system calls. Their errno,
 * thread-local, it shares with hutch, which may write it meanwhile: a call
 * that failed counts as failed whatever errno then reads, and the launch
 * fails anyway. A sanitizer build keeps no per-thread fake stacks
 * (sanitizer.c). Once it has sent the namespace, it waits until hutch,
 * having mapped its user namespace through its pid and joined it, lets it
 * go (or until no one holds the other end), and ends; hutch reaps it at
 * once, through its pidfd, so that it does not count against the caller's
 * processes (--pids-limit) while the sandbox runs. It dies with hutch
 * (parent-death signal). It lives in hutch's pid namespace: the sandbox's
 * command is pid 2, as on every path.
 */
#define _GNU_SOURCE
#include "netns-beside.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "proc.h"
#include "sync.h"
#include "util.h"

/* One maker at a time per process (hutch), and its stack: its calls are a
 * few frames deep. What it needs is set before the clone. */
static char maker_stack[32768] __attribute__((aligned(64)));
static struct {
  int sock;           /* its end */
  int peer;           /* the other end, closed at once */
  pid_t parent;       /* hutch */
} maker;

/* What failed, in the message's value beside the errno (init is a copy of
 * hutch from before, so it is told, not shown). */
enum { MADE, NOT_MADE, LO_UNREAD, LO_DOWN, NOT_OPENED };
static const char *const steps[] = {
  [NOT_MADE] = "create it", [LO_UNREAD] = "read the flags of lo", [LO_DOWN] = "bring lo up",
  [NOT_OPENED] = "open /proc/self/ns/net",
};
#define STEP_SHIFT 16

/* errno is hutch's as well (see above): a failed call stays a failure
 * whatever it reads. */
static int failure(void)
{
  return errno ? errno : EIO;
}

static int make(void *arg)
{
  (void) arg;
  int sock = maker.sock;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != maker.parent)
    return 0;
  /* The copies of hutch's descriptors: the other end first, explicitly, so
   * that init can see the end of the stream even where close_range is
   * refused. */
  close(maker.peer);
  proc_close_all_but(3, &sock, 1);
  const char *what;
  int r = 0, step = MADE, fd = -1;
  if (unshare(CLONE_NEWNET) < 0)
    r = failure(), step = NOT_MADE;
  else if ((r = -net_loopback_up_quiet(&what)) != 0)
    step = strcmp(what, steps[LO_DOWN]) ? LO_UNREAD : LO_DOWN;
  else if ((fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
    r = failure(), step = NOT_OPENED;
  sync_send(sock, SYNC_NETNS, step << STEP_SHIFT | r, fd);
  /* Nothing more comes from us, sent or not: init never waits in vain. */
  shutdown(sock, SHUT_WR);
  /* Alive while hutch maps our user namespace through our pid: until it
   * lets us go, or the end of the stream. */
  struct sync_msg m;
  sync_recv(sock, &m, NULL);
  return 0;
}

int netns_beside_start(struct netns_beside *nb, struct error *err)
{
  int sp[2];
  int r = sync_pair(sp, err);
  if (r < 0)
    return r;
  maker.sock = sp[1];
  maker.peer = sp[0];
  maker.parent = getpid();
  nb->pid = clone(make, maker_stack + sizeof maker_stack, CLONE_VM | CLONE_NEWUSER | CLONE_PIDFD, NULL, &nb->pidfd);
  int e = errno;
  close(sp[1]);
  if (nb->pid < 0) {
    nb->pid = 0;
    close(sp[0]);
    return error_set(err, e, "cannot create a user namespace (clone)");
  }
  nb->sock = sp[0];
  return 0;
}

int netns_beside_join(int *sock, struct error *err)
{
  if (*sock < 0)
    return 0;
  struct sync_msg m;
  _cleanup_close_ int fd = -1;
  int r = sync_recv(*sock, &m, &fd);
  close_fd(sock);
  if (r < 0 || m.type != SYNC_NETNS)
    return error_set(err, r < 0 && r != -EPIPE ? -r : 0, "the child making the sandbox's network namespace ended without it");
  int e = m.value & ((1 << STEP_SHIFT) - 1), step = m.value >> STEP_SHIFT;
  if (step != MADE || fd < 0)
    return error_set(err, e ? e : EIO, "cannot make the sandbox's network namespace (%s)",
                     step > MADE && step < (int) N_ELEMENTS(steps) ? steps[step] : "no namespace came");
  if (setns(fd, CLONE_NEWNET) < 0)
    return error_set(err, errno, "join the sandbox's network namespace");
  log_stage("init", "joined the network namespace");
  return 0;
}

void netns_beside_release(struct netns_beside *nb)
{
  if (nb->sock >= 0)
    sync_send(nb->sock, SYNC_GO, 0, -1);
}

/* Reap the maker, if it has ended, or (block) once it has. */
static void reap(struct netns_beside *nb, bool block)
{
  siginfo_t si = {0};
  int r;
  while ((r = waitid(P_PIDFD, (id_t) nb->pidfd, &si, WEXITED | __WCLONE | (block ? 0 : WNOHANG))) < 0 && errno == EINTR)
    ;
  if (r < 0 || si.si_pid) {
    nb->pid = 0;
    close_fd(&nb->pidfd);
  }
}

void netns_beside_reap(struct netns_beside *nb)
{
  if (nb->pidfd >= 0)
    reap(nb, false);
}

void netns_beside_stop(struct netns_beside *nb)
{
  close_fd(&nb->sock);
  if (nb->pidfd >= 0)
    reap(nb, true);
}
