/* netns-beside.c: the sandbox's network namespace, made beside init.
 *
 * Making a network namespace is the dearest step of a launch that has no
 * spare of the holder's to take (--userns single, --no-holder): 0.36 ms
 * for the namespace and 0.08 ms to bring lo up on the 2-vCPU VM of
 * docs/benchmarks.md, most of it the kernel registering sysctl tables.
 * Made in init's clone, it delays everything after. So on that path hutch
 * clones init without CLONE_NEWNET (launch.h's net_beside), and init,
 * first thing, starts a child that makes the namespace, with lo up, while
 * init itself waits for its map and mounts the overlay, /proc and /dev.
 * init joins it just before it mounts /sys, the first step whose result
 * depends on it (rootfs.c: a fresh sysfs shows the devices of its
 * mounter's network namespace, and is refused outside one of the
 * sandbox's own). Nothing of the sandbox runs before that: init runs only
 * hutch's code until the command starts.
 *
 * The child (the maker) shares init's memory, as a thread would
 * (CLONE_VM), so that starting it copies no page tables; but not init's
 * descriptors, which init closes while the maker may still use its own.
 * It runs on its own stack, below, and may call nothing that allocates or
 * keeps state in libc (malloc, stdio, strerror, so no log_*() either):
 * only system calls. Their errno, thread-local, it shares with init, which
 * may write it meanwhile: a call that failed counts as failed whatever
 * errno then reads, and the launch fails anyway. A sanitizer build keeps
 * no per-thread fake stacks (sanitizer.c). It sends the namespace to init
 * on a socket pair and ends. It is pid 2 of the sandbox's pid namespace,
 * for that moment, so the command is pid 3 on this path; init reaps the
 * maker before the command starts. If init dies first, the kernel kills
 * it with the pid namespace.
 */
#define _GNU_SOURCE
#include "netns-beside.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "sync.h"
#include "util.h"

/* One maker per process (init), and its stack: its calls are a few frames
 * deep. */
static char maker_stack[32768] __attribute__((aligned(64)));

/* What failed, sent as the message's value beside the errno; the text,
 * a literal, is left in memory that init shares. */
enum { MADE, NOT_MADE };
#define STEP_SHIFT 16
static const char *maker_failed;

/* errno is init's as well (see above): a failed call stays a failure
 * whatever it reads. */
static int failure(void)
{
  return errno ? errno : EIO;
}

static int make(void *arg)
{
  int sock = (int) (intptr_t) arg;  /* a value: init's stack moves on */
  const char *what = "create it";
  int r = 0, fd = -1;
  if (unshare(CLONE_NEWNET) < 0)
    r = failure();
  else if ((r = -net_loopback_up_quiet(&what)) == 0 && (fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
    r = failure(), what = "open /proc/self/ns/net";
  maker_failed = r ? what : NULL;
  sync_send(sock, SYNC_NETNS, (r ? NOT_MADE : MADE) << STEP_SHIFT | r, fd);
  return 0;
}

int netns_beside_start(struct netns_beside *nb, struct error *err)
{
  int sp[2];
  int r = sync_pair(sp, err);
  if (r < 0)
    return r;
  nb->pid = clone(make, maker_stack + sizeof maker_stack, CLONE_VM, (void *) (intptr_t) sp[1]);
  close(sp[1]);
  if (nb->pid < 0) {
    nb->pid = 0;
    close(sp[0]);
    return error_set(err, errno, "start the child that makes the sandbox's network namespace (clone)");
  }
  nb->sock = sp[0];
  return 0;
}

int netns_beside_join(struct netns_beside *nb, struct error *err)
{
  if (nb->sock < 0)
    return 0;
  struct sync_msg m;
  _cleanup_close_ int fd = -1;
  int r = sync_recv(nb->sock, &m, &fd);
  close_fd(&nb->sock);
  if (r < 0 || m.type != SYNC_NETNS)
    return error_set(err, r < 0 && r != -EPIPE ? -r : 0, "the child making the sandbox's network namespace ended without it");
  int e = m.value & ((1 << STEP_SHIFT) - 1);
  if (m.value >> STEP_SHIFT != MADE || fd < 0)
    return error_set(err, e ? e : EIO, "cannot make the sandbox's network namespace (%s)",
                     maker_failed ? maker_failed : "no namespace came");
  if (setns(fd, CLONE_NEWNET) < 0)
    return error_set(err, errno, "join the sandbox's network namespace");
  log_stage("init", "joined the network namespace");
  return 0;
}

void netns_beside_reap(struct netns_beside *nb)
{
  if (nb->pid <= 0)
    return;
  while (waitpid(nb->pid, NULL, __WCLONE) < 0 && errno == EINTR)
    ;
  nb->pid = 0;
}
