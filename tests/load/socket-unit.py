#!/usr/bin/env python3
"""socket-unit.py - what systemd does with contrib/systemd/oauth2-fcgi.socket
and .service, for the kill tests (no systemd in a test run): it listens on
the socket unit's ListenStream, and runs the service with that socket as
fd 0 (StandardInput=socket), in a process group of its own (the unit's
cgroup). When the main process ends and Restart= says so, it does what
systemd does: stop what is left of the service (KillSignal to the group,
SIGKILL after TimeoutStopSec), wait RestartSec, run ExecStartPre and
ExecStart again - while the listening socket stays open, so connections
wait in its backlog instead of being refused. Orphans of the service are
reaped here (a subreaper, as PID 1 is).

  socket-unit.py SOCKET-UNIT SERVICE-UNIT MAINPID-FILE

Only the keys used by the shipped units are read: ListenStream, SocketMode,
Backlog; ExecStartPre, ExecStart, Restart, RestartSec,
RestartPreventExitStatus, KillSignal, TimeoutStopSec. Logs one line per
event to stderr. SIGTERM stops the service (KillSignal) and exits.
With SOCKET_UNIT_USERS=1 (as root), the users too: the socket gets
SocketUser/SocketGroup, and the service runs as User/Group with the user's
supplementary groups (tests/e2e/install-systemd.sh); without it, as the
caller (the kill tests).
"""
import grp
import pwd
import ctypes
import os
import shlex
import signal
import socket
import sys
import time


def read_unit(path):
    keys = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;[":
                continue
            k, _, v = line.partition("=")
            keys.setdefault(k.strip(), []).append(v.strip())
    return keys


def seconds(v, default):
    """systemd time spans: 100ms, 2s, 0, 1min."""
    if v is None:
        return default
    v = v.strip()
    for suffix, mul in (("ms", 0.001), ("min", 60.0), ("s", 1.0)):
        if v.endswith(suffix):
            return float(v[: -len(suffix)]) * mul
    return float(v)


def log(msg):
    sys.stderr.write("socket-unit: %s\n" % msg)
    sys.stderr.flush()


def listen(sock_unit):
    addr = sock_unit["ListenStream"][-1]
    backlog = int(sock_unit.get("Backlog", ["4096"])[-1])
    if addr.startswith("/"):
        if os.path.exists(addr):
            os.unlink(addr)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(addr)
        os.chmod(addr, int(sock_unit.get("SocketMode", ["0666"])[-1], 8))
        if USERS:
            os.chown(addr, pwd.getpwnam(sock_unit.get("SocketUser", ["root"])[-1]).pw_uid,
                     grp.getgrnam(sock_unit.get("SocketGroup", ["root"])[-1]).gr_gid)
    else:
        host, _, port = addr.rpartition(":")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host or "127.0.0.1", int(port)))
    s.listen(backlog)
    s.set_inheritable(True)
    return s


USERS = os.environ.get("SOCKET_UNIT_USERS") == "1"


def become(svc):
    """The service's User= and Group=, as systemd sets them (with USERS)."""
    user = svc.get("User", [None])[-1]
    if not USERS or not user:
        return
    pw = pwd.getpwnam(user)
    gid = grp.getgrnam(svc["Group"][-1]).gr_gid if svc.get("Group") else pw.pw_gid
    os.initgroups(user, gid)
    os.setgid(gid)
    os.setuid(pw.pw_uid)


def argv_of(line):
    # systemd's prefixes: '-' (failure ignored), '@', '+', '!', ':'
    while line and line[0] in "-@+!:":
        line = line[1:]
    return shlex.split(line)


class Service:
    def __init__(self, sock, svc, pidfile):
        self.sock = sock
        self.pre = [argv_of(v) for v in svc.get("ExecStartPre", [])]
        self.start = argv_of(svc["ExecStart"][-1])
        self.restart = svc.get("Restart", ["no"])[-1]
        self.restart_sec = seconds(svc.get("RestartSec", [None])[-1], 0.1)
        self.prevent = [int(v) for v in " ".join(svc.get("RestartPreventExitStatus", [])).split()
                        if v.isdigit()]
        self.stop_timeout = seconds(svc.get("TimeoutStopSec", [None])[-1], 90.0)
        self.kill_signal = getattr(signal, svc.get("KillSignal", ["SIGTERM"])[-1])
        self.pidfile = pidfile
        self.svc = svc
        self.main = 0
        self.pgid = 0
        self.stopping = False

    def spawn(self, argv):
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                os.dup2(self.sock.fileno(), 0)
                os.closerange(3, 4096)
                become(self.svc)
                os.execv(argv[0], argv)
            except BaseException as e:  # noqa: B902 - the child must not return
                sys.stderr.write("socket-unit: exec %s: %s\n" % (argv[0], e))
            os._exit(203)  # systemd's EXIT_EXEC
        return pid

    def run_pre(self):
        for argv in self.pre:
            pid = self.spawn(argv)
            _, status = os.waitpid(pid, 0)
            if status != 0:
                log("ExecStartPre %s failed: status %d" % (argv[0], status))
                return False
        return True

    def begin(self):
        if not self.run_pre():
            return False
        self.main = self.spawn(self.start)
        self.pgid = self.main
        with open(self.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % self.main)
        os.rename(self.pidfile + ".tmp", self.pidfile)
        log("started %d" % self.main)
        return True

    def group_alive(self):
        try:
            os.killpg(self.pgid, 0)
            return True
        except ProcessLookupError:
            return False

    def reap(self, block):
        """waitpid(-1): returns (pid, status) or (0, 0)."""
        try:
            return os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return 0, 0

    def stop_group(self):
        """KillSignal to what is left, SIGKILL after TimeoutStopSec."""
        if not self.pgid:
            return
        try:
            os.killpg(self.pgid, self.kill_signal)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + self.stop_timeout
        while self.group_alive() and time.monotonic() < deadline:
            if self.reap(False) == (0, 0):
                time.sleep(0.002)
        if self.group_alive():
            os.killpg(self.pgid, signal.SIGKILL)
        while self.reap(False) != (0, 0):
            pass


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    PR_SET_CHILD_SUBREAPER = 36
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    sock = listen(read_unit(sys.argv[1]))
    svc = Service(sock, read_unit(sys.argv[2]), sys.argv[3])

    def on_term(sig, frame):
        svc.stopping = True
        if svc.main:
            try:
                os.kill(svc.main, svc.kill_signal)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if not svc.begin():
        sys.exit(1)
    while True:
        pid, status = svc.reap(True)
        if pid == 0:
            time.sleep(0.01)
            continue
        if pid != svc.main:
            continue  # an orphan of the service, reaped
        clean = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        how = ("exit %d" % os.WEXITSTATUS(status)) if os.WIFEXITED(status) else (
            "signal %d" % os.WTERMSIG(status))
        t0 = time.monotonic()
        log("main process %d ended (%s)" % (pid, how))
        svc.stop_group()
        if svc.stopping:
            break
        again = svc.restart == "always" or (svc.restart == "on-failure" and not clean)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) in svc.prevent:
            again = False
        if not again:
            break
        time.sleep(svc.restart_sec)
        if not svc.begin():
            break
        log("restarted in %.0f ms" % ((time.monotonic() - t0) * 1000))
    sock.close()


if __name__ == "__main__":
    main()
