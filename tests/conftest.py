pytest_plugins = [
    "tests.fix_db",
    "tests.fix_people",
    "tests.fix_browser",
    "tests.fix_timescale",
    "tests.fix_ingest",
    "tests.fix_nats",
    "tests.fix_accountability",
    "tests.fix_alerts",
]
