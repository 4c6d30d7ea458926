#!/usr/bin/python3
"""cutfs: a FUSE file system that forgets what was never synced (a power cut).

Jepsen's LazyFS idea for StemeDB's power-loss tests (tests/powerloss/). Every
write, truncate and name change (create, mkdir, rename, link, unlink, rmdir) is held
in this process's memory; what a power cut keeps is the *durable* state:

  * a file's bytes and size as of its last fsync or fdatasync (FUSE_FSYNC,
    with or without the datasync flag: both make the data durable);
  * a directory's entries as of its last fsync (FUSE_FSYNCDIR). A new file
    whose directory was never fsynced vanishes; a rename or unlink whose
    directory was never fsynced is undone (the old name comes back, holding
    the old file's durable bytes).

That is the strictest model POSIX allows (ext4 and XFS often keep more); a
program that survives it survives a real power cut on any of them.

The control channel is a unix socket (one command per line, one answer line):
  cut     freeze (every operation now fails with EIO) and drop everything
          unsynced: the tree becomes the durable tree. The caller then
          SIGKILLs the program using the mount and sends `resume`.
  cut-torn SEED
          the same, except that each file keeps a random part (drawn from
          SEED) of its unsynced pages and maybe its unsynced size: the torn
          writes a real power cut leaves when the kernel had written some
          pages back. Names are dropped as in `cut`.
  resume  unfreeze (a new process sees only the durable tree).
  sync    make everything durable (like sync(2), for test set-up).
  stats   one JSON line: operation counts (fsync vs fdatasync vs fsyncdir as
          they reached FUSE), cuts, bytes and names dropped.
  ping    `ok` once mounted.

Why Python and fusepy: Debian's python3-fusepy (libfuse2) with the system
Python is installed here and in CI by apt, needs no compiler and no npm native
module (the npm FUSE bindings need node-gyp builds against Node, not Bun), and
the whole layer stays one small readable file. It is single-threaded (-s):
the model needs no locking beyond the one lock shared with the control thread,
and the throughput (a few thousand operations a second) is ample for a
database doing group commit.

Metadata other than names and sizes (mode, owner, times) is applied at once
and kept across a cut: StemeDB's durability does not rest on it.

Usage: cutfs.py MOUNTPOINT STORE_DIR CONTROL_SOCKET
"""

import errno
import json
import os
import random
import socket
import stat
import sys
import threading
import time

from fusepy import FUSE, FuseOSError, Operations

PAGE = 4096


class Node:
    """One inode. Files keep their durable bytes in STORE/<id>; directories live in memory."""

    def __init__(self, fs, kind, mode):
        fs.next_id += 1
        self.id = fs.next_id
        self.kind = kind  # 'f' or 'd'
        self.mode = mode
        now = time.time()
        self.times = (now, now, now)
        if kind == "d":
            self.children = {}  # live entries
            self.durable = {}  # entries as of the last fsyncdir
        else:
            self.base = os.path.join(fs.store, str(self.id))
            open(self.base, "wb").close()
            self.durable_size = 0  # STORE/<id> holds exactly these bytes
            self.size = 0  # live size
            self.pages = {}  # page index -> bytearray(PAGE): unsynced bytes
            self.zero_from = 0  # base bytes at or past this offset read as zero

    # -- file data ---------------------------------------------------------
    def page(self, idx):
        """The page's live bytes (a copy of base or zeros when not dirty)."""
        p = self.pages.get(idx)
        if p is not None:
            return p
        p = bytearray(PAGE)
        start = idx * PAGE
        limit = min(self.zero_from, self.durable_size)
        if start < limit:
            with open(self.base, "rb") as f:
                f.seek(start)
                chunk = f.read(min(PAGE, limit - start))
            p[: len(chunk)] = chunk
        return p

    def read(self, size, offset):
        end = min(offset + size, self.size)
        out = bytearray()
        pos = offset
        while pos < end:
            idx, off = divmod(pos, PAGE)
            n = min(PAGE - off, end - pos)
            out += self.page(idx)[off : off + n]
            pos += n
        return bytes(out)

    def write(self, data, offset):
        pos, i = offset, 0
        while i < len(data):
            idx, off = divmod(pos, PAGE)
            n = min(PAGE - off, len(data) - i)
            p = self.page(idx)
            p[off : off + n] = data[i : i + n]
            self.pages[idx] = p
            pos += n
            i += n
        self.size = max(self.size, offset + len(data))
        return len(data)

    def truncate(self, length):
        if length < self.size:
            for idx in [i for i in self.pages if i * PAGE >= length]:
                del self.pages[idx]
            idx, off = divmod(length, PAGE)
            if off and idx in self.pages:
                self.pages[idx][off:] = bytes(PAGE - off)
            self.zero_from = min(self.zero_from, length)
        self.size = length

    def sync(self):
        """fsync/fdatasync: the live bytes become the durable bytes."""
        with open(self.base, "r+b") as f:
            if self.zero_from < self.durable_size:
                f.truncate(self.zero_from)
            for idx in sorted(self.pages):
                start = idx * PAGE
                if start >= self.size:
                    continue
                f.seek(start)
                f.write(self.pages[idx][: min(PAGE, self.size - start)])
            f.truncate(self.size)
        self.pages.clear()
        self.durable_size = self.zero_from = self.size

    def forget_torn(self, rnd):
        """A torn cut: the kernel had written back a random part of the unsynced
        pages, and the new size may or may not have reached the disk (a hole
        reads as zeros, as after ext4's delayed allocation)."""
        if not self.pages and self.size == self.durable_size and self.zero_from >= self.durable_size:
            return 0
        size = self.size if rnd.random() < 0.5 else self.durable_size
        kept = [i for i in sorted(self.pages) if rnd.random() < 0.5 and i * PAGE < size]
        dropped = sum(len(p) for i, p in self.pages.items() if i not in kept)
        with open(self.base, "r+b") as f:
            if self.zero_from < self.durable_size and rnd.random() < 0.5:
                f.truncate(self.zero_from)
            f.truncate(size)
            for i in kept:
                f.seek(i * PAGE)
                f.write(self.pages[i][: min(PAGE, size - i * PAGE)])
        self.pages.clear()
        self.durable_size = self.size = self.zero_from = size
        return dropped

    def forget(self):
        """The cut: unsynced bytes and size changes are gone."""
        dropped = sum(len(p) for p in self.pages.values())
        self.pages.clear()
        self.size = self.zero_from = self.durable_size
        return dropped


class CutFS(Operations):
    use_ns = False

    def __init__(self, store):
        self.store = store
        self.next_id = 0
        self.mutex = threading.RLock()
        self.frozen = False
        self.root = Node(self, "d", stat.S_IFDIR | 0o755)
        self.nodes = [self.root]
        self.handles = {}  # fh -> Node
        self.next_fh = 0
        self.counts = {}
        self.cuts = 0
        self.dropped_bytes = 0
        self.dropped_names = 0

    def __call__(self, op, *args):
        with self.mutex:
            self.counts[op] = self.counts.get(op, 0) + 1
            if self.frozen and op not in ("release", "releasedir", "destroy", "init"):
                raise FuseOSError(errno.EIO)
            return super().__call__(op, *args)

    # -- helpers -----------------------------------------------------------
    def lookup(self, path):
        node = self.root
        for part in [p for p in path.split("/") if p]:
            if node.kind != "d" or part not in node.children:
                raise FuseOSError(errno.ENOENT)
            node = node.children[part]
        return node

    def parent(self, path):
        head, name = os.path.split(path.rstrip("/"))
        d = self.lookup(head or "/")
        if d.kind != "d":
            raise FuseOSError(errno.ENOTDIR)
        return d, name

    def handle(self, node):
        self.next_fh += 1
        self.handles[self.next_fh] = node
        return self.next_fh

    def node_of(self, path, fh):
        if fh and fh in self.handles:
            return self.handles[fh]
        return self.lookup(path)

    def new(self, path, kind, mode):
        d, name = self.parent(path)
        if name in d.children:
            raise FuseOSError(errno.EEXIST)
        n = Node(self, kind, mode)
        self.nodes.append(n)
        d.children[name] = n
        return n

    # -- control -----------------------------------------------------------
    def cut(self, torn_seed=None):
        """Drops what was never synced; with `torn_seed`, files keep a random
        part of their unsynced pages (names are dropped as in a plain cut)."""
        rnd = random.Random(torn_seed) if torn_seed is not None else None
        with self.mutex:
            self.frozen = True
            self.cuts += 1
            for n in self.nodes:
                if n.kind == "d":
                    self.dropped_names += len(set(n.children.items()) ^ set(n.durable.items()))
                    n.children = dict(n.durable)
                else:
                    self.dropped_bytes += n.forget_torn(rnd) if rnd else n.forget()
            self.handles.clear()

    def sync_all(self):
        with self.mutex:
            for n in self.nodes:
                if n.kind == "d":
                    n.durable = dict(n.children)
                else:
                    n.sync()

    def stats(self):
        with self.mutex:
            return {
                "counts": self.counts,
                "cuts": self.cuts,
                "dropped_bytes": self.dropped_bytes,
                "dropped_names": self.dropped_names,
                "frozen": self.frozen,
            }

    # -- FUSE operations ---------------------------------------------------
    def getattr(self, path, fh=None):
        n = self.node_of(path, fh)
        a, m, c = n.times
        st = {
            "st_mode": n.mode,
            "st_uid": os.getuid(),
            "st_gid": os.getgid(),
            "st_atime": a,
            "st_mtime": m,
            "st_ctime": c,
        }
        if n.kind == "d":
            st["st_nlink"] = 2 + sum(1 for c in n.children.values() if c.kind == "d")
            st["st_size"] = 4096
        else:
            st["st_nlink"] = 1
            st["st_size"] = n.size
            st["st_blocks"] = (n.size + 511) // 512
        return st

    def access(self, path, amode):
        self.lookup(path)
        return 0

    def chmod(self, path, mode):
        n = self.lookup(path)
        n.mode = (n.mode & ~0o7777) | (mode & 0o7777)
        return 0

    def chown(self, path, uid, gid):
        return 0

    def utimens(self, path, times=None):
        n = self.lookup(path)
        now = time.time()
        a, m = times if times else (now, now)
        n.times = (a, m, now)
        return 0

    def statfs(self, path):
        return {"f_bsize": PAGE, "f_frsize": PAGE, "f_blocks": 1 << 24, "f_bfree": 1 << 23,
                "f_bavail": 1 << 23, "f_files": 1 << 20, "f_ffree": 1 << 19, "f_namemax": 255}

    def mkdir(self, path, mode):
        self.new(path, "d", stat.S_IFDIR | (mode & 0o7777))
        return 0

    def create(self, path, mode, fi=None):
        n = self.new(path, "f", stat.S_IFREG | (mode & 0o7777))
        return self.handle(n)

    def open(self, path, flags):
        n = self.lookup(path)
        if n.kind == "d":
            raise FuseOSError(errno.EISDIR)
        return self.handle(n)

    def opendir(self, path):
        n = self.lookup(path)
        if n.kind != "d":
            raise FuseOSError(errno.ENOTDIR)
        return self.handle(n)

    def readdir(self, path, fh):
        n = self.node_of(path, fh)
        return [".", ".."] + list(n.children)

    def read(self, path, size, offset, fh):
        return self.node_of(path, fh).read(size, offset)

    def write(self, path, data, offset, fh):
        return self.node_of(path, fh).write(data, offset)

    def truncate(self, path, length, fh=None):
        n = self.node_of(path, fh)
        if n.kind == "d":
            raise FuseOSError(errno.EISDIR)
        n.truncate(length)
        return 0

    def fsync(self, path, datasync, fh):
        key = "fdatasync" if datasync else "fsync_full"
        self.counts[key] = self.counts.get(key, 0) + 1
        self.node_of(path, fh).sync()
        return 0

    def fsyncdir(self, path, datasync, fh):
        n = self.node_of(path, fh)
        n.durable = dict(n.children)
        return 0

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        self.handles.pop(fh, None)
        return 0

    def releasedir(self, path, fh):
        self.handles.pop(fh, None)
        return 0

    def unlink(self, path):
        d, name = self.parent(path)
        n = d.children.get(name)
        if n is None:
            raise FuseOSError(errno.ENOENT)
        if n.kind == "d":
            raise FuseOSError(errno.EISDIR)
        del d.children[name]
        return 0

    def rmdir(self, path):
        d, name = self.parent(path)
        n = d.children.get(name)
        if n is None:
            raise FuseOSError(errno.ENOENT)
        if n.kind != "d":
            raise FuseOSError(errno.ENOTDIR)
        if n.children:
            raise FuseOSError(errno.ENOTEMPTY)
        del d.children[name]
        return 0

    def rename(self, old, new):
        od, oname = self.parent(old)
        nd, nname = self.parent(new)
        n = od.children.get(oname)
        if n is None:
            raise FuseOSError(errno.ENOENT)
        target = nd.children.get(nname)
        if target is not None and target.kind == "d":
            if n.kind != "d":
                raise FuseOSError(errno.EISDIR)
            if target.children:
                raise FuseOSError(errno.ENOTEMPTY)
        elif target is not None and n.kind == "d":
            raise FuseOSError(errno.ENOTDIR)
        del od.children[oname]
        nd.children[nname] = n
        return 0

    def link(self, target, source):
        # fusepy passes (new name, existing name): a second name for one node.
        n = self.lookup(source)
        if n.kind == "d":
            raise FuseOSError(errno.EPERM)
        d, name = self.parent(target)
        if name in d.children:
            raise FuseOSError(errno.EEXIST)
        d.children[name] = n
        return 0

    def symlink(self, target, source):
        raise FuseOSError(errno.ENOTSUP)


def serve_control(fs, sock_path):
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(8)

    def client(conn):
        with conn, conn.makefile("rw") as f:
            for line in f:
                cmd = line.strip()
                if cmd == "cut":
                    fs.cut()
                    answer = "ok"
                elif cmd.startswith("cut-torn "):
                    fs.cut(int(cmd.split()[1]))
                    answer = "ok"
                elif cmd == "resume":
                    with fs.mutex:
                        fs.frozen = False
                    answer = "ok"
                elif cmd == "sync":
                    fs.sync_all()
                    answer = "ok"
                elif cmd == "stats":
                    answer = json.dumps(fs.stats())
                elif cmd == "ping":
                    answer = "ok"
                else:
                    answer = "error unknown command " + cmd
                f.write(answer + "\n")
                f.flush()

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=client, args=(conn,), daemon=True).start()


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    mountpoint, store, control = sys.argv[1:]
    os.makedirs(store, exist_ok=True)
    fs = CutFS(store)
    threading.Thread(target=serve_control, args=(fs, control), daemon=True).start()
    # Timeouts 0: the kernel must not answer from a cached entry or attribute
    # that a cut has since taken away. hard_remove: unlink really unlinks.
    FUSE(
        fs,
        mountpoint,
        foreground=True,
        nothreads=True,
        fsname="cutfs",
        hard_remove=True,
        entry_timeout=0,
        attr_timeout=0,
        negative_timeout=0,
        big_writes=True,
        max_write=131072,
    )


if __name__ == "__main__":
    main()
