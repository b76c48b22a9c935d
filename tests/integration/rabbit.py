"""rabbit: a private RabbitMQ broker for tests and benchmarks (Debian's rabbitmq-server).
Runs on 127.0.0.1 with free ports, its own epmd, node name, config, plugins file, HOME,
mnesia and log directories in a temporary directory; waits for it by connecting in a
bounded loop; stops it by process group id. Installs the package with apt-get when
root and missing (raising Unavailable when it cannot).

As a script: `python3 rabbit.py CMD ARGS...` runs CMD with $WARD_AMQP_URL pointing at a
fresh broker and stops the broker afterwards (used by tools/bench-amqp.sh)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


class Unavailable(Exception):
    pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def ensure_installed():
    if os.path.exists(SERVER) and shutil.which("epmd"):
        return
    if os.geteuid() != 0:
        raise Unavailable("rabbitmq-server is not installed and we are not root")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "rabbitmq-server"],
                       env=env, capture_output=True, text=True, timeout=900)
    if r.returncode != 0 or not os.path.exists(SERVER):
        raise Unavailable("apt-get install rabbitmq-server failed: " + r.stderr[-300:])


class Rabbit:
    def __init__(self):
        ensure_installed()
        self.tmp = tempfile.mkdtemp(prefix="ward-rabbit-")
        self.port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self.node = "wardtest%d@localhost" % os.getpid()
        self.url = "amqp://guest:guest@127.0.0.1:%d/" % self.port
        self.proc = self.epmd = None
        for d in ("mnesia", "log", "home"):
            os.makedirs(os.path.join(self.tmp, d))
        with open(os.path.join(self.tmp, "enabled_plugins"), "w") as f:
            f.write("[].\n")
        with open(os.path.join(self.tmp, "rabbitmq.conf"), "w") as f:
            f.write("listeners.tcp.default = 127.0.0.1:%d\n" % self.port)
            f.write("disk_free_limit.absolute = 10MB\n")
            f.write("vm_memory_high_watermark.relative = 0.8\n")
        self.env = dict(os.environ, HOME=os.path.join(self.tmp, "home"),
                        RABBITMQ_NODENAME=self.node, RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
                        RABBITMQ_NODE_PORT=str(self.port), RABBITMQ_DIST_PORT=str(self.dist_port),
                        ERL_EPMD_PORT=str(self.epmd_port), ERL_EPMD_ADDRESS="127.0.0.1",
                        RABBITMQ_MNESIA_BASE=os.path.join(self.tmp, "mnesia"),
                        RABBITMQ_LOG_BASE=os.path.join(self.tmp, "log"),
                        RABBITMQ_CONFIG_FILE=os.path.join(self.tmp, "rabbitmq"),
                        RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(self.tmp, "enabled_plugins"),
                        RABBITMQ_LOGS=os.path.join(self.tmp, "log", "rabbit.log"))

    def start(self, timeout=90):
        if self.epmd is None:
            self.epmd = subprocess.Popen(["epmd", "-port", str(self.epmd_port), "-address",
                                          "127.0.0.1"], env=self.env, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        out = open(os.path.join(self.tmp, "log", "stdout.log"), "ab")
        self.proc = subprocess.Popen([SERVER], env=self.env, stdout=out, stderr=out,
                                     start_new_session=True, cwd=self.tmp)
        out.close()
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise Unavailable("rabbitmq-server did not start: " + self.log_tail())
            time.sleep(0.2)
        return self

    def ready(self):
        """The AMQP listener answers the protocol header with a connection.start."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"AMQP\x00\x00\x09\x01")
                return len(s.recv(8)) > 0
        except OSError:
            return False

    def log_tail(self):
        try:
            with open(os.path.join(self.tmp, "log", "stdout.log"), errors="replace") as f:
                return f.read()[-600:]
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        # the broker's helpers (erl_child_setup, inet_gethost) live in its process group
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc = None

    def cleanup(self):
        self.stop()
        if self.epmd:
            self.epmd.kill()
            self.epmd.wait()
            self.epmd = None
        shutil.rmtree(self.tmp, ignore_errors=True)


if __name__ == "__main__":
    r = Rabbit().start()
    try:
        rc = subprocess.call(sys.argv[1:], env=dict(os.environ, WARD_AMQP_URL=r.url))
    finally:
        r.cleanup()
    sys.exit(rc)
