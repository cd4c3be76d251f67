"""Run-scoped snapshots of the cleaned Dataset (userops_lib.data.snapshot): the notebooks of a run
validate and clean a source once; a changed source or parameter never reuses a stale snapshot."""

from __future__ import annotations

import dataclasses
import os
import shutil

import pandas as pd
import pytest

from userops_lib.data import engine, load as load_module
from userops_lib.data.load import load_dataset
from userops_lib.data.snapshot import SNAPSHOT_DIR_ENV, fingerprint
from userops_lib.exceptions import ContractError


def _frames(dataset) -> dict[str, pd.DataFrame]:
    """Every table of ``dataset`` as pandas, rows in a fixed order (an engine table has none)."""
    out = {}
    for name, table in dataset.tables.items():
        frame = engine.execute(table)
        out[name] = frame.sort_values(list(frame.columns), ignore_index=True)
    return out


def _assert_same_dataset(got, expected) -> None:
    assert list(got.tables) == list(expected.tables)
    got_frames, expected_frames = _frames(got), _frames(expected)
    for name in expected.tables:
        pd.testing.assert_frame_equal(got_frames[name], expected_frames[name], obj=name)
    pd.testing.assert_frame_equal(got.quality, expected.quality)
    for field in dataclasses.fields(expected):
        if field.init and field.name not in ("tables", "quality", "backend"):
            assert getattr(got, field.name) == getattr(expected, field.name), field.name


def _snapshots(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def shop(demo_dir, tmp_path):
    """A private copy of the small demo shop (tests change its files)."""
    return shutil.copytree(demo_dir, tmp_path / "shop")


def test_a_snapshot_gives_the_same_dataset_as_a_direct_load(shop, tmp_path):
    direct = load_dataset(shop, time_zone="Asia/Shanghai")
    built = load_dataset(shop, time_zone="Asia/Shanghai", snapshot_dir=tmp_path / "snap")
    opened = load_dataset(shop, time_zone="Asia/Shanghai", snapshot_dir=tmp_path / "snap")
    assert len(_snapshots(tmp_path / "snap")) == 1  # written once, no temporary file left
    _assert_same_dataset(built, direct)  # the first notebook reads what it wrote, like the others
    _assert_same_dataset(opened, direct)
    assert direct.quality["rows"].sum() > 0  # the demo's planted bad rows are counted in all three


def test_the_snapshot_keeps_each_customers_active_days(shop, tmp_path):
    direct = load_dataset(shop, time_zone="Asia/Shanghai")
    load_dataset(shop, time_zone="Asia/Shanghai", snapshot_dir=tmp_path / "snap")
    opened = load_dataset(shop, time_zone="Asia/Shanghai", snapshot_dir=tmp_path / "snap")
    assert sorted(opened._derived) == ["events", "orders"]  # stored in the file, not built again by each notebook
    for source, date in (("events", "event_date"), ("orders", "order_date")):
        # expected: the distinct (customer, local date) pairs of the clean table, counted in pandas
        rows = engine.execute(direct.table(source))[["customer_id", date]].drop_duplicates()
        expected = rows.rename(columns={date: "activity_date"}).sort_values(["customer_id", "activity_date"],
                                                                             ignore_index=True)
        got = engine.execute(opened.activity_days(source)).sort_values(["customer_id", "activity_date"],
                                                                       ignore_index=True)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=source)
        assert len(got) < len(engine.execute(direct.table(source)))  # the demo has customers active twice a day


def test_the_second_load_opens_the_snapshot_without_reading_the_source(shop, tmp_path, monkeypatch):
    load_dataset(shop, snapshot_dir=tmp_path / "snap")

    def no_reading(*args, **kwargs):
        raise AssertionError("the source was read and cleaned again")

    monkeypatch.setattr(load_module, "_read_raw", no_reading)
    again = load_dataset(shop, snapshot_dir=tmp_path / "snap")
    assert again.has("events") and engine.execute_scalar(again.orders.count()) > 0


def test_the_runner_variable_turns_snapshots_on_and_false_turns_them_off(shop, tmp_path, monkeypatch):
    monkeypatch.setenv(SNAPSHOT_DIR_ENV, str(tmp_path / "run"))
    load_dataset(shop)
    assert len(_snapshots(tmp_path / "run")) == 1
    load_dataset(shop, time_zone="Asia/Shanghai", snapshot_dir=False)
    assert len(_snapshots(tmp_path / "run")) == 1
    monkeypatch.delenv(SNAPSHOT_DIR_ENV)
    load_dataset(shop, as_of="2025-06-30")  # a notebook run by hand: no snapshot at all
    assert len(_snapshots(tmp_path / "run")) == 1


@pytest.mark.parametrize("change", [{"as_of": "2025-06-30"}, {"time_zone": "America/New_York"}, {"strict": True}])
def test_a_changed_parameter_never_reuses_the_snapshot(shop, tmp_path, change):
    folder = tmp_path / "snap"
    load_dataset(shop, snapshot_dir=folder)
    params = {"time_zone": "UTC", "as_of": None, "strict": False, **change}
    if change.get("strict"):  # the demo has planted bad rows: strict mode must raise, not reuse the clean tables
        with pytest.raises(ContractError, match="strict mode"):
            load_dataset(shop, snapshot_dir=folder, **params)
        assert len(_snapshots(folder)) == 1  # nothing half-written left behind
        return
    changed = load_dataset(shop, snapshot_dir=folder, **params)
    assert len(_snapshots(folder)) == 2
    assert str(changed.as_of) == (params["as_of"] or "2025-12-31") and changed.time_zone == params["time_zone"]


def test_a_changed_source_file_never_reuses_the_snapshot(shop, tmp_path):
    folder = tmp_path / "snap"
    before = load_dataset(shop, snapshot_dir=folder)
    orders = pd.read_parquet(shop / "orders.parquet")
    stat = os.stat(shop / "orders.parquet")
    orders.iloc[:-100].to_parquet(shop / "orders.parquet", index=False)
    os.utime(shop / "orders.parquet", ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same modification time
    after = load_dataset(shop, snapshot_dir=folder)
    assert len(_snapshots(folder)) == 2
    assert after.info["rows_read"]["orders"] == before.info["rows_read"]["orders"] - 100


def test_a_table_added_to_the_source_folder_never_reuses_the_snapshot(shop, demo_dir, tmp_path):
    folder = tmp_path / "snap"
    (shop / "tickets.parquet").unlink()
    assert not load_dataset(shop, snapshot_dir=folder).has("tickets")
    shutil.copy(demo_dir / "tickets.parquet", shop / "tickets.parquet")
    assert load_dataset(shop, snapshot_dir=folder).has("tickets")
    assert len(_snapshots(folder)) == 2


def test_sources_without_files_are_loaded_as_before_and_never_snapshotted(tmp_path):
    orders = pd.DataFrame({"order_id": ["1", "2"], "customer_id": ["a", "b"],
                           "order_ts": pd.to_datetime(["2024-01-01", "2024-01-02"]), "amount": [10.0, 20.0]})
    data = load_dataset({"orders": orders}, snapshot_dir=tmp_path / "snap")
    assert engine.execute_scalar(data.orders.count()) == 2
    assert _snapshots(tmp_path / "snap") == []
    assert fingerprint({"orders": orders}, time_zone="UTC", as_of=None, strict=False) is None
    assert fingerprint("postgresql://u:p@host/db", time_zone="UTC", as_of=None, strict=False) is None


def test_cdnow_from_a_snapshot_equals_cdnow_loaded_directly(tmp_path):
    direct = load_dataset("cdnow_sample")
    load_dataset("cdnow_sample", snapshot_dir=tmp_path / "snap")
    _assert_same_dataset(load_dataset("cdnow_sample", snapshot_dir=tmp_path / "snap"), direct)
    assert direct.info["rows"] == 6919  # CDNOW_sample.txt has 6,919 rows (wc -l of the shipped file, userops_lib/data/cdnow)
