"""PID 1 of every sandbox: runs the harness as a child and reports, out of the child's reach, how it ended.

Started with the container, before any job exists: `python3 -I -c SUPERVISOR ZYGOTE SETTINGS`, where
SETTINGS carry the run's seed and limits. It forks the child at once (an interpreter with the run's
hash seed that imports numpy while the container waits; see zygote.py), then waits for the job: a tar
of its files streamed into stdin, unpacked into /sandbox. A container made ahead of time (the warm
pool) and one made for the job go through the very same steps, so they give the same results; only
the waiting differs. Limits and clocks start when the child is released, not when the container starts.

The child (the harness with the candidate's code) gets a pipe as its stdout, which the harness keeps as
its result channel after pointing the candidate's own stdout at stderr, and a second pipe as its
stderr, the log. This process keeps the head and the tail of the log and the container's stdout for
one frame, written once every process of the run has ended:

    {"exit_code": ..., "cpu_seconds": ..., "peak_memory_mb": ..., "cpu_exceeded": ..., "wall_exceeded": ...,
     "oom_killed": ..., "log_head": H, "log_tail": T, "log_total": ..., "result_bytes": R, "result_overflow": ...}
    <H bytes: the log's head><T bytes: the log's tail><R bytes: the result>

The lengths let the service stop reading at the frame's end instead of waiting for the container to
stop, so the container's teardown is off the run's critical path; the log comes inside the frame for
the same reason (the engine's stdout and stderr streams are not ordered with each other).

CPU time and peak memory are read from the container's cgroup, so they count every process the
candidate starts; the CPU limit is enforced here, on CPU time rather than wall-clock time, so a busy
host cannot turn a correct solution into a time-out. A wall-clock deadline stops a run that waits
instead of computing; the service keeps a slightly later one of its own in case this process is stuck. This process is made non-dumpable, so the child,
which runs as the same user, can neither trace it nor open its file descriptors.
"""
import ctypes
import json
import os
import resource
import select
import signal
import sys
import tarfile
import time

POLL_SECONDS = 0.05
# Exit code of a container that never got a job: whoever finds it stopped may remove it. After a job the
# container never exits with it (the frame carries the harness's real code).
NO_JOB_EXIT = 86
WORK_DIR = "/sandbox"
# How long the log may take to reach its end once every process of the run is killed.
LOG_END_SECONDS = 2.0
# File descriptors of the child before its job: the go pipe as stdin, and the readiness pipe.
CHILD_GO_FD, CHILD_READY_FD = 0, 3


def make_non_dumpable():
    PR_SET_DUMPABLE = 4
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def read_number(path, field=None):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    if field is None:
        return int(text.split()[0])
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == field:
            return int(value)
    return None


def cgroup_cpu_seconds():
    """CPU time of every process in the container, from cgroup v1 or v2 accounting."""
    for path in ("/sys/fs/cgroup/cpuacct/cpuacct.usage", "/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage"):
        ns = read_number(path)
        if ns is not None:
            return ns / 1e9
    usec = read_number("/sys/fs/cgroup/cpu.stat", "usage_usec")
    return None if usec is None else usec / 1e6


def process_cpu_seconds():
    """CPU time of every process in the container's PID namespace, for runtimes without cgroup
    accounting inside (gVisor): this process, its reaped descendants, and every live one in /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = own_cpu_seconds()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total += children.ru_utime + children.ru_stime
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # utime, stime, and cutime, cstime: what its own reaped children used.
        total += sum(int(v) for v in fields[11:15]) / ticks
    return total


def sandbox_cpu_seconds():
    cpu = cgroup_cpu_seconds()
    return process_cpu_seconds() if cpu is None else cpu


def cgroup_peak_memory_mb():
    for path in ("/sys/fs/cgroup/memory/memory.max_usage_in_bytes", "/sys/fs/cgroup/memory.peak"):
        peak = read_number(path)
        if peak is not None:
            return peak / (1024 * 1024)
    return None


def cgroup_oom_killed():
    """Whether the kernel's OOM killer ended a process of the container (cgroup v1 or v2); None where
    the runtime shows no such count (the service then asks the engine)."""
    for path, field in (("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill"), ("/sys/fs/cgroup/memory.events", "oom_kill")):
        kills = read_number(path, field)
        if kills is not None:
            return kills > 0
    return None


class LogKeeper:
    """The head and the tail of the candidate's log, each up to half of `cap`, and how much there was:
    the start says what the code did, the end holds the traceback. A flood is read and dropped, never
    held."""

    def __init__(self, cap):
        self.half = cap // 2
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def push(self, chunk):
        self.total += len(chunk)
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk[-self.half:]
            if len(self.tail) > self.half:
                del self.tail[: len(self.tail) - self.half]


def own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_child(settings, zygote, result_w, log_w, go_r, ready_w):
    """Forks the child that becomes the harness; it waits on `go_r` until the job is unpacked."""
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(go_r, CHILD_GO_FD)
            os.dup2(result_w, 1)
            os.dup2(log_w, 2)
            os.dup2(ready_w, CHILD_READY_FD)
            os.setsid()
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
                signal.signal(sig, signal.SIG_DFL)
            # The hash seed is fixed when an interpreter starts, hence a fresh one for the child.
            env = dict(os.environ, PYTHONHASHSEED=str(settings["seed"]))
            os.execve(sys.executable, [sys.executable, "-s", "-B", "-u", "-c", zygote], env)
        finally:
            os._exit(127)
    return pid


def receive_job(idle_seconds):
    """Unpacks the job from stdin into the work directory. False when none came within `idle_seconds`
    or the stream ended first (the service that held this container is gone)."""
    ready, _, _ = select.select([0], [], [], idle_seconds)
    if not ready:
        return False
    try:
        with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as job:
            job.extractall(WORK_DIR)
    except (tarfile.TarError, OSError):
        return False
    return os.path.exists(os.path.join(WORK_DIR, "seeded.py"))


def wait_ready(ready_r, deadline):
    """Waits for the child to finish its imports (or to die trying), at most until the deadline."""
    select.select([ready_r], [], [], max(deadline - time.monotonic(), 0.0))
    os.close(ready_r)


def wake_on_child_exit():
    """A pipe that becomes readable when a child ends, so the loop below notices at once instead of at
    its next poll."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    return wake_r


def drain(fd):
    try:
        os.read(fd, 4096)
    except BlockingIOError:
        pass


def read_log(log_r, log):
    """Reads what the log pipe holds into `log`; False at its end."""
    chunk = os.read(log_r, 1 << 16)
    if chunk:
        log.push(chunk)
    return bool(chunk)


def finish_log(log_r, log, seconds):
    """Reads the log to its end once every process is gone (so every writer has closed it), for at most
    `seconds` in case one is stuck in the kernel."""
    end = time.monotonic() + seconds
    while True:
        ready, _, _ = select.select([log_r], [], [], max(end - time.monotonic(), 0.0))
        if not ready or not read_log(log_r, log):
            break
    os.close(log_r)


def kill_the_rest(child):
    """Ends every process but this one: as PID 1 of the container's namespace, kill(-1) reaches them all."""
    try:
        if os.getpid() == 1:
            os.kill(-1, signal.SIGKILL)
        else:
            os.killpg(child, signal.SIGKILL)
    except OSError:
        pass


def exit_code_of(status):
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def main():
    make_non_dumpable()
    # A signal the child sends to PID 1 must not end the supervisor (SIGKILL and SIGSTOP from inside the
    # container never reach it).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    zygote, settings = sys.argv[1], json.loads(sys.argv[2])
    os.chdir(WORK_DIR)
    cpu_limit = float(settings["cpu_seconds"])
    result_cap = int(settings["result_cap"])
    log = LogKeeper(int(settings["log_cap"]))

    wake_r = wake_on_child_exit()
    result_r, result_w = os.pipe()
    log_r, log_w = os.pipe()
    go_r, go_w = os.pipe()
    ready_r, ready_w = os.pipe()
    child = start_child(settings, zygote, result_w, log_w, go_r, ready_w)
    for fd in (result_w, log_w, go_r, ready_w):
        os.close(fd)
    if not receive_job(float(settings["idle_seconds"])):
        kill_the_rest(child)
        sys.exit(NO_JOB_EXIT)
    os.close(0)
    deadline = time.monotonic() + float(settings["wall_seconds"])
    wait_ready(ready_r, deadline)
    # The child's imports ran before the job existed; the candidate's CPU time starts here.
    baseline_cpu = sandbox_cpu_seconds() - own_cpu_seconds()
    try:
        os.write(go_w, b"g")
    except OSError:
        pass  # the child died before its job; its status below says how
    os.close(go_w)

    chunks, kept, result_open, log_open = [], 0, True, True
    status, cpu_exceeded, wall_exceeded = None, False, False
    while status is None or result_open:
        watched = [wake_r] + ([result_r] if result_open else []) + ([log_r] if log_open else [])
        ready, _, _ = select.select(watched, [], [], POLL_SECONDS)
        if wake_r in ready:
            drain(wake_r)
        if result_r in ready:
            chunk = os.read(result_r, 1 << 16)
            if not chunk:
                result_open = False
            else:
                if kept < result_cap:
                    chunks.append(chunk[: result_cap - kept])
                kept += len(chunk)
        if log_r in ready:
            log_open = read_log(log_r, log)
        # Reap every process that ends (orphans are re-parented here); note the harness's own status.
        while True:
            try:
                pid, st = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid == child:
                status = st
        stopped = cpu_exceeded or wall_exceeded
        if not stopped and sandbox_cpu_seconds() - baseline_cpu - own_cpu_seconds() > cpu_limit:
            cpu_exceeded = stopped = True
            kill_the_rest(child)
        if not stopped and time.monotonic() > deadline:
            wall_exceeded = stopped = True
            kill_the_rest(child)
        if status is not None and result_open and stopped:
            result_open = False
        if status is not None and result_open:
            # The harness ended; a process it left behind may hold the pipe open. Drain what is there.
            ready, _, _ = select.select([result_r], [], [], 0)
            if not ready:
                result_open = False
    kill_the_rest(child)
    finish_log(log_r, log, LOG_END_SECONDS)

    cpu = sandbox_cpu_seconds() - baseline_cpu - own_cpu_seconds()
    peak = cgroup_peak_memory_mb()
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = b"".join(chunks)
    header = {
        "exit_code": exit_code_of(status),
        "cpu_seconds": round(max(cpu, 0.0), 3),
        "peak_memory_mb": round(peak, 1),
        "cpu_exceeded": cpu_exceeded,
        "wall_exceeded": wall_exceeded,
        "oom_killed": cgroup_oom_killed(),
        "log_head": len(log.head),
        "log_tail": len(log.tail),
        "log_total": log.total,
        "result_bytes": len(result),
        "result_overflow": kept > result_cap,
    }
    write_all(1, json.dumps(header).encode() + b"\n")
    write_all(1, bytes(log.head))
    write_all(1, bytes(log.tail))
    write_all(1, result)
    sys.exit(1 if header["exit_code"] == NO_JOB_EXIT else header["exit_code"])


def write_all(fd, data):
    """A write may take only part of the bytes (a signal, a runtime such as gVisor): go on until all are."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


main()
