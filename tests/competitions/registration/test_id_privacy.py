"""ID numbers cannot be rebuilt from what a role sees (issue 11, item 6).

What the organizer, a city and a school see of a student together (the API's entry list and
entry, the entry page): name, school, gender, grade, the masked ID. The school implies the
6-digit region code (worst case: exactly); the grade implies a school-year cohort of birth
dates; the gender fixes the parity of the 17th digit. Before the fix the list also carried the
birth date and the mask kept the 3 sequence digits and the check character
(``460***********0199``): one candidate left. The birth date is now encrypted at rest and never
listed, and the mask keeps the province prefix and the check character only.
"""

from __future__ import annotations

import datetime as dt
import re

from app.security import decrypt_pii
from competitions.registration.idnumbers import check_character
from competitions.registration.tables import Member
from tests.competitions.api import call
from tests.factories import competitions as factories

REGION = "469001"  # the factories' region (五指山市)
# 初二 at a 2026 contest: grade 1 entered in September 2018 at age six -> born 2011-09-01 .. 2012-08-31
COHORT = (dt.date(2011, 9, 1), dt.date(2012, 8, 31))
BIRTH = "20120601"  # the factories' birth date for 初中
SEQUENCE = "123"  # odd last digit: a boy
STUDENT_ID = REGION + BIRTH + SEQUENCE + check_character(REGION + BIRTH + SEQUENCE)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def candidates(seen: dict, region: str = REGION, cohort: tuple[dt.date, dt.date] = COHORT) -> int:
    """How many GB 11643 numbers agree with what a role sees of one student: the region the
    school implies, every birth date of the grade's cohort (or the listed date), every sequence
    number of the listed gender, and every character the mask shows (check character included)."""
    mask = seen["id_masked"]
    assert len(mask) == 18
    shown = {i: ch for i, ch in enumerate(mask) if ch != "*"}
    if any(not region.startswith(mask[:i]) for i in range(1, 7) if all(j in shown for j in range(i))):
        return 0
    if seen.get("birth_date"):
        dates = [dt.date.fromisoformat(seen["birth_date"])]
    else:
        days = (cohort[1] - cohort[0]).days + 1
        dates = [cohort[0] + dt.timedelta(days=d) for d in range(days)]
    parity = 1 if seen["gender"] == "男" else 0
    region_sum = sum(int(d) * w for d, w in zip(region, WEIGHTS[:6]))
    count = 0
    for date in dates:
        digits = date.strftime("%Y%m%d")
        if any(shown.get(6 + i, ch) != ch for i, ch in enumerate(digits)):
            continue
        base = region_sum + sum(int(d) * w for d, w in zip(digits, WEIGHTS[6:14]))
        for seq in range(parity, 1000, 2):
            s = f"{seq:03d}"
            if any(shown.get(14 + i, ch) != ch for i, ch in enumerate(s)):
                continue
            check = "10X98765432"[(base + int(s[0]) * 4 + int(s[1]) * 2 + int(s[2]) * 1) % 11]
            if shown.get(17, check) == check:
                count += 1
    return count


def test_the_candidate_count_is_right_for_a_plain_case():
    """With the old mask and the date listed exactly one number is left: the student's own."""
    old_view = {"id_masked": STUDENT_ID[:3] + "*" * 11 + STUDENT_ID[-4:], "gender": "男", "birth_date": "2012-06-01"}
    assert candidates(old_view) == 1
    # nothing but the gender known: 366 dates x 500 sequence numbers = 183,000 numbers
    assert candidates({"id_masked": "*" * 18, "gender": "男"}) == 366 * 500


def test_what_each_role_sees_leaves_thousands_of_candidates(world):
    """Organizer, city and school lists and the entry itself: ~366 x 500 / 11 = 16,636 numbers.

    By hand: the cohort of 初二 holds 366 birth dates (2011-09-01 .. 2012-08-31, 29 February
    2012 included); a boy's sequence number is one of 500 (odd last digit); the shown check
    character agrees with about 1 in 11 of the 183,000 combinations -> 183,000 / 11 = 16,636.
    The exact count (the check character is not perfectly uniform) lies within a few percent.
    """
    made = factories.entry(
        world,
        "HK01",
        students=[factories.student("李明", id_number=STUDENT_ID)],
        advisers=["陈老师"],
    )
    assert made["members"][0]["id_masked"] == "469**************" + STUDENT_ID[-1]
    views = {
        "organizer list": call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "org").json(),
        "city list": call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "haikou").json(),
        "school list": call(world, "GET", f"/api/v1/events/{world.event_id}/entries", "hk01").json(),
        "entry": [call(world, "GET", f"/api/v1/entries/{made['id']}", "hk01").json()],
    }
    for name, entries in views.items():
        member = next(m for e in entries for m in e["members"] if m["name"] == "李明")
        assert "birth_date" not in member, name
        assert member["grade"] == "初二" and member["gender"] == "男", name
        count = candidates(member)
        assert 15_000 <= count <= 18_500, (name, count)
    # the entry page shows the same: no date digits, no sequence digits
    page = world.login_page("hk01").get(f"/entries/{made['id']}").text
    assert "469**************" + STUDENT_ID[-1] in page
    for secret in (STUDENT_ID, BIRTH, "2012-06-01", STUDENT_ID[-4:]):
        assert secret not in page, secret


def test_judges_referees_and_staff_see_none_of_it(world):
    made = factories.entry(world, "HK01", students=[factories.student("李明", id_number=STUDENT_ID)])
    for username in ("judge", "referee", "staff"):
        response = call(world, "GET", f"/api/v1/entries/{made['id']}", username)
        listed = call(world, "GET", f"/api/v1/events/{world.event_id}/entries", username)
        for text in (response.text, listed.text):
            assert "469*" not in text and "初二" not in text and "2012" not in text, username


def test_the_birth_date_is_encrypted_at_rest(world):
    made = factories.entry(world, "HK01", students=[factories.student("李明", id_number=STUDENT_ID)])
    row = world.run(Member.select().where(Member.id == made["member_ids"]["李明"]).first())
    assert "birth_date" not in row
    assert decrypt_pii(row["birth_date_enc"]) == "2012-06-01"
    assert not re.search(r"2012-?06-?01", str({k: v for k, v in row.items() if k != "birth_date_enc"}))
