import psycopg

from store.migrate import discover, migrate, plan, status


def test_every_migration_is_applied_once_and_recorded(db):
    assert migrate(db.url) == []  # the template already holds them all
    keys = [key for key, done in status(db.url)]
    assert all(done for _, done in status(db.url))
    assert keys == [m.key for m in plan(discover(), timescale=False)]


def test_plain_path_builds_brin_and_materialized_view_instead_of_timescale(conn):
    rows = conn.execute(
        "select relname, relkind from pg_class where relname in ('events', 'events_hourly')"
    ).fetchall()
    assert {r["relname"]: r["relkind"] for r in rows} == {"events": "r", "events_hourly": "m"}
    assert conn.execute("select 1 from pg_indexes where indexname = 'events_time_brin'").fetchone()


def test_two_migrators_at_once_apply_each_migration_once(pg_server):
    from concurrent.futures import ThreadPoolExecutor

    from store.db import ensure_database

    ensure_database(pg_server.uri("postgres"), "t_concurrent_migrate")
    url = pg_server.uri("t_concurrent_migrate")
    with ThreadPoolExecutor(3) as ex:
        results = list(ex.map(lambda _: migrate(url), range(3)))
    applied = sorted(k for r in results for k in r)
    assert applied == sorted(m.key for m in plan(discover(), timescale=False))
    with psycopg.connect(url) as c:
        n = c.execute("select count(*) from schema_migrations").fetchone()[0]
    assert n == len(applied)


def test_region_prefix_gives_the_subtree_of_a_province_city_and_county(conn):
    got = conn.execute(
        "select region_prefix('610000') p, region_prefix('610800') c, region_prefix('610802') k,"
        " region_prefix('610802001') t, region_prefix('610800000') c9,"
        " region_prefix('610802001000') v"
    ).fetchone()
    assert got == {
        "p": "61",
        "c": "6108",
        "k": "610802",
        "t": "610802001",
        "c9": "6108",
        "v": "610802001",
    }
