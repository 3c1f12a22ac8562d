"""The demo's scenario and its people: each acts within their province, as the rule has it.

`tests/system/test_stack.py` plays the demo against a running stack; these check, without
one, that the scenario gives every province's people only their province's units.
"""

from typing import Any

import jwt
import pytest

from devstack.demo import People, Person, registrar_of
from devstack.scenario import PLANS, PROVINCES, TEAMS, UNITS, DemoUnit, province_of
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
