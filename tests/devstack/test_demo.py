"""The demo's scenario and its people: each acts within their province, as the rule has it.

`tests/system/test_stack.py` plays the demo against a running stack; these check, without
one, that the scenario gives every province's people only their province's units.
"""

from typing import Any

import jwt
import pytest

from contracts.visits import Headcount
from devstack.demo import People, Person, registrar_of
from devstack.scenario import (
    PLANS,
    PROVINCES,
    RECORDS,
    TEAMS,
    UNITS,
    DemoRecord,
    DemoUnit,
    province_of,
)
from plans.checklists.defaults import DEFAULT_CHECKLIST
from servicekit.access import Role


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> People:
    """The scenario's people, with local keys made once for the module."""
    return People(tmp_path_factory.mktemp("keys"))


def claims_of(person: Person) -> dict[str, Any]:
    token = person.authorization.removeprefix("Bearer ")
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def test_the_scenario_provinces_are_its_top_units() -> None:
    assert set(PROVINCES) == {unit.code for unit in UNITS if unit.parent is None}
    assert province_of("DEMO-NA-MUONG-LONG") == "40"
    assert province_of("40") == "40"


def test_each_plan_covers_its_province_with_its_province_teams() -> None:
    teams = {team.key: team for team in TEAMS}
    assert {team.province for team in TEAMS} <= set(PROVINCES)
    for plan in PLANS:
        named = [*plan.targets, *([plan.scope] if plan.scope else [])]
        assert {province_of(code) for code in named} == {plan.province}, plan.number
        for inspection in plan.inspections:
            visited = [inspection.target, *(code for code, _ in inspection.more_visits)]
            assert {province_of(code) for code in visited} == {plan.province}, plan.number
            assert teams[inspection.team].province == plan.province, plan.number


def test_tokens_name_the_province_and_the_ministry_none(people: People) -> None:
    ministry = claims_of(people.ministry)
    assert (ministry["congvu_role"], ministry["congvu_unit"]) == ("national", None)
    inspectorate = claims_of(people.official(Role.INSPECTORATE, "40"))
    assert inspectorate["congvu_unit"] == "40"
    assert inspectorate["sub"] == "demo.na.inspectorate"
    leader = claims_of(people.team_leader("demo.bk.to-truong", "DEMO-BAC-KAN"))
    assert (leader["congvu_role"], leader["congvu_unit"]) == ("team_leader", "DEMO-BAC-KAN")
    assert leader["sub"] == "demo.bk.to-truong"
    # One token per person: a rerun's subjects, and so its Idempotency-Keys, are the same.
    assert people.official(Role.ADMIN, "22") is people.official(Role.ADMIN, "22")
    assert claims_of(people.official(Role.ADMIN, "22"))["sub"] == "demo.qn.admin"


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.code)
def test_the_ministry_registers_administrative_units_provinces_their_agencies(
    unit: DemoUnit, people: People
) -> None:
    registrar = claims_of(registrar_of(unit, people))
    if unit.level in ("province", "district", "commune"):
        assert registrar["congvu_role"] == "national"
    else:
        # An agency sits beneath a unit of the admin's own province.
        assert unit.parent is not None
        assert (registrar["congvu_role"], registrar["congvu_unit"]) == (
            "admin",
            province_of(unit.code),
        )


def totals(record: DemoRecord) -> tuple[int, int, int, int]:
    """Return a record's offices, staff on roll, present and absent with reason."""
    counts = [
        Headcount.model_validate(count)
        for office in record.offices
        for count in office.headcounts.values()
    ]
    for count in counts:
        absent = sum(count.absent_with_reason.values()) + count.absent_without_reason
        assert count.on_roll == count.present + absent, record.unit
    return (
        len(record.offices),
        sum(c.on_roll for c in counts),
        sum(c.present for c in counts),
        sum(sum(c.absent_with_reason.values()) for c in counts),
    )


def test_the_nghe_an_records_give_the_reported_headcounts() -> None:
    by_unit = {record.unit: totals(record) for record in RECORDS}
    # 9 offices, 40 on roll, 27 present, 13 absent with reason; 22 with 3; 20 with 5.
    assert by_unit == {
        "DEMO-NA-KY-SON": (9, 40, 27, 13),
        "DEMO-NA-MUONG-LONG": (1, 22, 19, 3),
        "DEMO-NA-LANG-KHE": (1, 20, 15, 5),
    }


@pytest.mark.parametrize("record", RECORDS, ids=lambda record: record.unit)
def test_each_record_is_of_a_scenario_visit_against_the_default_checklist(
    record: DemoRecord,
) -> None:
    visits = {(unit.code, at) for unit in UNITS for at, _ in unit.visits}
    assert (record.unit, record.started_at) in visits
    assert record.observed_at > record.started_at
    criteria = {
        criterion.code: category.code
        for category in DEFAULT_CHECKLIST.categories
        for criterion in category.criteria
    }
    assert {code for code, _, _ in record.results} <= set(criteria)
    for violation in record.violations:
        assert violation.criterion is not None
        assert criteria[violation.criterion] == violation.category
