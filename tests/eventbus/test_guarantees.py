"""Delivery guarantees, end to end: HTTP in, through the outbox and a real broker, HTTP out."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import delete, select, update

from eventbus.outbox import OutboxMessage
from servicekit.access import Role
from tests.conftest import Broker, DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import create_visit_body
from tests.support.identity import HOME_ID
from tests.support.reporting import consumed, scorecard, wait_for_scorecard
from tests.support.tcpproxy import TcpProxy
from tests.support.waiting import eventually


@pytest.fixture
def backend() -> str:
    """Broker faults do not depend on the database: these run on SQLite, the outbox, inbox
    and consumer tests on both (tests/eventbus/test_consumer.py, test_batches.py, test_relay.py)."""
    return "sqlite"


CONSUMER = "reporting.scorecards"


async def start_visit(visits: AppClient, unit_id: str) -> dict[str, object]:
    """Start a visit at a unit of HOME, which visits' directory learns of first."""
    await announce_unit(
        visits.app, code=f"U{unit_id[:8]}", parent_id=HOME_ID, unit_id=uuid.UUID(unit_id)
    )
    response = await visits.post("/api/v1/visits/visits", json=create_visit_body(unit_id))
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def all_published(client: AppClient) -> bool:
    async with client.app.state.sessionmaker() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    return bool(rows) and all(r.published_at is not None for r in rows)


async def test_event_accepted_while_broker_is_cut_off_arrives_when_it_is_back(
    broker_behind_proxy: Broker, database: DatabaseFactory
) -> None:
    broker = broker_behind_proxy
    assert broker.advertised_port is not None
    proxy = TcpProxy(port=broker.advertised_port, target=broker.port)
    await proxy.start()
    unit_id = str(uuid.uuid4())
    visits_app = build_app(
        "visits", database_url=await database("visits"), bootstrap=broker.bootstrap
    )
    reporting_app = build_app(
        "reporting", database_url=await database("reporting"), bootstrap=broker.bootstrap
    )
    try:
        async with serve(visits_app) as visits, serve(reporting_app, Role.NATIONAL) as reporting:
            await start_visit(visits, unit_id)
            await wait_for_scorecard(reporting, unit_id, visits_started=1)

            await proxy.cut()
            await start_visit(visits, unit_id)
            await asyncio.sleep(1.5)
            assert not await all_published(visits)
            assert (await scorecard(reporting, unit_id) or {})["visits_started"] == 1

            await proxy.restore()
            await wait_for_scorecard(reporting, unit_id, visits_started=2, timeout_s=40)
            assert await all_published(visits)
    finally:
        await proxy.cut()


async def test_event_published_before_broker_restarted_empty_still_reaches_reporting(
    broker: Broker, database: DatabaseFactory
) -> None:
    unit_id = str(uuid.uuid4())
    visits_app = build_app(
        "visits", database_url=await database("visits"), bootstrap=broker.bootstrap
    )
    reporting_url = await database("reporting")
    async with serve(visits_app) as visits:
        async with serve(
            build_app("reporting", database_url=reporting_url, bootstrap=broker.bootstrap),
            Role.NATIONAL,
        ) as reporting:
            await start_visit(visits, unit_id)
            await wait_for_scorecard(reporting, unit_id, visits_started=1)
        # Reporting is down: this event is published, then the broker loses it.
        await start_visit(visits, unit_id)
        await eventually(lambda: all_published(visits))
        broker.restart()
        async with serve(
            build_app("reporting", database_url=reporting_url, bootstrap=broker.bootstrap),
            Role.NATIONAL,
        ) as reporting:
            await start_visit(visits, unit_id)
            await wait_for_scorecard(reporting, unit_id, visits_started=3, timeout_s=40)
            # The replay of the first event had no second effect.
            await asyncio.sleep(1.0)
            assert (await scorecard(reporting, unit_id) or {})["visits_started"] == 3


async def test_running_consumer_reads_again_after_broker_restarted_empty(
    broker: Broker, database: DatabaseFactory
) -> None:
    unit_id = str(uuid.uuid4())
    visits_app = build_app(
        "visits", database_url=await database("visits"), bootstrap=broker.bootstrap
    )
    reporting_app = build_app(
        "reporting", database_url=await database("reporting"), bootstrap=broker.bootstrap
    )
    async with serve(visits_app) as visits, serve(reporting_app, Role.NATIONAL) as reporting:
        for _ in range(3):
            await start_visit(visits, unit_id)
        await wait_for_scorecard(reporting, unit_id, visits_started=3)
        # Retention has pruned the published rows: the replay cannot refill the partition,
        # so the consumer's old position is beyond anything the emptied broker will hold.
        async with visits.app.state.sessionmaker() as session, session.begin():
            await session.execute(delete(OutboxMessage))
        broker.restart()
        await start_visit(visits, unit_id)
        await wait_for_scorecard(reporting, unit_id, visits_started=4, timeout_s=40)


async def test_redelivered_event_has_one_effect(broker: Broker, database: DatabaseFactory) -> None:
    unit_id = str(uuid.uuid4())
    visits_app = build_app(
        "visits", database_url=await database("visits"), bootstrap=broker.bootstrap
    )
    reporting_app = build_app(
        "reporting", database_url=await database("reporting"), bootstrap=broker.bootstrap
    )
    async with serve(visits_app) as visits, serve(reporting_app, Role.NATIONAL) as reporting:
        await start_visit(visits, unit_id)
        await wait_for_scorecard(reporting, unit_id, visits_started=1)
        duplicates = consumed(CONSUMER, "duplicate")
        # As if the relay died after sending but before marking the row sent.
        async with visits.app.state.sessionmaker() as session, session.begin():
            await session.execute(update(OutboxMessage).values(published_at=None))
        visits.app.state.component.relay.wake()
        await eventually(lambda: asyncio.sleep(0, consumed(CONSUMER, "duplicate") > duplicates))
        assert (await scorecard(reporting, unit_id) or {})["visits_started"] == 1


async def test_dead_letter_topic_gets_origin_and_error(
    broker: Broker, database: DatabaseFactory
) -> None:
    """Poison records reach the DLQ with their origin, and the consumer keeps going."""
    from aiokafka import AIOKafkaProducer

    from eventbus.envelope import encode_headers, to_kafka_headers
    from servicekit.times import utcnow

    unit_id = str(uuid.uuid4())
    visits_app = build_app(
        "visits", database_url=await database("visits"), bootstrap=broker.bootstrap
    )
    reporting_app = build_app(
        "reporting", database_url=await database("reporting"), bootstrap=broker.bootstrap
    )
    async with serve(visits_app) as visits, serve(reporting_app, Role.NATIONAL) as reporting:
        await start_visit(visits, unit_id)
        await wait_for_scorecard(reporting, unit_id, visits_started=1)
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait("congvu.visits.v1", b"not a cloudevent", key=b"k1")
            bad_body = encode_headers(
                event_id=str(uuid.uuid4()),
                event_type="vn.congvu.visits.visit.started.v1",
                source="/test",
                time=utcnow(),
                subject="k2",
            )
            await producer.send_and_wait(
                "congvu.visits.v1",
                b'{"visit_id": "not-a-uuid"}',
                key=b"k2",
                headers=to_kafka_headers(bad_body),
            )
        finally:
            await producer.stop()
        await start_visit(visits, unit_id)
        await wait_for_scorecard(reporting, unit_id, visits_started=2)

        dlq = AIOKafkaConsumer(
            "congvu.visits.v1.dlq",
            bootstrap_servers=broker.bootstrap,
            auto_offset_reset="earliest",
            group_id=f"dlq-reader-{uuid.uuid4()}",
        )
        await dlq.start()
        try:
            records = []
            while len(records) < 2:
                batch = await asyncio.wait_for(dlq.getmany(timeout_ms=500), 20)
                records += [r for rs in batch.values() for r in rs]
        finally:
            await dlq.stop()
        by_key = {r.key: dict((k, v.decode()) for k, v in r.headers) for r in records}
        assert by_key[b"k1"]["dlq_origin_topic"] == "congvu.visits.v1"
        assert by_key[b"k1"]["dlq_error_type"] == "InvalidEnvelope"
        assert by_key[b"k2"]["dlq_error_type"] == "ValidationError"
        assert by_key[b"k2"]["dlq_consumer"] == CONSUMER
        assert {"dlq_origin_partition", "dlq_origin_offset", "dlq_error"} <= set(by_key[b"k2"])
        assert by_key[b"k2"]["ce_type"] == "vn.congvu.visits.visit.started.v1"
