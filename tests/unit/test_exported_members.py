"""The package root's public names: a small, sorted `__all__`, each one importable from the root."""

import spotify_mds

PUBLIC = [
    "Lake", "Pipeline", "Settings", "SpotifyMdsError", "load_settings", "open_lake", "pipelines", "run_pipeline",
]  # fmt: skip


def test_the_root_exports_a_few_sorted_names():
    assert spotify_mds.__all__ == PUBLIC == sorted(PUBLIC)


def test_every_exported_name_resolves_to_the_package_s_own_object():
    for name in spotify_mds.__all__:
        member = getattr(spotify_mds, name)
        assert (getattr(member, "__module__", None) or member.__name__).startswith("spotify_mds"), name


def test_the_registry_is_reached_from_the_root():
    assert {pipeline.name for pipeline in spotify_mds.pipelines.registry()} >= {"streams", "spotify_api"}


def test_an_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no_such_name"):
        spotify_mds.no_such_name  # noqa: B018
