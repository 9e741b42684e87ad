"""Accountability (责任追究) repositories: `cases` (cases, history, evidence, measures),
`notices` (notices with gapless numbers, issuers, replies, appeals) and `origins` (what a case
was opened from: the origin link, who was on duty at a window, complaints). States and
vocabularies are plain strings here; their rules live in accountability/ (store imports only
core). Every time is passed in (`at`)."""
