-- A notification not yet sent when its alert resolves is superseded: the channel hears neither
-- of a condition that came and went before it could be told (a flap, a backlog read after a
-- restart, a channel that was down meanwhile).
alter table notification_deliveries drop constraint notification_deliveries_status_check;
alter table notification_deliveries add constraint notification_deliveries_status_check
    check (status in ('pending', 'sent', 'failed', 'superseded'));
