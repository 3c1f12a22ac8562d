"""Request and response bodies of checklist results."""

import uuid

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from contracts.visits import ResultOutcome
from servicekit.text import Code, FreeText
from servicekit.times import VnDatetime
from visits.attendance.schemas import VERSION, Version

RESULTS_READ: JsonDict = {
    "checklist_id": "0193a5d2-0000-7000-8000-00000000c001",
    "checklist_version": 1,
    "items": [
        {
            "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10",
            "version": 1,
            "criterion_code": "GIO.1",
            "category_code": "GIO",
            "weight": 3,
            "outcome": "fail",
            "note": "2 công chức đến muộn",
            "recorded_by": "tran.thi.binh",
            "recorded_at": "2021-02-22T16:30:00+07:00",
            "updated_at": "2021-02-22T16:30:00+07:00",
        },
        {
            "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e11",
            "version": 1,
            "criterion_code": "MOTCUA.1",
            "category_code": "MOTCUA",
            "weight": 2,
            "outcome": "pass",
            "note": None,
            "recorded_by": "tran.thi.binh",
            "recorded_at": "2021-02-22T16:31:00+07:00",
            "updated_at": "2021-02-22T16:31:00+07:00",
        },
    ],
    "score": {"points": 2, "possible": 5, "percent": 40.0, "answered": 2, "criteria": 21},
}
OUTCOMES = "pass: đạt; fail: không đạt; not_applicable: không áp dụng (nếu tiêu chí cho phép)"


class ResultFields(BaseModel):
    """What a team records of one criterion."""

    model_config = ConfigDict(extra="forbid")

    outcome: ResultOutcome = Field(description=OUTCOMES)
    note: FreeText | None = Field(default=None, max_length=4000, description="Ghi chú")


class ResultWrite(ResultFields):
    """One criterion's result, named by the id the device chose for it."""

    id: uuid.UUID = Field(description="Mã định danh do thiết bị sinh (UUID)")
    version: Version = Field(description=VERSION)
    criterion_code: Code = Field(
        min_length=1, max_length=30, description="Mã tiêu chí", examples=["GIO.1"]
    )


class ResultsWrite(BaseModel):
    """Body of PUT .../results: results to record; criteria not named keep theirs."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10",
                            "version": 1,
                            "criterion_code": "GIO.1",
                            "outcome": "fail",
                            "note": "2 công chức đến muộn",
                        }
                    ]
                }
            ]
        },
    )

    items: list[ResultWrite] = Field(min_length=1, max_length=500)


class ResultRead(BaseModel):
    """One criterion's result as the API returns it."""

    id: uuid.UUID
    version: int
    criterion_code: str
    category_code: str
    weight: int = Field(description="Trọng số của tiêu chí trong phiên bản bộ tiêu chí")
    outcome: ResultOutcome
    note: str | None
    recorded_by: str | None = Field(description="Người ghi (ẩn với đơn vị được kiểm tra)")
    recorded_at: VnDatetime
    updated_at: VnDatetime


class Score(BaseModel):
    """The score the results give: weights passed over weights passed or failed."""

    points: int = Field(description="Tổng trọng số các tiêu chí đạt")
    possible: int = Field(description="Tổng trọng số các tiêu chí đạt và không đạt")
    percent: float | None = Field(
        description="points / possible × 100, làm tròn 2 chữ số; null khi chưa có kết quả"
    )
    answered: int = Field(description="Số tiêu chí đã đánh giá")
    criteria: int = Field(description="Số tiêu chí của phiên bản bộ tiêu chí")


class ResultsRead(BaseModel):
    """The visit's checklist results and score."""

    model_config = ConfigDict(json_schema_extra={"examples": [RESULTS_READ]})

    checklist_id: uuid.UUID | None
    checklist_version: int | None
    items: list[ResultRead]
    score: Score
