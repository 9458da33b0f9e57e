#!/usr/bin/python3
"""tests/vm/pyfork/pyforkserver.py SOCKET SCRIPT: the server half of pyfork (see pyfork.c).

No upstream counterpart: a test-harness tool. Imports what SCRIPT imports (its top-level
import statements only: nothing else of it runs here), then serves pyfork clients on the
unix socket SOCKET: per client it forks a handler, which forks a copy that takes on the
client's namespaces, cwd, umask, environment and stdio, and runs SCRIPT as __main__ with the
client's arguments. The handler sends the client the copy's pid, then its wait status.

pyroute2's NDB is made lazy in the copies (see `lazy_ndb`); OVS_RS_PYFORK_EAGER_NDB=1 keeps
it as it is.
"""

import ast
import builtins
import ctypes
import io
import os
import runpy
import signal
import socket
import struct
import sys
import time
import traceback
import types

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000


def script_key(path):
    st = os.stat(path)
    return (os.path.realpath(path), st.st_mtime_ns, st.st_size)


def preload(script):
    """Runs SCRIPT's top-level imports (also those inside a top-level try), and returns the
    script compiled, keyed by its path, mtime and size (a script is compiled on every run,
    never cached as bytecode; for ovs-dpctl.py that alone is seconds under TCG)."""
    source = open(script, encoding="utf-8").read()
    tree = ast.parse(source, script)
    nodes = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            nodes.append(node)
        elif isinstance(node, ast.Try):
            nodes.extend(n for n in node.body if isinstance(n, (ast.Import, ast.ImportFrom)))
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    for node in nodes:
        try:
            exec(compile(ast.Module(body=[node], type_ignores=[]), script, "exec"), {})
        except Exception:  # what fails to import here fails again, visibly, in the copy
            pass
    del sys.path[0]
    return script_key(script), compile(source, script, "exec")


class LazyNdb:
    """Stands in for pyroute2's NDB: builds the real one on first use, then delegates to it.

    ovs-dpctl.py builds two NDBs per call (a default argument at import, one in `main`) and
    only `show` reads one; each costs 0.6 s under TCG on the plain kernel (a sqlite schema,
    a thread, a dump of every link, address and route), most of a call's time (1.4 s in
    all). Building it when it is first used gives every command the same netlink traffic to
    the datapath and the same output."""

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_lazy_args", (args, kwargs))
        object.__setattr__(self, "_lazy_real", None)

    def _lazy_get(self):
        real = object.__getattribute__(self, "_lazy_real")
        if real is None:
            args, kwargs = object.__getattribute__(self, "_lazy_args")
            real = LazyNdb.real_class(*args, **kwargs)
            object.__setattr__(self, "_lazy_real", real)
        return real

    def __getattr__(self, name):
        return getattr(self._lazy_get(), name)

    def __setattr__(self, name, value):
        setattr(self._lazy_get(), name, value)

    def __enter__(self):
        return self._lazy_get().__enter__()

    def __exit__(self, *exc):
        return self._lazy_get().__exit__(*exc)


def lazy_ndb():
    """Replaces pyroute2.NDB (what `from pyroute2 import NDB` binds) with LazyNdb, if the
    script's imports loaded pyroute2."""
    pyroute2 = sys.modules.get("pyroute2")
    if pyroute2 is None or os.environ.get("OVS_RS_PYFORK_EAGER_NDB") == "1":
        return False
    real = getattr(pyroute2, "NDB", None)
    if real is None:
        return False
    LazyNdb.real_class = real
    pyroute2.NDB = LazyNdb
    return True


def recv_request(conn):
    """Reads one request: (fds, cwd, umask, argv, env)."""
    fds = []
    msg, anc, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(5 * 4))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(struct.unpack("%di" % (len(payload) // 4), payload[: len(payload) // 4 * 4]))
    data = msg
    while len(data) < 4:
        chunk = conn.recv(65536)
        if not chunk:
            raise EOFError("short request")
        data += chunk
    (length,) = struct.unpack("=I", data[:4])
    data = data[4:]
    while len(data) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise EOFError("short request")
        data += chunk
    fields = data[:length].split(b"\0")
    cwd, umask, argc = fields[0], int(fields[1], 8), int(fields[2])
    argv = [os.fsdecode(a) for a in fields[3 : 3 + argc]]
    envc = int(fields[3 + argc])
    env = {}
    for item in fields[4 + argc : 4 + argc + envc]:
        key, _, value = item.partition(b"=")
        env[os.fsdecode(key)] = os.fsdecode(value)
    if len(fds) != 5:
        raise ValueError("expected 5 fds, got %d" % len(fds))
    return fds, os.fsdecode(cwd), umask, argv, env


def run_main(script, compiled):
    """Runs SCRIPT as __main__, as `python3 SCRIPT` would: from the code compiled at start-up
    if the file is still the same, else from the file."""
    try:
        same = script_key(script) == compiled[0]
    except OSError:
        same = False
    if not same:
        runpy.run_path(script, run_name="__main__")
        return
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__cached__ = None
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    exec(compiled[1], main.__dict__)


def become_client(compiled, fds, cwd, umask, argv, env):
    """In the copy: take on the client's context, run the script, never return."""
    libc = ctypes.CDLL(None, use_errno=True)
    for fd, kind in ((fds[3], CLONE_NEWNET), (fds[4], CLONE_NEWNS)):
        if libc.setns(fd, kind) != 0:
            err = ctypes.get_errno()
            os.write(fds[2], b"pyfork: setns: %s\n" % os.strerror(err).encode())
            os._exit(127)
        os.close(fd)
    for target in (0, 1, 2):
        os.dup2(fds[target], target)
        os.close(fds[target])
    os.chdir(cwd)
    os.umask(umask)
    os.environ.clear()
    os.environ.update(env)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as the interpreter sets it at start-up
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Standard streams as a fresh interpreter would open them on these fds.
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        tty = os.isatty(fd)
        if name == "stdin":
            stream = io.TextIOWrapper(io.open(fd, "rb", closefd=False), line_buffering=tty)
        else:
            raw = io.open(fd, "wb", buffering=0 if unbuffered else -1, closefd=False)
            stream = io.TextIOWrapper(
                raw,
                line_buffering=tty or name == "stderr",
                write_through=unbuffered,
                errors="backslashreplace" if name == "stderr" else "strict",
            )
        setattr(sys, name, stream)
        setattr(sys, "__%s__" % name, stream)
    script = argv[0]
    sys.argv = argv
    sys.path[0:0] = [os.path.dirname(os.path.abspath(script))]
    code = 0
    try:
        run_main(script, compiled)
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        sys.stdout.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code & 0xFF)


def handle(compiled, conn):
    """In the handler: start the copy, report its pid and wait status to the client."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    fds, cwd, umask, argv, env = recv_request(conn)
    pid = os.fork()
    if pid == 0:
        conn.close()
        become_client(compiled, fds, cwd, umask, argv, env)
    for fd in fds:
        os.close(fd)
    conn.sendall(struct.pack("=I", pid))
    t0 = time.monotonic()
    _, status = os.waitpid(pid, 0)
    conn.sendall(struct.pack("=I", status))
    # One line per call, for the harness's account of where the kselftest's time goes.
    print("pyfork: call %.2fs %s" % (time.monotonic() - t0, " ".join(argv[1:3])), flush=True)


def main():
    path, script = sys.argv[1], sys.argv[2]
    compiled = preload(script)
    lazy = lazy_ndb()
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # handlers are reaped by the kernel
    print("pyforkserver: ready, %d modules preloaded%s"
          % (len(sys.modules), ", NDB lazy" if lazy else ""), flush=True)
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            code = 0
            try:
                handle(compiled, conn)
            except BaseException:
                traceback.print_exc()
                code = 1
            os._exit(code)
        conn.close()


if __name__ == "__main__":
    main()
