"""Accountability (责任追究) repositories: `cases` (cases, history, evidence, measures) and
`notices` (notices with gapless numbers, issuers, replies, appeals). States and vocabularies
are plain strings here; their rules live in accountability/ (store imports only core). Every
time is passed in (`at`)."""
