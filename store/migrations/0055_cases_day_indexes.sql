-- The console's 总览 counts each centre's cases accepted and completed today: by index, not by
-- reading every case a province ever had.
create index cases_accepted_at_idx on cases (accepted_at);
create index cases_completed_at_idx on cases (completed_at);
