/* sysprobe: make system calls through each of the kernel's entries on
 * x86-64 and report what came back, for tests/security/seccomp.sh.
 *
 *   sysprobe [-f FD] ENTRY NAME...
 *
 * ENTRY is native (the `syscall` instruction), x32 (`syscall` with bit 30
 * set in the number, the x32 ABI), i386 (`int 0x80`, the 32-bit compat
 * entry) or all. Each call runs in a child of its own, so a filter that
 * kills does not end the probe. One line per call:
 *
 *   NAME ENTRY ok RET | NAME ENTRY errno N | NAME ENTRY killed SIG | NAME ENTRY none
 *
 * ("none": the call has no number on that entry). The arguments are chosen
 * so that a call reaching the kernel does no harm in a sandbox: a bad
 * pointer, a bad descriptor, or a harmless change in a throwaway child. The
 * numbers are the kernel's (asm/unistd_64.h, unistd_x32.h, unistd_32.h);
 * pointers passed to int 0x80 must fit in 32 bits, so they point into this
 * static, non-PIE binary's data. Built with -static: the sandbox's root has
 * no C library.
 *
 * A kernel built without IA32 emulation, or booted with ia32_emulation=0,
 * has no int 0x80 entry: the instruction raises a general protection fault
 * and the process dies of SIGSEGV before any filter sees a call
 * ("killed 11"). With HUTCH_TEST_NO_INT80=1 in its environment, sysprobe
 * acts as if on such a kernel: instead of int 0x80 its child executes a
 * privileged instruction (hlt), which faults the same way. That is how the
 * tests simulate such a kernel (tests/security/lib-security.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "sysprobe tests the x86-64 entries"
#endif

#define X32 0x40000000L
#define NONE -1L

/* Argument placeholders, replaced before the call. */
enum { A_FD = 1000001, A_DIR, A_NONE_STR, A_TMPFS_STR, A_CHAR, A_TIOCSTI_HI, A_VSOCK_ARGS, A_VSOCK_HI };

struct call {
  const char *name;
  long nr64, nrx32, nr32;
  long args[6];
};

#define CLONE_NEWUSER_ 0x10000000L
#define SIGCHLD_ 17L
#define TIOCSTI_ 0x5412L
#define TIOCLINUX_ 0x541CL
#define AF_VSOCK_ 40L
#define SYS_SOCKET_ 1L   /* socketcall's number for socket() */

static const struct call calls[] = {
  /* mounts and namespaces */
  {"mount", 165, X32 + 165, 21, {A_NONE_STR, A_DIR, A_TMPFS_STR, 0, 0, 0}},
  {"umount2", 166, X32 + 166, 52, {A_DIR, 0, 0, 0, 0, 0}},
  {"pivot_root", 155, X32 + 155, 217, {0, 0, 0, 0, 0, 0}},
  {"setns", 308, X32 + 308, 346, {-1, 0, 0, 0, 0, 0}},
  {"unshare", 272, X32 + 272, 310, {CLONE_NEWUSER_, 0, 0, 0, 0, 0}},
  {"clone", 56, X32 + 56, 120, {CLONE_NEWUSER_ | SIGCHLD_, 0, 0, 0, 0, 0}},
  {"clone3", 435, X32 + 435, 435, {0, 0, 0, 0, 0, 0}},
  {"open_tree", 428, X32 + 428, 428, {-100, A_DIR, 1, 0, 0, 0}},
  {"fsopen", 430, X32 + 430, 430, {A_TMPFS_STR, 0, 0, 0, 0, 0}},
  {"move_mount", 429, X32 + 429, 429, {-1, 0, -1, 0, 0, 0}},
  {"mount_setattr", 442, X32 + 442, 442, {-1, 0, 0, 0, 0, 0}},
  /* the kernel's own business */
  {"init_module", 175, X32 + 175, 128, {0, 0, 0, 0, 0, 0}},
  {"finit_module", 313, X32 + 313, 350, {-1, 0, 0, 0, 0, 0}},
  {"delete_module", 176, X32 + 176, 129, {0, 0, 0, 0, 0, 0}},
  {"kexec_load", 246, X32 + 528, 283, {0, 0, 0, 0, 0, 0}},
  {"kexec_file_load", 320, X32 + 320, NONE, {-1, -1, 0, 0, 0, 0}},
  {"reboot", 169, X32 + 169, 88, {0, 0, 0, 0, 0, 0}},
  {"swapon", 167, X32 + 167, 87, {0, 0, 0, 0, 0, 0}},
  {"swapoff", 168, X32 + 168, 115, {0, 0, 0, 0, 0, 0}},
  {"settimeofday", 164, X32 + 164, 79, {0, 0, 0, 0, 0, 0}},
  {"clock_settime", 227, X32 + 227, 264, {0, 0, 0, 0, 0, 0}},
  {"clock_adjtime", 305, X32 + 305, 343, {0, 0, 0, 0, 0, 0}},
  {"adjtimex", 159, X32 + 159, 124, {0, 0, 0, 0, 0, 0}},
  {"acct", 163, X32 + 163, 51, {0, 0, 0, 0, 0, 0}},
  {"quotactl", 179, X32 + 179, 131, {0, 0, 0, 0, 0, 0}},
  {"keyctl", 250, X32 + 250, 288, {0, 0, 0, 0, 0, 0}},
  {"add_key", 248, X32 + 248, 286, {0, 0, 0, 0, 0, 0}},
  {"request_key", 249, X32 + 249, 287, {0, 0, 0, 0, 0, 0}},
  {"bpf", 321, X32 + 321, 357, {0, 0, 0, 0, 0, 0}},
  {"perf_event_open", 298, X32 + 298, 336, {0, 0, -1, -1, 0, 0}},
  {"userfaultfd", 323, X32 + 323, 374, {0, 0, 0, 0, 0, 0}},
  {"open_by_handle_at", 304, X32 + 304, 342, {-1, 0, 0, 0, 0, 0}},
  {"name_to_handle_at", 303, X32 + 303, 341, {-100, 0, 0, 0, 0, 0}},
  {"io_uring_setup", 425, X32 + 425, 425, {0, 0, 0, 0, 0, 0}},
  {"io_uring_enter", 426, X32 + 426, 426, {-1, 0, 0, 0, 0, 0}},
  {"io_uring_register", 427, X32 + 427, 427, {-1, 0, 0, 0, 0, 0}},
  {"personality", 135, X32 + 135, 136, {0x0040000 /* ADDR_NO_RANDOMIZE */, 0, 0, 0, 0, 0}},
  {"syslog", 103, X32 + 103, 103, {10 /* SYSLOG_ACTION_SIZE_BUFFER */, 0, 0, 0, 0, 0}},
  {"iopl", 172, X32 + 172, 110, {0, 0, 0, 0, 0, 0}},
  {"ioperm", 173, X32 + 173, 101, {0, 0, 0, 0, 0, 0}},
  {"fanotify_init", 300, X32 + 300, 338, {0, 0, 0, 0, 0, 0}},
  /* terminals: -f FD names the terminal */
  {"tiocsti", 16, X32 + 514, 54, {A_FD, TIOCSTI_, A_CHAR, 0, 0, 0}},
  {"tiocsti_hi", 16, X32 + 514, 54, {A_FD, A_TIOCSTI_HI, A_CHAR, 0, 0, 0}},
  {"tioclinux", 16, X32 + 514, 54, {A_FD, TIOCLINUX_, A_CHAR, 0, 0, 0}},
  /* socket(AF_VSOCK, SOCK_STREAM, 0): the hypervisor's side of a virtual
   * machine. socket_vsock_hi sets bits above the int the kernel reads
   * (it still sees 40); socketcall_vsock is the i386 entry's older way,
   * with the arguments in memory. */
  {"socket_vsock", 41, X32 + 41, 359, {AF_VSOCK_, 1, 0, 0, 0, 0}},
  {"socket_vsock_hi", 41, X32 + 41, NONE, {A_VSOCK_HI, 1, 0, 0, 0, 0}},
  {"socketcall_vsock", NONE, NONE, 102, {SYS_SOCKET_, A_VSOCK_ARGS, 0, 0, 0, 0}},
  /* ordinary sockets: unix, inet, inet6 (stream), netlink (route) */
  {"socket_unix", 41, X32 + 41, 359, {1, 1, 0, 0, 0, 0}},
  {"socket_inet", 41, X32 + 41, 359, {2, 1, 0, 0, 0, 0}},
  {"socket_inet6", 41, X32 + 41, 359, {10, 1, 0, 0, 0, 0}},
  {"socket_netlink", 41, X32 + 41, 359, {16, 3, 0, 0, 0, 0}},
  /* controls: calls every profile allows */
  {"getpid", 39, X32 + 39, 20, {0, 0, 0, 0, 0, 0}},
  {"mkdir", 83, X32 + 83, 39, {A_DIR, 0755, 0, 0, 0, 0}},
};

static char dir[] = "/tmp/sysprobe-dir";
static char none_str[] = "none";
static char tmpfs_str[] = "tmpfs";
static char one_char[] = "\n";
/* socketcall's arguments, as the 32-bit entry reads them: three u32. */
static unsigned int vsock_args[] = {AF_VSOCK_, 1, 0};

static long via_syscall(long nr, const long *a)
{
  long ret;
  register long r10 __asm__("r10") = a[3];
  register long r8 __asm__("r8") = a[4];
  register long r9 __asm__("r9") = a[5];
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

/* HUTCH_TEST_NO_INT80=1: the i386 entry behaves as on a kernel without
 * IA32 emulation. */
static bool no_int80;

static long via_int80(long nr, const long *a)
{
  long ret;
  if (no_int80)
    /* hlt at user level: a general protection fault, SIGSEGV, as int 0x80
     * gets where the kernel installed no gate for it. */
    __asm__ volatile("hlt" ::: "memory");
  /* The compat entry takes 32-bit ebx, ecx, edx, esi, edi, ebp. ebp is
   * the frame pointer; save it by hand. */
  __asm__ volatile("push %%rbp\n\t"
                   "mov %[a5], %%rbp\n\t"
                   "int $0x80\n\t"
                   "pop %%rbp"
                   : "=a"(ret)
                   : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4]), [a5] "m"(a[5])
                   : "memory");
  /* The result is a 32-bit int. */
  return (long) (int) ret;
}

static void run(const struct call *c, const char *entry, long fd)
{
  long nr = !strcmp(entry, "native") ? c->nr64 : !strcmp(entry, "x32") ? c->nrx32 : c->nr32;
  if (nr == NONE) {
    printf("%s %s none\n", c->name, entry);
    return;
  }
  long a[6];
  for (int i = 0; i < 6; i++) {
    switch (c->args[i]) {
    case A_FD: a[i] = fd; break;
    case A_DIR:
      mkdir(dir, 0755);
      a[i] = (long) dir;
      break;
    case A_NONE_STR: a[i] = (long) none_str; break;
    case A_TMPFS_STR: a[i] = (long) tmpfs_str; break;
    case A_CHAR: a[i] = (long) one_char; break;
    case A_TIOCSTI_HI: a[i] = TIOCSTI_ | (1L << 32); break;
    case A_VSOCK_ARGS: a[i] = (long) vsock_args; break;
    case A_VSOCK_HI: a[i] = AF_VSOCK_ | (1L << 32); break;
    default: a[i] = c->args[i];
    }
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    exit(2);
  }
  if (pid == 0) {
    long ret = !strcmp(entry, "i386") ? via_int80(nr, a) : via_syscall(nr, a);
    /* A clone that worked has two returns; the new process just leaves. */
    if (!strcmp(c->name, "clone") && ret == 0)
      _exit(0);
    if (ret < 0 && ret > -4096)
      printf("%s %s errno %ld\n", c->name, entry, -ret);
    else
      printf("%s %s ok %ld\n", c->name, entry, ret);
    fflush(stdout);
    if (!strcmp(c->name, "clone") && ret > 0)
      waitpid((pid_t) ret, NULL, __WALL);
    _exit(0);
  }
  int ws;
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR) {
      perror("waitpid");
      exit(2);
    }
  if (WIFSIGNALED(ws))
    printf("%s %s killed %d\n", c->name, entry, WTERMSIG(ws));
}

int main(int argc, char **argv)
{
  long fd = 0;
  int i = 1;
  if (argc > 2 && !strcmp(argv[1], "-f")) {
    fd = atol(argv[2]);
    i = 3;
  }
  if (argc - i < 2) {
    fprintf(stderr, "usage: sysprobe [-f FD] native|x32|i386|all NAME...|ALL\n");
    return 2;
  }
  const char *entry = argv[i++];
  static const char *const entries[] = {"native", "x32", "i386"};
  const char *sim = getenv("HUTCH_TEST_NO_INT80");
  no_int80 = sim && !strcmp(sim, "1");
  for (; i < argc; i++) {
    bool found = false;
    for (size_t k = 0; k < sizeof calls / sizeof calls[0]; k++) {
      if (strcmp(argv[i], calls[k].name))
        continue;
      found = true;
      for (size_t e = 0; e < 3; e++)
        if (!strcmp(entry, "all") || !strcmp(entry, entries[e]))
          run(&calls[k], entries[e], fd);
    }
    if (!found) {
      fprintf(stderr, "sysprobe: unknown call `%s`\n", argv[i]);
      return 2;
    }
  }
  return 0;
}
