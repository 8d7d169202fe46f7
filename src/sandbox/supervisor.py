"""PID 1 of every sandbox: runs the harness as a child and reports, out of the child's reach, how it ended.

The child (the harness with the candidate's code) gets a pipe as its stdout, which the harness keeps as
its result channel after pointing the candidate's own stdout at stderr, the log. This process keeps the
container's stdout for one frame:

    {"exit_code": ..., "cpu_seconds": ..., "peak_memory_mb": ..., "cpu_exceeded": ..., "wall_exceeded": ...}
    <result bytes>

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
import time

POLL_SECONDS = 0.05


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


def cgroup_peak_memory_mb():
    for path in ("/sys/fs/cgroup/memory/memory.max_usage_in_bytes", "/sys/fs/cgroup/memory.peak"):
        peak = read_number(path)
        if peak is not None:
            return peak / (1024 * 1024)
    return None


def own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_child(settings, result_w):
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(result_w, 1)
            os.setsid()
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
                signal.signal(sig, signal.SIG_DFL)
            seed = str(settings["seed"])
            env = dict(os.environ, PYTHONHASHSEED=seed)
            os.execve(sys.executable, [sys.executable, "-s", "-B", "-u", "seeded.py"], env)
        finally:
            os._exit(127)
    return pid


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
    with open("supervisor.json") as f:
        settings = json.load(f)
    os.remove("supervisor.json")
    cpu_limit = float(settings["cpu_seconds"])
    deadline = time.monotonic() + float(settings["wall_seconds"])
    result_cap = int(settings["result_cap"])

    result_r, result_w = os.pipe()
    baseline_cpu = (cgroup_cpu_seconds() or 0.0) - own_cpu_seconds()
    child = start_child(settings, result_w)
    os.close(result_w)

    chunks, kept, open_pipe = [], 0, True
    status, cpu_exceeded, wall_exceeded = None, False, False
    while status is None or open_pipe:
        if open_pipe:
            ready, _, _ = select.select([result_r], [], [], POLL_SECONDS)
            if ready:
                chunk = os.read(result_r, 1 << 16)
                if not chunk:
                    open_pipe = False
                elif kept < result_cap:
                    chunks.append(chunk[: result_cap - kept])
                    kept += len(chunk)
        else:
            time.sleep(POLL_SECONDS)
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
        if not stopped and (cgroup_cpu_seconds() or 0.0) - baseline_cpu - own_cpu_seconds() > cpu_limit:
            cpu_exceeded = stopped = True
            kill_the_rest(child)
        if not stopped and time.monotonic() > deadline:
            wall_exceeded = stopped = True
            kill_the_rest(child)
        if status is not None and open_pipe and stopped:
            open_pipe = False
        if status is not None and open_pipe:
            # The harness ended; a process it left behind may hold the pipe open. Drain what is there.
            ready, _, _ = select.select([result_r], [], [], 0)
            if not ready:
                open_pipe = False
    kill_the_rest(child)

    cpu = cgroup_cpu_seconds()
    if cpu is None:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = children.ru_utime + children.ru_stime
    else:
        cpu -= baseline_cpu + own_cpu_seconds()
    peak = cgroup_peak_memory_mb()
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    header = {
        "exit_code": exit_code_of(status),
        "cpu_seconds": round(max(cpu, 0.0), 3),
        "peak_memory_mb": round(peak, 1),
        "cpu_exceeded": cpu_exceeded,
        "wall_exceeded": wall_exceeded,
    }
    out = sys.stdout.buffer
    out.write(json.dumps(header).encode() + b"\n")
    for chunk in chunks:
        out.write(chunk)
    out.flush()
    sys.exit(header["exit_code"])


main()
