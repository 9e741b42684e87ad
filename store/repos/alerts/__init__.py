"""Alert repositories: `records` (alert rows, history, people's actions), `engine` (the event
tail's cursor, periodic jobs, folded state, rule inputs), `notify` (channels and the delivery
outbox), `board` (the live board's reads)."""
