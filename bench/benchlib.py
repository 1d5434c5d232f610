# SPDX-License-Identifier: Apache-2.0
"""What the benchmarks share: processes started with a log file each and
stopped by PID, and the server's CPU time from /proc."""
import os
import signal
import subprocess
import time


class Procs:
    def __init__(self, logdir):
        self.logdir, self.started = logdir, []

    def start(self, argv, name, env=None):
        log = open(os.path.join(self.logdir, name + ".log"), "ab")
        p = subprocess.Popen([str(a) for a in argv], stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        self.started.append((p, log))
        return p

    def wait(self, p, check, what, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if p.poll() is not None:
                raise SystemExit(f"{what} exited early, see {self.logdir}")
            if check():
                return
            time.sleep(0.05)
        raise SystemExit(f"{what} not ready, see {self.logdir}")

    def stop_all(self):
        for p, log in reversed(self.started):
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
            log.close()


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
