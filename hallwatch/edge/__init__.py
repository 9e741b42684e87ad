"""The hall's edge agent (`hallwatch edge`): a local JetStream buffer, device bridges and the
video worker publishing into it with `Nats-Msg-Id` = `event_id`, and an uplink that forwards the
buffer to the centre in order, so a WAN outage costs delay, never events. See agent.py for the
start order and DEPLOY.md for how a hall, a county and a province are set up."""
