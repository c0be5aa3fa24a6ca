"""A real containerd node for tests: containerd (CONTAINERD_BIN_DIR, scripts/containerd.sh) run as
root with its own root, state and socket under a temporary directory, the EROFS snapshotter and
differ (mkfs_options = ["--xattr-inode-digest"], MKFS_EROFS_19 first on its PATH), and the
transfer service unpacking linux/amd64 into erofs.

    with ContainerdNode() as node:          # starts containerd, waits for its socket
        node.import_archive("img.tar")      # ctr images import --snapshotter erofs
        node.stop()                         # optional: stop before reading its files
        ... node.root ...                   # <tmp>/root (io.containerd.*)
    # leaving the block stops containerd, unmounts what it left under <tmp>, removes <tmp>

skip_reason() says why a node cannot be had here (not root, no containerd, no mkfs.erofs >= 1.9);
a test prints it and skips.
"""

import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time

SNAPSHOTTER_DIR = "io.containerd.snapshotter.v1.erofs"
# `enable_tar_index` of the erofs differ exists from containerd 2.2 on (plugins/diff/erofs).
TAR_INDEX_MIN = (2, 2)


def _env_tool(var, name=None):
    v = os.environ.get(var, "")
    if name:
        v = os.path.join(v, name) if v else ""
    return v if v and os.access(v, os.X_OK) else ""


def containerd_version():
    """(major, minor, patch) of $CONTAINERD_BIN_DIR/containerd, or None."""
    exe = _env_tool("CONTAINERD_BIN_DIR", "containerd")
    if not exe:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.split()
    if len(out) < 3:
        return None
    parts = out[2].lstrip("v").split("+")[0].split("-")[0].split(".")
    try:
        return tuple(int(p) for p in parts[:3])
    except ValueError:
        return None


def skip_reason(tar_index=False):
    if os.geteuid() != 0:
        return "not root: containerd must run as root to mount its EROFS layers"
    if not _env_tool("CONTAINERD_BIN_DIR", "containerd") or not _env_tool("CONTAINERD_BIN_DIR", "ctr"):
        return "CONTAINERD_BIN_DIR has no containerd and ctr (source scripts/env.sh; scripts/containerd.sh)"
    if not _env_tool("MKFS_EROFS_19"):
        return "MKFS_EROFS_19 is not set (source scripts/env.sh)"
    v = containerd_version()
    if v is None or v < (2, 1):
        return f"containerd {v} is older than 2.1 (no EROFS snapshotter)"
    if tar_index and v[:2] < TAR_INDEX_MIN:
        return (f"containerd {'.'.join(map(str, v))} has no `enable_tar_index` option in its erofs "
                f"differ (added in 2.2): the tar-index layer variant cannot be made")
    return ""


def _die_with_parent():
    """preexec_fn: containerd gets SIGTERM if the test is killed (a CTest timeout), so no daemon
    outlives it (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)


def _mounts_under(path):
    """Mount points at or below `path`, deepest first (from /proc/self/mountinfo)."""
    path = os.path.realpath(path)
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            if mp == path or mp.startswith(path + "/"):
                found.append(mp)
    return sorted(set(found), key=lambda p: -p.count("/"))


class ContainerdNode:
    def __init__(self, tar_index=False, keep=False):
        self.tar_index = tar_index
        self.keep = keep
        self.tmp = tempfile.mkdtemp(prefix="es-ctd-")  # short: the socket path must fit 108 bytes
        self.root = os.path.join(self.tmp, "root")
        self.state = os.path.join(self.tmp, "state")
        self.sock = os.path.join(self.tmp, "ctd.sock")
        self.log_path = os.path.join(self.tmp, "containerd.log")
        self.bin = os.environ["CONTAINERD_BIN_DIR"]
        self.proc = None
        self.import_seconds = []

    @property
    def snapshotter(self):
        return os.path.join(self.root, SNAPSHOTTER_DIR)

    def _config(self):
        differ = ['mkfs_options = ["--xattr-inode-digest"]']
        if self.tar_index:
            differ.append("enable_tar_index = true")
        return "\n".join([
            "version = 3",
            f'root = "{self.root}"',
            f'state = "{self.state}"',
            # CRI is not needed to import images and would start a lot of machinery.
            'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images",',
            '                    "io.containerd.cri.v1.runtime", "io.containerd.nri.v1.nri"]',
            "[grpc]",
            f'  address = "{self.sock}"',
            "[ttrpc]",
            f'  address = "{self.sock}.ttrpc"',
            '[plugins."io.containerd.differ.v1.erofs"]',
            *("  " + d for d in differ),
            '[plugins."io.containerd.transfer.v1.local"]',
            '  [[plugins."io.containerd.transfer.v1.local".unpack_config]]',
            '    platform = "linux/amd64"',
            '    snapshotter = "erofs"',
            '    differ = "erofs"',
            "",
        ])

    def start(self, timeout=30):
        path_dir = os.path.join(self.tmp, "bin")
        os.makedirs(path_dir)
        os.symlink(os.environ["MKFS_EROFS_19"], os.path.join(path_dir, "mkfs.erofs"))
        cfg = os.path.join(self.tmp, "config.toml")
        with open(cfg, "w") as f:
            f.write(self._config())
        env = dict(os.environ, PATH=f"{path_dir}:{self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}")
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([os.path.join(self.bin, "containerd"), "--config", cfg],
                                     stdout=log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True, preexec_fn=_die_with_parent)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"containerd exited {self.proc.returncode}:\n{self.log_tail()}")
            if os.path.exists(self.sock) and self.ctr("version", check=False).returncode == 0:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"containerd did not answer on {self.sock} within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, n=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def ctr(self, *args, check=True):
        p = subprocess.run([os.path.join(self.bin, "ctr"), "-a", self.sock, *args],
                           capture_output=True, text=True)
        if check and p.returncode != 0:
            raise RuntimeError(f"ctr {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}\n"
                               f"containerd log:\n{self.log_tail()}")
        return p

    def import_archive(self, archive):
        t0 = time.monotonic()
        self.ctr("images", "import", "--snapshotter", "erofs", archive)
        self.import_seconds.append(time.monotonic() - t0)
        return self.import_seconds[-1]

    def images(self):
        return self.ctr("images", "ls", "-q").stdout.split()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def unmount_all(self):
        for mp in _mounts_under(self.tmp):
            if subprocess.run(["umount", mp], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", mp], capture_output=True)
        left = _mounts_under(self.tmp)
        if left:
            raise RuntimeError(f"still mounted after umount: {left}")

    def cleanup(self):
        self.stop()
        self.unmount_all()
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.cleanup()
        return False
