"""Domain errors and their one rendering: application/problem+json (RFC 9457).

A problem is written in the language the caller prefers (`servicekit.languages`):
Vietnamese unless `Accept-Language` puts English first. Its title is its status's
(`servicekit.messages.TITLES`); its detail and field messages are given in English and, with
`vi=`, in Vietnamese: `raise UnitNotFound(f"No unit has id {i}.", vi=f"Không có đơn vị nào có
mã định danh {i}.")`. Pydantic's field errors get their Vietnamese from `servicekit.messages`.
"""

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, PrivateAttr
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.languages import Language, language_of
from servicekit.messages import field_message, title

PROBLEM_JSON = "application/problem+json"
ExceptionHandler = Callable[[Request, Exception], Awaitable[JSONResponse]]
log = logging.getLogger(__name__)


class FieldError(BaseModel):
    """One invalid field: where it is and what is wrong."""

    loc: list[str | int] = Field(examples=[["body", "code"]])
    msg: str = Field(examples=["Thiếu trường bắt buộc"])
    # The message in Vietnamese; `msg` holds the English one until the error is rendered.
    _vi: str | None = PrivateAttr(default=None)

    def __init__(self, *, loc: list[str | int], msg: str, vi: str | None = None) -> None:
        super().__init__(loc=loc, msg=msg)
        self._vi = vi

    def rendered(self, language: Language) -> "FieldError":
        """Return the error as a caller reading `language` gets it."""
        if language is Language.EN or self._vi is None:
            return self
        return self.model_copy(update={"msg": self._vi})


class Problem(BaseModel):
    """An RFC 9457 problem document, in the language the caller asked for."""

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Dữ liệu không hợp lệ"])
    status: int = Field(examples=[422])
    detail: str | None = Field(
        default=None, examples=["Yêu cầu không hợp lệ; xem chi tiết trong errors."]
    )
    instance: str | None = Field(default=None, examples=["/api/v1/plans/units"])
    errors: list[FieldError] | None = None


class DomainError(Exception):
    """An error the caller can act on; subclasses set the HTTP status, which sets the title.

    `detail` is the English text, `vi` the Vietnamese one (shown unless English is asked for).
    """

    status_code: int = 400
    default_headers: ClassVar[dict[str, str] | None] = None

    def __init__(
        self,
        detail: str,
        *,
        vi: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.vi = vi
        self.errors = errors
        self.headers = headers if headers is not None else self.default_headers


class NotFound(DomainError):
    """The resource does not exist, or the caller may not know that it does."""

    status_code = 404


class Invalid(DomainError):
    """The request is well-formed but names something that cannot be used."""

    status_code = 422

    @classmethod
    def field(cls, loc: list[str | int], msg: str, *, vi: str | None = None) -> "Invalid":
        """Return the error for one invalid field: `msg` in English, `vi` in Vietnamese."""
        where = ".".join(map(str, loc))
        return cls(
            f"{where}: {msg}",
            vi=None if vi is None else f"{where}: {vi}",
            errors=[FieldError(loc=loc, msg=msg, vi=vi)],
        )


class PreconditionFailed(DomainError):
    """If-Match names a version that is no longer current."""

    status_code = 412


class PreconditionRequired(DomainError):
    """An update came without If-Match."""

    status_code = 428


class MethodNotAllowed(DomainError):
    """The path exists, but not with this method; `Allow` lists the methods it has."""

    status_code = 405

    @classmethod
    def at(cls, methods: Sequence[str]) -> "MethodNotAllowed":
        """Return the error for a path whose methods are `methods`."""
        listed = ", ".join(methods)
        return cls(
            f"This resource answers {listed} only.",
            vi=f"Tài nguyên này chỉ nhận các phương thức {listed}.",
            headers={"Allow": listed},
        )


class Conflict(DomainError):
    """The request conflicts with the resource's current state."""

    status_code = 409


def problem_response(
    request: Request,
    *,
    status: int,
    detail: str | None = None,
    vi: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Render a problem document for `request`: `detail` in English, `vi` in Vietnamese."""
    language = language_of(request)
    body = Problem(
        title=title(status, language),
        status=status,
        detail=vi if language is Language.VI and vi is not None else detail,
        instance=request.url.path,
        errors=[e.rendered(language) for e in errors] if errors is not None else None,
    )
    response = JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )
    response.headers["Content-Language"] = language.value
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    if "accept-language" not in (v.lower() for v in vary):
        response.headers["Vary"] = ", ".join([*vary, "Accept-Language"])
    return response


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    return [
        FieldError(
            loc=[str(p) if not isinstance(p, int) else p for p in err["loc"]],
            msg=field_message(err, Language.EN),
            vi=field_message(err, Language.VI),
        )
        for err in exc.errors()
    ]


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        request,
        status=exc.status_code,
        detail=exc.detail,
        vi=exc.vi,
        errors=exc.errors,
        headers=exc.headers,
    )


# Headers that make a request conditional: sent without them, it lacks a precondition (428).
PRECONDITION_HEADERS = frozenset({"if-match"})


def _lacks_only_preconditions(exc: RequestValidationError) -> bool:
    return all(
        err["type"] == "missing"
        and len(err["loc"]) == 2
        and err["loc"][0] == "header"
        and str(err["loc"][1]).lower() in PRECONDITION_HEADERS
        for err in exc.errors()
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if exc.errors() and _lacks_only_preconditions(exc):
        missing = PreconditionRequired(
            "Send If-Match with the ETag of the version you edited (read it first).",
            vi="Hãy gửi If-Match với ETag của phiên bản bạn đã sửa (đọc tài nguyên trước).",
        )
        return await _on_domain_error(request, missing)
    return problem_response(
        request,
        status=422,
        detail="The request is not valid; see errors.",
        vi="Yêu cầu không hợp lệ; xem chi tiết trong errors.",
        errors=_field_errors(exc),
    )


# The details Starlette and FastAPI raise themselves, besides a status's bare phrase.
_HTTP_DETAILS_VI = {"There was an error parsing the body": "Không đọc được nội dung yêu cầu."}


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    with contextlib.suppress(ValueError):
        if detail == HTTPStatus(exc.status_code).phrase:
            detail = None  # the bare phrase: the title says it, in the caller's language
    return problem_response(
        request,
        status=exc.status_code,
        detail=detail,
        vi=_HTTP_DETAILS_VI.get(detail or ""),
        headers=exc.headers,
    )


def _on_wrong_method(methods_at: Callable[[str], Sequence[str]]) -> ExceptionHandler:
    """Return a handler of the router's 405 listing every method of the path in `Allow`.

    The router names only the methods of the first route that matches the path.
    """

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        methods = methods_at(request.url.path)
        if not methods:
            return await _on_http_error(request, exc)
        return await _on_domain_error(request, MethodNotAllowed.at(methods))

    return handler


async def _on_conflicting_write(request: Request, exc: Exception) -> JSONResponse:
    # A concurrent request changed the same thing first (a unique key, a row's version).
    log.info("conflicting write on %s %s: %r", request.method, request.url.path, exc)
    return problem_response(
        request,
        status=409,
        detail="Someone changed this at the same moment; read it again and retry.",
        vi="Có người vừa thay đổi dữ liệu này cùng lúc; hãy đọc lại rồi thử lại.",
    )


class UnexpectedErrorMiddleware:
    """Renders an unhandled exception as a 500 problem, inside the request id's scope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except ClientDisconnect:
            # The caller hung up mid-request: nobody is left to answer, and nothing broke.
            request = Request(scope)
            log.info("client disconnected during %s %s", request.method, request.url.path)
        except Exception:
            request = Request(scope)
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            if started:
                raise
            response = problem_response(
                request,
                status=500,
                detail="An unexpected error occurred.",
                vi="Đã xảy ra lỗi ngoài dự kiến.",
            )
            await response(scope, receive, send)


def install_problem_handlers(
    app: FastAPI, *, methods_at: Callable[[str], Sequence[str]] | None = None
) -> None:
    """Render every error the app can raise as problem+json, never a stack trace.

    `methods_at` gives the methods the API has at a path, for the `Allow` of a 405.
    """
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    if methods_at is not None:
        app.add_exception_handler(405, _on_wrong_method(methods_at))
    app.add_exception_handler(IntegrityError, _on_conflicting_write)
    app.add_exception_handler(StaleDataError, _on_conflicting_write)
    # Added before the request id middleware, so it runs inside it.
    app.add_middleware(UnexpectedErrorMiddleware)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI `responses` entries that document problem+json errors."""
    return {
        status: {
            "model": Problem,
            "description": title(status, Language.EN),
            "content": {PROBLEM_JSON: {}},
        }
        for status in statuses
    }
