/* sync.c: parent/child protocol and error transport. */
#define _GNU_SOURCE
#include "sync.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sync_pair(int fds[2], struct error *err)
{
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return error_set(err, errno, "socketpair");
  return 0;
}

static int send_msg(int sock, const struct sync_msg *m, int passfd)
{
  size_t len = m->type == SYNC_ERROR ? sizeof *m : offsetof(struct sync_msg, err);
  struct iovec iov = {.iov_base = (void *) m, .iov_len = len};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (passfd >= 0) {
    memset(&ctl, 0, sizeof ctl);
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof ctl.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &passfd, sizeof(int));
  }
  while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR)
      return -errno;
  }
  return 0;
}

int sync_send(int sock, enum sync_type type, int value, int passfd)
{
  struct sync_msg m = {.type = type, .value = value};
  return send_msg(sock, &m, passfd);
}

int sync_forward(int sock, const struct sync_msg *msg, int passfd)
{
  return send_msg(sock, msg, passfd);
}

int sync_recv(int sock, struct sync_msg *msg, int *passfd)
{
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = {.iov_base = msg, .iov_len = sizeof *msg};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  ssize_t r;
  if (passfd)
    *passfd = -1;
  memset(msg, 0, sizeof *msg);
  while ((r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0)
    if (errno != EINTR)
      return -errno;
  if (r == 0)
    return -EPIPE;
  msg->err.msg[sizeof msg->err.msg - 1] = '\0';
  msg->err.fix[sizeof msg->err.fix - 1] = '\0';
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
      if (passfd)
        *passfd = fd;
      else
        close(fd);
    }
  return 0;
}

const char *sync_step_name(enum sync_type type)
{
  switch (type) {
  case SYNC_MAPPED: return "the id maps";
  case SYNC_SANDBOX_PID: return "the sandbox's init to start";
  case SYNC_NETNS: return "the sandbox's network namespace";
  case SYNC_PTY: return "the sandbox's terminal";
  case SYNC_READY: return "the root filesystem to be built";
  case SYNC_GO: return "the go-ahead";
  case SYNC_EXIT: return "the command's status";
  case SYNC_ERROR: return "an error";
  case SYNC_REQ_STATUS: return "a status request";
  case SYNC_REQ_SIGNAL: return "a signal request";
  case SYNC_REQ_STOP: return "a stop request";
  case SYNC_REPLY: return "a reply";
  case SYNC_STARTED: return "the command started";
  case SYNC_REQ_EXEC: return "an exec request";
  case SYNC_EXEC_FD: return "a descriptor for exec";
  case SYNC_NSFD: return "the sandbox's namespaces";
  case SYNC_ROUTES: return "the sandbox's route changes";
  }
  return "?";
}

int sync_expect(int sock, enum sync_type type, struct sync_msg *msg, int *passfd, struct error *err)
{
  int r = sync_recv(sock, msg, passfd);
  if (r < 0) {
    error_set(err, r == -EPIPE ? 0 : -r, "the sandbox ended while hutch waited for %s", sync_step_name(type));
    error_fix(err, "run with --log-level debug to see the last stage that ran");
    return r;
  }
  if (msg->type == SYNC_ERROR) {
    *err = msg->err;
    if (!err->status)
      err->status = EXIT_HUTCH_FAILED;
    return -EIO;
  }
  if (msg->type != type)
    return error_set(err, 0, "protocol error: waiting for %s, got message %u", sync_step_name(type), msg->type);
  return 0;
}

int sync_send_error(int sock, const struct error *err)
{
  struct sync_msg m = {.type = SYNC_ERROR, .value = err->status ? err->status : EXIT_HUTCH_FAILED, .err = *err};
  m.err.status = m.value;
  return send_msg(sock, &m, -1);
}

int sync_send_text(int sock, const char *text)
{
  while (send(sock, text, strlen(text), MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return -errno;
  return 0;
}

int sync_recv_text(int sock, char *buf, size_t max)
{
  ssize_t r;
  while ((r = recv(sock, buf, max - 1, MSG_TRUNC)) < 0)
    if (errno != EINTR)
      return -errno;
  if (r == 0)
    return -EPIPE;
  if ((size_t) r >= max)
    return -EMSGSIZE;
  buf[r] = '\0';
  return 0;
}
