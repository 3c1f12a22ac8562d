"""Pure rules of the registry: which kinds exist at which level, who may sit beneath whom."""

from datetime import date

# Territorial units first, then what belongs to them: a unit sits beneath a unit of a level
# listed for it, never beneath one of a lower level (a province beneath a commune).
TERRITORIAL = ("province", "district", "commune")
PARENT_LEVELS: dict[str, frozenset[str]] = {
    "province": frozenset(),
    "district": frozenset({"province"}),
    # Since 1 July 2025 communes and wards sit beneath the province; before, the district.
    "commune": frozenset({"province", "district"}),
    # Agencies: sở, ban, ngành, People's Committees, state enterprises, associations.
    "agency": frozenset({*TERRITORIAL, "agency"}),
    "office": frozenset({*TERRITORIAL, "agency", "office"}),
}
KINDS_AT_LEVEL: dict[str, frozenset[str]] = {
    "province": frozenset({"province", "centrally_run_city"}),
    # Pre-2025 huyện, quận, thị xã and provincial cities alike.
    "district": frozenset({"district"}),
    # Pre-2025 thị trấn are communes.
    "commune": frozenset({"commune", "ward", "special_zone"}),
    "agency": frozenset(
        {"peoples_committee", "department", "one_stop_centre", "state_enterprise", "association"}
    ),
    # A commune's one-stop shop (bộ phận một cửa) is an office; a province's centre an agency.
    "office": frozenset({"office", "one_stop_centre"}),
}
KINDS_DOC = "; ".join(f"{level}: {', '.join(sorted(k))}" for level, k in KINDS_AT_LEVEL.items())
CATEGORIES_DOC = (
    "provincial_departments: sở, ban, ngành thuộc UBND tỉnh (kind department, beneath the"
    " province); state_enterprises: doanh nghiệp nhà nước (kind state_enterprise);"
    " district_peoples_committees, commune_peoples_committees: UBND huyện, UBND xã (the"
    " district or commune itself, or the peoples_committee unit directly beneath it where the"
    " registry has one); associations: hội có tính chất đặc thù (kind association)."
)
# Each category's own kind, for the categories a kind alone decides.
CATEGORY_KINDS: dict[str, str] = {
    "state_enterprises": "state_enterprise",
    "associations": "association",
}
PEOPLES_COMMITTEES: dict[str, str] = {
    "district_peoples_committees": "district",
    "commune_peoples_committees": "commune",
}


def kind_fits(level: str, kind: str | None) -> bool:
    """Tell whether a unit of `level` may be of `kind` (no kind fits every level)."""
    return kind is None or kind in KINDS_AT_LEVEL[level]


def parent_fits(level: str, parent_level: str) -> bool:
    """Tell whether a unit of `level` may sit beneath one of `parent_level`."""
    return parent_level in PARENT_LEVELS[level]


def within(
    start: date | None, end: date | None, outer_start: date | None, outer_end: date | None
) -> tuple[bool, bool]:
    """Tell whether [start, end] begins and ends inside [outer_start, outer_end]; None is open."""
    starts_inside = outer_start is None or (start is not None and start >= outer_start)
    ends_inside = outer_end is None or (end is not None and end <= outer_end)
    return starts_inside, ends_inside


def valid_during(start: date | None, end: date | None, year: int) -> bool:
    """Tell whether a validity period [start, end] overlaps the calendar year `year`."""
    return (start is None or start <= date(year, 12, 31)) and (
        end is None or end >= date(year, 1, 1)
    )


def period(start: date | None, end: date | None) -> str:
    """Return a validity period as people read it: 2000-01-01 to 2025-06-30, … for open."""
    return f"{start or '…'} to {end or '…'}"


def period_vi(start: date | None, end: date | None) -> str:
    """Return a validity period in Vietnamese: từ 2000-01-01 đến 2025-06-30, … for open."""
    return f"từ {start or '…'} đến {end or '…'}"
