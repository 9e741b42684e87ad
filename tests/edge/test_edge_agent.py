"""The hall's edge agent against real nats-servers: de-duplicating device retries, refusing
invalid input, surviving its own crash with events waiting. The one-minute WAN outage, with the
central ingest workers, is in tests/deploy/test_scale_out.py."""

from __future__ import annotations

from tests.edge.central import read_stream
from tests.edge.events import case_stream, order_by_case


def _post_in_chunks(edge, events, size: int = 25) -> int:
    stored = 0
    for i in range(0, len(events), size):
        stored += edge.post(events[i : i + size])["stored"]
    return stored


def _assert_all_arrived_once_in_order(central_url: str, published: list[dict]) -> None:
    arrived = [event for _, event in read_stream(central_url)]
    ids = [e["event_id"] for e in arrived]
    assert len(ids) == len(set(ids)), "an event was stored twice at the centre"
    assert sorted(ids) == sorted(e["event_id"] for e in published)
    assert order_by_case(arrived) == order_by_case(published)


def test_a_device_retry_is_stored_once_in_the_hall_and_at_the_centre(central, edge_process):
    edge = edge_process("YY-ZW", central.url)
    events = list(case_stream(4, tag="retry"))
    first = edge.post(events)
    again = edge.post(events)
    assert (first["stored"], first["duplicates"]) == (20, 0)
    assert (again["stored"], again["duplicates"]) == (20, 20)
    edge.wait_drained()
    _assert_all_arrived_once_in_order(central.url, events)


def test_an_invalid_event_is_refused_with_the_field_named_and_the_rest_is_stored(
    central, edge_process
):
    edge = edge_process("YY-ZW", central.url)
    good = list(case_stream(1, tag="invalid"))
    bad = dict(good[0], event_id="not-a-uuid")
    body = edge.post([*good, bad, 42])
    assert body["stored"] == 5
    assert [e["index"] for e in body["errors"]] == [5, 6]
    assert body["errors"][0]["problems"][0]["field"] == "event_id"
    edge.wait_drained()
    _assert_all_arrived_once_in_order(central.url, good)


def test_a_crashed_agent_loses_nothing_it_had_accepted(central, wan, edge_process):
    edge = edge_process("YY-ZW", wan.url)
    wan.cut()
    events = list(case_stream(40, tag="crash"))
    assert _post_in_chunks(edge, events[:120]) == 120
    edge.stop(kill=True)  # SIGKILL: no clean shutdown of the agent
    wan.restore()
    edge.start()
    assert _post_in_chunks(edge, events[120:]) == 80
    edge.wait_drained()
    _assert_all_arrived_once_in_order(central.url, events)
