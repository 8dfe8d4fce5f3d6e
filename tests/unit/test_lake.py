"""The lake's contract, held by the folder and the in-memory twin alike: equal bytes are skipped,
different bytes replace only when the caller allows it, keys list by prefix in order."""

from __future__ import annotations

import pytest

from spotify_mds.errors import LakeConflict, LakeError
from spotify_mds.lake import LocalLake, MemoryLake, open_lake


@pytest.fixture(params=["memory", "local"])
def lake(request, tmp_path):
    return MemoryLake() if request.param == "memory" else LocalLake(tmp_path / "lake")


def refuse(key: str, stored: bytes, new: bytes) -> bool:
    raise AssertionError("asked about a replace that is not one")


def test_put_then_get_returns_the_bytes_and_says_it_wrote(lake):
    assert lake.put("gold/a/a.parquet", b"one") is True
    assert lake.get("gold/a/a.parquet") == b"one"


def test_a_put_of_equal_bytes_is_skipped_and_keeps_the_version(lake):
    lake.put("state/x.json", b"same")
    (before,) = lake.list("state/")
    assert lake.put("state/x.json", b"same") is False
    assert lake.put("state/x.json", b"same", may_replace=refuse) is False  # equal bytes ask nobody
    assert lake.list("state/") == [before]


def test_without_a_rule_different_bytes_replace_and_change_the_version(lake):
    lake.put("gold/x.parquet", b"one")
    (before,) = lake.list("gold/")
    assert lake.put("gold/x.parquet", b"other") is True
    (after,) = lake.list("gold/")
    assert lake.get("gold/x.parquet") == b"other" and after.size == 5 and after.version != before.version


def test_a_first_write_never_asks_the_rule(lake):
    assert lake.put("bronze/t/f.ndjson", b"new", may_replace=refuse) is True


def test_the_rule_sees_key_stored_and_new_bytes_and_decides(lake):
    lake.put("bronze/t/f.ndjson", b"stored")
    asked = []

    def allow(key: str, stored: bytes, new: bytes) -> bool:
        asked.append((key, stored, new))
        return True

    assert lake.put("bronze/t/f.ndjson", b"newer", may_replace=allow) is True
    assert asked == [("bronze/t/f.ndjson", b"stored", b"newer")]
    assert lake.get("bronze/t/f.ndjson") == b"newer"


def test_a_refused_replace_raises_naming_the_key_and_keeps_the_stored_bytes(lake):
    lake.put("bronze/t/f.ndjson", b"stored")
    with pytest.raises(LakeConflict, match="bronze/t/f.ndjson already holds 6 different bytes") as caught:
        lake.put("bronze/t/f.ndjson", b"other", may_replace=lambda key, stored, new: False)
    assert caught.value.key == "bronze/t/f.ndjson"
    assert not isinstance(caught.value, LakeError)  # retrying cannot help: no outage to wait out
    assert lake.get("bronze/t/f.ndjson") == b"stored"


def test_get_of_a_missing_key_is_a_lake_error_naming_it(lake):
    with pytest.raises(LakeError, match="nope/x") as caught:
        lake.get("nope/x")
    assert caught.value.key == "nope/x"


def test_list_is_by_prefix_sorted_with_sizes(lake):
    for key in ["bronze/t/b", "bronze/t/a", "bronze/u/c", "gold/m/m.parquet"]:
        lake.put(key, key.encode())
    listed = lake.list("bronze/t/")
    assert [(info.key, info.size) for info in listed] == [("bronze/t/a", 10), ("bronze/t/b", 10)]
    assert [info.key for info in lake.list("")] == [
        "bronze/t/a",
        "bronze/t/b",
        "bronze/u/c",
        "gold/m/m.parquet",
    ]
    assert lake.list("quarantine/") == []


def test_delete_removes_and_a_missing_key_is_no_error(lake):
    lake.put("state/x.json", b"1")
    lake.delete("state/x.json")
    lake.delete("state/x.json")
    assert lake.list("state/") == []


def test_keys_are_relative_and_slash_separated_in_the_folder(tmp_path):
    lake = LocalLake(tmp_path / "lake")
    lake.put("bronze/t/date=2026-11-02/hour=10/f.ndjson", b"x")
    assert (
        tmp_path / "lake" / "bronze" / "t" / "date=2026-11-02" / "hour=10" / "f.ndjson"
    ).read_bytes() == b"x"
    assert lake.url("gold/a.parquet") == str(tmp_path / "lake" / "gold" / "a.parquet")
    assert MemoryLake().url("gold/a.parquet") == "memory://gold/a.parquet"


def test_temporary_files_of_a_writer_are_never_listed(tmp_path):
    lake = LocalLake(tmp_path / "lake")
    lake.put("bronze/t/f.ndjson", b"x")
    (tmp_path / "lake" / "bronze" / "t" / ".tmp-1@host-abc.tmp").write_bytes(b"half")
    assert [info.key for info in lake.list("bronze/")] == ["bronze/t/f.ndjson"]


def test_a_write_the_folder_refuses_is_a_lake_error_naming_the_key(tmp_path):
    (tmp_path / "lake").mkdir()
    (tmp_path / "lake" / "gold").write_text("a file where a folder must go")
    with pytest.raises(LakeError, match="cannot write gold/x.parquet") as caught:
        LocalLake(tmp_path / "lake").put("gold/x.parquet", b"x")
    assert caught.value.key == "gold/x.parquet"


def test_open_lake_picks_the_folder_for_a_path(tmp_path):
    lake = open_lake(str(tmp_path / "lake"))
    assert isinstance(lake, LocalLake) and lake.root == str((tmp_path / "lake").resolve())


@pytest.mark.parametrize("key", ["../outside", "bronze/../../outside", "/outside"])
def test_a_key_that_would_leave_the_folder_is_refused(tmp_path, key):
    lake = LocalLake(tmp_path / "lake")
    with pytest.raises((LakeError, ValueError)):
        lake.put(key, b"x")
    assert not (tmp_path / "outside").exists()
