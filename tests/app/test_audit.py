"""The audit trail's personal-data guard holds for single and bulk writes (app/audit.py)."""

from __future__ import annotations

import pytest

from app import audit
from app.tables import AuditLog
from tests.conftest import gb11643

ID_NUMBER = gb11643("46010220110315123")


def test_the_guard_looks_at_keys_and_bare_values():
    audit.check_personal_data(
        {
            "members": [None, [{"name": "王小明", "id_masked": "4601**********123X", "phone_masked": "138****5678"}]],
            "title": "手机 13812345678 的研究",
            "rows": 12,
        }
    )
    for changes in (
        {"id_number": "x"},
        {"members": [None, [{"name": "王小明", "phone": "138****5678"}]]},
        {"note": ID_NUMBER},
        {"note": ID_NUMBER.lower()},
        {"members": [[{"contact": "13812345678"}], None]},
        {"contact": 13812345678},
    ):
        with pytest.raises(ValueError):
            audit.check_personal_data(changes)


def test_a_bulk_write_with_raw_personal_data_is_refused(world):
    masked = audit.AuditRecord(
        "entry.import",
        "entry",
        1,
        summary="PH-J0001 红树林",
        changes={"members": [None, [{"name": "李华", "id_masked": "4601**********1234"}]]},
        event_id=world.event_id,
    )
    with_id = audit.AuditRecord(
        "entry.import", "entry", 2, changes={"members": [None, [{"name": "张三", "id": ID_NUMBER}]]}
    )
    with_phone = audit.AuditRecord(
        "entry.import", "entry", 3, changes={"members": [None, [{"name": "张三", "mobile": "13912345678"}]]}
    )
    for bad in (with_id, with_phone):
        with pytest.raises(ValueError):
            world.run(audit.record_many(world.org, [masked, bad]))
    assert world.run(AuditLog.count().where(AuditLog.action == "entry.import")) == 0  # all or nothing
    with pytest.raises(ValueError):
        world.run(
            audit.record(world.org, "entry.update", "entry", 1, changes={"members": [[{"phone": "13912345678"}], None]})
        )

    assert world.run(audit.record_many(world.org, [masked])) == 1
    row = world.run(AuditLog.select().where(AuditLog.action == "entry.import").output(load_json=True).first())
    assert (row["actor_name"], row["summary"], row["event_id"], row["changes"]) == (
        "组委会",
        "PH-J0001 红树林",
        world.event_id,
        {"members": [None, [{"name": "李华", "id_masked": "4601**********1234"}]]},
    )
