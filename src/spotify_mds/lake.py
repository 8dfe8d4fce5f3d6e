"""The lake: object-store access behind one small interface.

Three implementations of the same five calls (`put`, `get`, `list`, `delete`, `url`):
- `LocalLake`: a folder; writes are atomic (temporary file, fsync, rename) so a crash never leaves
  half a file under its final name. A writer killed mid-write leaves its temporary file, named
  `.tmp-<pid>@<host>-<random>.tmp` (hidden, never listed); `remove_stale_temporaries` deletes those
  of writers that are gone, so lakes shared by several writers stay safe: on this host a file is
  stale once its pid is not running, from another host (or unnamed) once it is an hour old, as no
  write takes that long;
- `S3Lake`: any S3 endpoint (MinIO, AWS S3, moto) through s3fs; a PUT is atomic by nature. Short
  connect/read timeouts and a few retries per call: a longer outage surfaces as `LakeError`, and the
  caller (the lander) decides how to wait — it must keep talking to Kafka meanwhile;
- `MemoryLake`: the in-memory twin for unit tests.

Keys are always relative, `/`-separated (`bronze/spotify.streams/date=.../x.ndjson`). A put whose
bytes equal what is already stored is skipped, so a replay that rewrites the same keys leaves them,
and their version tags, untouched.

Replacing different bytes is the caller's decision, never a silent side effect: a put given
`may_replace` (the lander's bronze and quarantine files) asks it about the bytes already stored and
raises `LakeConflict` unless it agrees; a put without it (gold exports, state, reports: objects
that are meant to be rewritten) replaces. The check reads the stored object only when one exists
(a replay), so first writes cost nothing more. It is not atomic with the write: it guards against
two *different* streams claiming one key (a file landed under another's positions, a topic deleted
and recreated with its offsets back at 0), not against two writers racing on one key, which the
consumer group's partition ownership already rules out.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from spotify_mds.errors import LakeConflict, LakeError
from spotify_mds.extras import require

MayReplace = Callable[[str, bytes, bytes], bool]
"""Asked (key, stored bytes, new bytes) before new bytes replace different stored ones: True allows it."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    version: str
    """Changes whenever the bytes change: mtime for a folder, the ETag on S3."""


class Lake(Protocol):
    root: str

    def put(self, key: str, data: bytes, *, may_replace: MayReplace | None = None) -> bool:
        """Store `data` under `key`; return False when identical bytes were already there.

        With `may_replace`, different bytes already under `key` are replaced only if it returns True
        for them (and `data`); otherwise LakeConflict is raised and nothing is written.
        """

    def get(self, key: str) -> bytes: ...

    def list(self, prefix: str) -> list[ObjectInfo]:
        """Every object under `prefix`, sorted by key."""

    def delete(self, key: str) -> None: ...

    def url(self, key: str) -> str:
        """A path or URL that DuckDB (with `filesystem()` registered) and pyarrow can read."""

    def filesystem(self) -> Any | None:
        """The fsspec filesystem DuckDB must register to read `url()`s, or None for local paths."""


class LocalLake:
    def __init__(self, root: str | Path) -> None:
        self.root = str(Path(root).resolve())

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        # A key names a file below the root: no absolute path, no `..` or empty segment to leave it.
        if not key or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"lake key {key!r} is not a plain relative path below {self.root}")
        return Path(self.root, *parts)

    def put(self, key: str, data: bytes, *, may_replace: MayReplace | None = None) -> bool:
        path = self._path(key)
        try:
            if path.is_file():
                if may_replace is None:  # only equal sizes can be equal bytes: read only those
                    if path.stat().st_size == len(data) and path.read_bytes() == data:
                        return False
                else:
                    stored = path.read_bytes()
                    if stored == data:
                        return False
                    _check_replace(key, stored, data, may_replace)
            path.parent.mkdir(parents=True, exist_ok=True)
            # Suffix `.tmp`, not the key's: a writer killed mid-write (kill -9) leaves a hidden
            # `.tmp-*.tmp` that no `*.ndjson` glob of a reader picks up as data; the writer's pid and
            # host in the name tell `remove_stale_temporaries` whether it is still running.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{os.getpid()}@{_HOST}-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise LakeError(f"cannot write {key}: {exc}", key=key) from exc
        return True

    def remove_stale_temporaries(self, prefix: str, *, older_than_s: float = 3600.0) -> int:
        """Delete the temporary files under `prefix` whose writer is gone (module docstring); return how many."""
        base = self._path(prefix.rstrip("/")) if prefix else Path(self.root)
        removed = 0
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".tmp-") and name.endswith(".tmp"):
                    path = Path(dirpath, name)
                    try:
                        if _stale(name, path.stat().st_mtime, older_than_s):
                            path.unlink()
                            removed += 1
                    except FileNotFoundError:  # its writer renamed it, or another cleaner was first
                        pass
        return removed

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise LakeError(f"cannot read {key}: {exc}", key=key) from exc

    def list(self, prefix: str) -> list[ObjectInfo]:
        base = self._path(prefix.rstrip("/")) if prefix else Path(self.root)
        if not base.exists():
            return []
        found = []
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".tmp-"):
                    continue
                path = Path(dirpath, name)
                stat = path.stat()
                key = path.relative_to(self.root).as_posix()
                found.append(ObjectInfo(key, stat.st_size, f"{stat.st_size}-{stat.st_mtime_ns}"))
        return sorted(found, key=lambda info: info.key)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        return str(self._path(key))

    def filesystem(self) -> None:
        return None


class S3Lake:
    """A bucket (and optional prefix) on any S3 endpoint, through s3fs."""

    def __init__(
        self,
        root: str,
        *,
        endpoint_url: str = "",
        key: str = "",
        secret: str = "",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_attempts: int = 3,
        parallel_puts: int = 8,
    ) -> None:
        s3fs = require("s3fs")  # optional dependency: the `s3` extra

        self.root = root.rstrip("/")
        self._base = self.root.removeprefix("s3://")
        client_kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
        self._fs = s3fs.S3FileSystem(
            key=key or None,
            secret=secret or None,
            client_kwargs=client_kwargs,
            config_kwargs={
                "retries": {"max_attempts": max_attempts, "mode": "standard"},
                "connect_timeout": connect_timeout,
                "read_timeout": read_timeout,
            },
            skip_instance_cache=True,
        )
        # s3fs retries each call 5 times around botocore's own `max_attempts`, which let a put
        # during an outage take ~15-30 s to fail and the lander notice. The lander retries with its
        # own back-off (landing/kafka_lander.py), so one s3fs retry on top of botocore's is enough.
        self._fs.retries = 2
        self._parallel_puts = parallel_puts
        self._pool: ThreadPoolExecutor | None = None

    def _path(self, key: str) -> str:
        return f"{self._base}/{key}"

    def put(self, key: str, data: bytes, *, may_replace: MayReplace | None = None) -> bool:
        path = self._path(key)
        try:
            try:
                etag = self._fs.info(path).get("ETag", "").strip('"')
                exists = True
            except FileNotFoundError:
                etag, exists = "", False
            if etag and etag == hashlib.md5(data, usedforsecurity=False).hexdigest():
                return False
            if exists and may_replace is not None:  # a multipart ETag is no MD5: compare the bytes
                stored = self._fs.cat_file(path)
                if stored == data:
                    return False
                _check_replace(key, stored, data, may_replace)
            self._fs.pipe_file(path, data)
        except LakeConflict:
            raise
        except Exception as exc:  # botocore and aiohttp raise many types; the key is what matters
            raise LakeError(f"cannot write {key}: {exc}", key=key) from exc
        return True

    def put_many(
        self, items: Sequence[tuple[str, bytes]], *, may_replace: MayReplace | None = None
    ) -> list[bool]:
        """`put` each (key, data) concurrently; raise the first error after all have finished."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._parallel_puts, thread_name_prefix="s3-put")
        futures = [self._pool.submit(self.put, key, data, may_replace=may_replace) for key, data in items]
        errors = [f.exception() for f in futures]
        for error in errors:
            if error is not None:
                raise error
        return [f.result() for f in futures]

    def get(self, key: str) -> bytes:
        try:
            return self._fs.cat_file(self._path(key))
        except Exception as exc:
            raise LakeError(f"cannot read {key}: {exc}", key=key) from exc

    def list(self, prefix: str) -> list[ObjectInfo]:
        try:
            self._fs.invalidate_cache()
            found = self._fs.find(self._path(prefix.rstrip("/")), detail=True)
        except FileNotFoundError:
            return []
        except Exception as exc:
            raise LakeError(f"cannot list {prefix}: {exc}", key=prefix) from exc
        infos = [
            ObjectInfo(path.removeprefix(self._base + "/"), int(info["size"]), str(info.get("ETag", "")).strip('"'))
            for path, info in found.items()
            if info.get("type") != "directory"
        ]
        return sorted(infos, key=lambda info: info.key)

    def delete(self, key: str) -> None:
        try:
            self._fs.rm_file(self._path(key))
        except FileNotFoundError:
            pass

    def url(self, key: str) -> str:
        return f"s3://{self._path(key)}"

    def filesystem(self) -> Any:
        return self._fs


class MemoryLake:
    """The in-memory twin: same calls, a dict behind them."""

    def __init__(self) -> None:
        self.root = "memory://"
        self.objects: dict[str, bytes] = {}
        self._versions: dict[str, int] = {}

    def put(self, key: str, data: bytes, *, may_replace: MayReplace | None = None) -> bool:
        stored = self.objects.get(key)
        if stored == data:
            return False
        if stored is not None and may_replace is not None:
            _check_replace(key, stored, data, may_replace)
        self.objects[key] = data
        self._versions[key] = self._versions.get(key, 0) + 1
        return True

    def get(self, key: str) -> bytes:
        try:
            return self.objects[key]
        except KeyError:
            raise LakeError(f"no object {key}", key=key) from None

    def list(self, prefix: str) -> list[ObjectInfo]:
        return [
            ObjectInfo(key, len(data), str(self._versions[key]))
            for key, data in sorted(self.objects.items())
            if key.startswith(prefix)
        ]

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def url(self, key: str) -> str:
        return f"memory://{key}"

    def filesystem(self) -> None:
        return None


_HOST = socket.gethostname()
_TEMPORARY = re.compile(r"\.tmp-(?P<pid>\d+)@(?P<host>.+)-[^-]+\.tmp")


def _stale(name: str, mtime: float, older_than_s: float) -> bool:
    if time.time() - mtime > older_than_s:
        return True
    named = _TEMPORARY.fullmatch(name)
    if os.name != "posix":  # os.kill(pid, 0) is no liveness probe there: it would end the process
        return False
    if named is None or named["host"] != _HOST or int(named["pid"]) == os.getpid():
        return False
    try:
        os.kill(int(named["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # running, as another user
        return False
    return False


def _check_replace(key: str, stored: bytes, data: bytes, may_replace: MayReplace) -> None:
    if not may_replace(key, stored, data):
        raise LakeConflict(
            f"{key} already holds {len(stored):,} different bytes that this write may not replace",
            key=key,
        )


def open_lake(root: str, *, endpoint_url: str = "", key: str = "", secret: str = "", **s3_options: Any) -> Lake:
    """The lake at `root`: an `s3://bucket/prefix` URL or a local folder (`s3_options`: see S3Lake)."""
    if root.startswith("s3://"):
        return S3Lake(root, endpoint_url=endpoint_url, key=key, secret=secret, **s3_options)
    return LocalLake(root)


def lake_from(settings: Any) -> Lake:
    """The lake the settings configure (LAKE_URL, MINIO_*, or DATA_DIR/lake): the edges' one way in."""
    return open_lake(settings.lake_root, **settings.s3_options())
