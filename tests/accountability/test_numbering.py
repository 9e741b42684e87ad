import threading
import time

import psycopg
import pytest

from accountability.issuing import issue
from accountability.notices.types import NoticeType
from accountability.numbering import Issuer, doc_number, parse_doc_number
from store.repos.accountability import notices as notice_repo
from tests.fix_accountability import NOW

CENTER = "YY-ZW"
SO = NoticeType.SUPERVISION_ORDER.value


def take(url: str, doc_type: str = SO, year: int = 2026, hold: float = 0.0, fail=False) -> int:
    with psycopg.connect(url) as c, c.transaction():
        n = notice_repo.take_number(c, CENTER, doc_type, year)
        time.sleep(hold)  # keep the counter row locked while others wait
        if fail:
            raise RuntimeError("the issuing transaction fails after taking a number")
        return n


def test_the_number_reads_like_gb_t_9704():
    issuer = Issuer(CENTER, "榆阳区政务服务中心效能监察室", "榆政服效")
    number = doc_number(issuer, NoticeType.SUPERVISION_ORDER, 2026, 12)
    assert str(number) == "榆政服效督〔2026〕12号"
    assert parse_doc_number(str(number)) == number
    for bad in (
        "榆政服效督[2026]12号",
        "榆政服效督〔26〕12号",
        "榆政服效督〔2026〕012号",
        "榆政服效督〔2026〕第12号",
    ):
        with pytest.raises(ValueError):
            parse_doc_number(bad)


def test_numbers_of_one_type_and_year_are_consecutive(db, bare_hall):
    assert [take(db.url) for _ in range(3)] == [1, 2, 3]


def test_each_type_and_year_has_its_own_sequence(db, bare_hall):
    assert take(db.url, SO, 2026) == 1
    assert take(db.url, NoticeType.BULLETIN.value, 2026) == 1
    assert take(db.url, SO, 2027) == 1
    assert take(db.url, SO, 2026) == 2


def test_a_rolled_back_issue_gives_its_number_back(db, bare_hall):
    assert take(db.url) == 1
    with pytest.raises(RuntimeError):
        take(db.url, fail=True)
    assert take(db.url) == 2


def test_a_number_is_only_given_inside_a_transaction(conn, bare_hall):
    with pytest.raises(notice_repo.NotInTransaction):
        notice_repo.take_number(conn, CENTER, SO, 2026)


def test_concurrent_issuers_get_distinct_consecutive_numbers(db, bare_hall):
    got: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        n = take(db.url, hold=0.05)
        with lock:
            got.append(n)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 9))


def test_two_notices_issued_at_once_get_consecutive_numbers(
    db, conn, actors, storage, open_staff_case
):
    cases = [open_staff_case(staff_id=s) for s in ("YY-ZW-W01-A", "YY-ZW-W02-B")]
    numbers: list[str] = []
    errors: list[BaseException] = []

    def worker(case_id: int) -> None:
        try:
            with psycopg.connect(db.url, autocommit=True) as c:
                notice = issue(c, case_id, actors["supervisor"], NOW, storage)
                numbers.append(notice.doc_number)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(c.id,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(parse_doc_number(n).n for n in numbers) == [1, 2]
    assert {parse_doc_number(n).prefix for n in numbers} == {"榆政服效督"}
    counter = conn.execute("select n from doc_counters where doc_type = %s", (SO,)).fetchone()
    assert counter["n"] == 2


def test_an_issued_notice_can_be_neither_deleted_nor_renumbered(
    conn, actors, storage, open_staff_case
):
    notice = issue(conn, open_staff_case().id, actors["supervisor"], NOW, storage)
    with pytest.raises(psycopg.errors.RaiseException, match="cannot be deleted"):
        conn.execute("delete from notices where id = %s", (notice.id,))
    with pytest.raises(psycopg.errors.RaiseException, match="cannot change"):
        conn.execute("update notices set number = 7 where id = %s", (notice.id,))
