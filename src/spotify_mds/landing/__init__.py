"""Landing: records with a (partition, offset) position become bronze files in the lake.

The rules, which make a replay rewrite the very same keys:
- each valid record's bytes go, as received, to the file of its **event-time** hour:
  `bronze/<topic>/date=YYYY-MM-DD/hour=HH/<topic>+<partition>+<first offset:020d>.ndjson[.gz|.zst]`
  (`keys`);
- a record that fails validation goes to `quarantine/<topic>/...` with its position, its reason and
  its original bytes; it never blocks the stream. What is valid is the pipeline's to say: the
  writer takes a record validator (`validation.RecordValidator`) and knows no schema;
- a partition's buffer is flushed when it holds `max_records` records, `max_bytes` bytes of values,
  or its records span `max_span_ms` of event time (`cut`): all three depend only on the records, so
  a restart from the last committed offset cuts the same files. `flush()` without a cause (idle,
  shutdown, revoke) is the one non-deterministic cut, which is why silver also deduplicates on
  `event_id`;
- a flush returns, per partition, the next offset to commit: the caller commits it only after
  `flush()` returned, i.e. after every file of the batch was durably written;
- a flush that fails (`LakeError`) keeps the partition's buffer, marked *due*: nothing more may be
  added to it until `retry()` wrote it, so the cut stays where the rules put it;
- a file never silently replaces different bytes. A replay writes identical bytes (skipped). The
  one legitimate difference is a replay whose cut moved (an idle flush written, then a crash before
  its commit): the stored file and the new one start at the same offset and hold the hour's records
  of the same positions, so one is a prefix of the other. Such a replacement is allowed, logged as
  a warning and counted (`replaced_files`); the records beyond the shorter cut are in the next file,
  which starts where it ends. Any other difference is two streams claiming one position (a topic
  recreated with its offsets back at 0, two sources landed as one partition): `LakeConflict`, and
  nothing of the flush is committed (`files`).

Positions must therefore be unique per source: Kafka gives (partition, offset); a file and a
simulated stream land as partitions derived from their bytes and config (`file_source`, `keys`).

Memory: a partition buffers at most `max_bytes` of values (plus about 100 bytes of bookkeeping per
record), so a writer holds at most `partitions × (max_bytes + max_records × 100)` bytes, plus, while
one file is being written, a copy of it (compressed or not), and with background writes
(`background`) at most `max_inflight` flushes.

The modules: `keys` (names), `cut` (the one cut function), `writer` (`BronzeWriter`: buffers, flush,
retry), `background` (writes in threads), `validation` (the validator protocol and the worker
pool), `files` (compression, the replay rule), `leftovers` (killed writers' temporary files),
`options` (`LandingOptions` from settings), and the sources: `file_source` (batches handed over in
process, NDJSON files) and `kafka_source` (a consumer group, commit after write). A source only
feeds `BronzeWriter.add`/`add_many` and commits what it returns.
"""

from spotify_mds.landing.files import LandStats
from spotify_mds.landing.options import LandingOptions
from spotify_mds.landing.validation import RecordValidator
from spotify_mds.landing.writer import BronzeWriter

__all__ = ["BronzeWriter", "LandStats", "LandingOptions", "RecordValidator"]
