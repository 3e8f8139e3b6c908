"""The embedded broker: messages written by one process, read whole by another."""

from kombu import Connection

from config.broker import Transport


def test_filesystem_broker_round_trips_messages(tmp_path):
    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }
    with Connection(transport=Transport, transport_options=options) as connection:
        queue = connection.SimpleQueue("ponte-test")
        for number in range(20):
            queue.put({"number": number})
        received = [queue.get(timeout=1) for _ in range(20)]
        for message in received:
            message.ack()
        queue.close()

    # Messages written in the same millisecond may come out in any order.
    assert sorted(message.payload["number"] for message in received) == list(range(20))
    assert not list(tmp_path.glob(".*.tmp"))
