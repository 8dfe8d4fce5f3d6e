"""The lake: object-store access behind one small interface.

Three implementations of the same five calls (`put`, `get`, `list`, `delete`, `url`):
- `LocalLake`: a folder; writes are atomic (temporary file, fsync, rename) so a crash never leaves
  half a file under its final name;
- `S3Lake`: any S3 endpoint (MinIO, AWS S3, moto) through s3fs; a PUT is atomic by nature. Short
  connect/read timeouts and a few retries per call: a longer outage surfaces as `LakeError`, and the
  caller (the lander) decides how to wait — it must keep talking to Kafka meanwhile;
- `MemoryLake`: the in-memory twin for unit tests.

Keys are always relative, `/`-separated (`bronze/spotify.streams/date=.../x.ndjson`). A put whose
bytes equal what is already stored is skipped, so a replay that rewrites the same keys leaves them,
and their version tags, untouched.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from spotify_mds.errors import LakeError
from spotify_mds.extras import require


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    version: str
    """Changes whenever the bytes change: mtime for a folder, the ETag on S3."""


class Lake(Protocol):
    root: str

    def put(self, key: str, data: bytes) -> bool:
        """Store `data` under `key`; return False when identical bytes were already there."""

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
        return Path(self.root, *key.split("/"))

    def put(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        try:
            if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                return False
            path.parent.mkdir(parents=True, exist_ok=True)
            # Suffix `.tmp`, not the key's: a writer killed mid-write (kill -9) leaves a hidden
            # `.tmp-*.tmp` that no `*.ndjson` glob of a reader picks up as data.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".tmp")
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
        # own back-off (land_kafka.py), so one s3fs retry on top of botocore's is enough.
        self._fs.retries = 2
        self._parallel_puts = parallel_puts
        self._pool: ThreadPoolExecutor | None = None

    def _path(self, key: str) -> str:
        return f"{self._base}/{key}"

    def put(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        try:
            try:
                etag = self._fs.info(path).get("ETag", "").strip('"')
            except FileNotFoundError:
                etag = ""
            if etag and etag == hashlib.md5(data, usedforsecurity=False).hexdigest():
                return False
            self._fs.pipe_file(path, data)
        except Exception as exc:  # botocore and aiohttp raise many types; the key is what matters
            raise LakeError(f"cannot write {key}: {exc}", key=key) from exc
        return True

    def put_many(self, items: Sequence[tuple[str, bytes]]) -> list[bool]:
        """`put` each (key, data) concurrently; raise the first LakeError after all have finished."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._parallel_puts, thread_name_prefix="s3-put")
        futures = [self._pool.submit(self.put, key, data) for key, data in items]
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

    def put(self, key: str, data: bytes) -> bool:
        if self.objects.get(key) == data:
            return False
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


def open_lake(root: str, *, endpoint_url: str = "", key: str = "", secret: str = "", **s3_options: Any) -> Lake:
    """The lake at `root`: an `s3://bucket/prefix` URL or a local folder (`s3_options`: see S3Lake)."""
    if root.startswith("s3://"):
        return S3Lake(root, endpoint_url=endpoint_url, key=key, secret=secret, **s3_options)
    return LocalLake(root)
