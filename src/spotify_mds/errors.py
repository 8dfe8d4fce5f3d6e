"""The project's exceptions: one root, a few meaningful subclasses with structured fields.

    SpotifyMdsError                 anything this package raises on purpose
    ├── ConfigError                 a setting is missing or contradictory
    ├── LakeError                   the object store failed (key)
    │   └── FlushFailed             a flush failed; its records stay buffered (key, added)
    ├── LakeConflict                a write would replace different bytes it was not allowed to (key)
    ├── InvalidEvent                an event failed validation (field, reason, position)
    ├── LandingIncomplete           a Kafka batch landing ended before its group landed the topic (left)
    ├── WarehouseError              a load or query against the warehouse failed (file)
    │   ├── FileRejected            (warehouse) the warehouse refused a bronze file's data (file)
    │   └── LoadIncomplete          files were set aside; the rest loaded (files)
    ├── TransformError              dbt failed (which nodes)
    ├── NotReady                    an earlier stage has not run yet (the message says which to run)
    ├── ComponentUnavailable        a server or tool the command needs is not there (what)
    │   └── KafkaUnavailable        Kafka not reachable in time; (kafka_local) no Java, jars or broker
    ├── ProduceError                (produce) Kafka refused or lost deliveries
    ├── MetabaseError               (metabase) provisioning through Metabase's API failed (status)
    ├── InvalidFilter, MissingMart  (dashboard.queries) a bad query parameter; a gold mart not exported
    ├── SpotifyAuthError            (spotify_api.auth) the accounts service refused a token request (status)
    └── SpotifyApiError             (spotify_api.spotify) the Web API failed after retries (endpoint, status)
        └── EndpointNotServed       404/403: the API no longer serves an endpoint (reported, never fatal)

The errors after KafkaUnavailable live beside the code that raises them.

Only the edges (CLI, runner, DAG) catch broadly; the CLI prints `ErrorType: message` on one line.
"""

from __future__ import annotations


class SpotifyMdsError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(SpotifyMdsError):
    """A setting is missing or contradictory."""


class LakeError(SpotifyMdsError):
    """Reading or writing the lake failed."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class FlushFailed(LakeError):
    """A flush could not be written to the lake: its records stay buffered, the partition is due.

    `added` counts the records of the call that raised it which the writer buffered (the one that
    completed the flush included); the caller keeps the rest and hands them over after `retry()`.
    """

    def __init__(self, message: str, *, key: str | None = None, added: int) -> None:
        super().__init__(message, key=key)
        self.added = added


class LakeConflict(SpotifyMdsError):
    """A write would replace an object holding different bytes, and its caller did not allow it.

    Not a LakeError: retrying cannot help (the lake works; two writers claim one key), so a caller
    that waits out storage outages must not wait this one out.
    """

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


class InvalidEvent(SpotifyMdsError):
    """An event failed validation; `field` names the offending field when one can be named."""

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class WarehouseError(SpotifyMdsError):
    """A load or query against the warehouse failed."""

    def __init__(self, message: str, *, file: str | None = None) -> None:
        super().__init__(message)
        self.file = file


class LoadIncomplete(WarehouseError):
    """A load set files aside (the warehouse refused them) and loaded the rest; raised by the edges
    after every stage ran, so a scheduler sees the run as failed while nothing else was held back."""

    def __init__(self, message: str, *, files: list[str]) -> None:
        super().__init__(message, file=files[0] if files else None)
        self.files = files


class TransformError(SpotifyMdsError):
    """dbt reported failures."""

    def __init__(self, message: str, *, nodes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.nodes = nodes


class NotReady(SpotifyMdsError):
    """A stage found nothing to work on: an earlier stage has not run yet (the message says which)."""


class ComponentUnavailable(SpotifyMdsError):
    """A server or tool the command needs is not reachable or not installed."""


class KafkaUnavailable(ComponentUnavailable):
    """Kafka is not reachable (within the client's bounded wait), or a local broker cannot be started."""


class LandingIncomplete(SpotifyMdsError):
    """A batch landing ended while the group had not committed every record of the topic.

    `left` maps each such partition to (committed offset, end offset); `status` is the lander's own
    (a `landing.kafka_source.LanderStatus`).
    """

    def __init__(self, message: str, *, left: dict[int, tuple[int, int]], status: object) -> None:
        super().__init__(message)
        self.left = left
        self.status = status
