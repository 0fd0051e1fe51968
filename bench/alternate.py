#!/usr/bin/env python3
# bench/alternate.py N COMMAND_A... -- COMMAND_B...: two commands launched
# one after the other, N times each, the order swapped every pair (A B, B
# A, ...), so that the machine's drift reaches both alike. Prints both
# medians and the median of the paired differences B - A. For changes of a
# tenth of a millisecond, which per-round medians (bench/ab.sh) cannot show
# on a noisy machine. Output goes to /dev/null; a failed launch stops it.
# Example, as an unprivileged user, two builds sharing nothing:
#   bench/alternate.py 1000 env XDG_RUNTIME_DIR=/tmp/ra OLD/launcher/hutch run layers:L /bin/true \
#       -- env XDG_RUNTIME_DIR=/tmp/rb NEW/launcher/hutch run layers:L /bin/true
import os, statistics, sys, time

def usage():
    sys.exit("usage: bench/alternate.py N COMMAND_A... -- COMMAND_B...")

if len(sys.argv) < 5 or "--" not in sys.argv[2:]:
    usage()
n = int(sys.argv[1])
cut = sys.argv.index("--", 2)
a, b = sys.argv[2:cut], sys.argv[cut + 1:]
if not a or not b:
    usage()
null = os.open(os.devnull, os.O_WRONLY)

def run(cmd):
    t = time.monotonic_ns()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
    _, status = os.waitpid(pid, 0)
    d = (time.monotonic_ns() - t) / 1e6
    if status:
        sys.exit(f"bench: {' '.join(cmd)} failed (wait status {status})")
    return d

for _ in range(20):  # warm up both
    run(a), run(b)
ta, tb = [], []
for i in range(n):
    if i % 2:
        ta.append(run(a)), tb.append(run(b))
    else:
        tb.append(run(b)), ta.append(run(a))
diff = [y - x for x, y in zip(ta, tb)]
print(f"A median {statistics.median(ta):.3f} ms, B median {statistics.median(tb):.3f} ms, "
      f"B - A paired median {statistics.median(diff):+.3f} ms, B faster in {sum(d < 0 for d in diff)} of {n}, "
      f"B / A {statistics.median(tb) / statistics.median(ta):.2f} x")
