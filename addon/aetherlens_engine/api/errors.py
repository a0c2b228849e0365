"""JSON errors: every failure answers `{"error": {"code": ..., "message": ...}}`.

The body is encoded from the models the OpenAPI document shows for every 4xx and 5xx answer
(`contract.engine.Error`, and `TariffError`, `BudgetError` or `DeviceError` whose details name
a tariff's, a budget's or a device change's bad field), so an error answer cannot leave the
document's shape.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

import msgspec
from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware
from msgspec import UNSET

from aetherlens_engine.models import Commodity
from aetherlens_engine.tariffs.model import BillInputError
from aetherlens_engine.web.errors import ApiError

from .contract.base import json_response
from .contract.engine import (
    BudgetError,
    BudgetErrorCode,
    BudgetErrorDetail,
    DeviceError,
    DeviceErrorDetail,
    Error,
    ErrorDetail,
    FieldError,
    Rejection,
    TariffError,
    TariffErrorDetail,
)
from .contract.plugins import PluginError, PluginErrorDetail
from .contract.settings import SettingsError, SettingsErrorDetail

__all__ = [
    "ApiError",
    "cannot_bill",
    "error_body",
    "error_middleware",
    "error_response",
    "no_active_tariff",
    "unavailable",
]

_LOGGER = logging.getLogger(__name__)

# Codes of aiohttp's own HTTP errors (routing, body size), by status.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


# The codes of a budget refused for one of its fields.
_BUDGET_CODES: dict[str, BudgetErrorCode] = {
    "invalid_budget": "invalid_budget",
    "budget_exists": "budget_exists",
}


type ErrorBody = Error | TariffError | BudgetError | DeviceError | PluginError | SettingsError


def error_body(error: ApiError) -> ErrorBody:
    """Return ERROR's body as its model: bad fields (tariff, budget, device), refused readings."""
    if error.code == "invalid_tariff" and error.details is not None:
        fields = msgspec.convert(error.details, list[FieldError])
        return TariffError(
            error=TariffErrorDetail(code="invalid_tariff", message=error.message, details=fields)
        )
    if error.code == "invalid_device" and error.details is not None:
        fields = msgspec.convert(error.details, list[FieldError])
        return DeviceError(
            error=DeviceErrorDetail(code="invalid_device", message=error.message, details=fields)
        )
    budget_code = _BUDGET_CODES.get(error.code)
    if budget_code is not None and error.details is not None:
        fields = msgspec.convert(error.details, list[FieldError])
        return BudgetError(
            error=BudgetErrorDetail(code=budget_code, message=error.message, details=fields)
        )
    if error.code == "invalid_plugin_config" and error.details is not None:
        fields = msgspec.convert(error.details, list[FieldError])
        return PluginError(
            error=PluginErrorDetail(
                code="invalid_plugin_config", message=error.message, details=fields
            )
        )
    if error.code == "invalid_settings" and error.details is not None:
        fields = msgspec.convert(error.details, list[FieldError])
        return SettingsError(
            error=SettingsErrorDetail(
                code="invalid_settings", message=error.message, details=fields
            )
        )
    details = UNSET if error.details is None else msgspec.convert(error.details, list[Rejection])
    return Error(error=ErrorDetail(code=error.code, message=error.message, details=details))


def error_response(error: ApiError) -> web.Response:
    """Return ERROR as a JSON response."""
    return json_response(error_body(error), status=error.status, headers=error.headers)


def unavailable(code: str, message: str, retry_after: int) -> ApiError:
    """Return a 503 error asking to retry in RETRY_AFTER seconds."""
    return ApiError(503, code, message, headers={hdrs.RETRY_AFTER: str(retry_after)})


def no_active_tariff(commodity: Commodity = Commodity.ELECTRICITY) -> ApiError:
    """Return the 409 of a route that needs COMMODITY's active tariff when none is."""
    which = "" if commodity is Commodity.ELECTRICITY else f"{commodity} "
    return ApiError(
        409,
        "no_active_tariff",
        f"no {which}tariff is active; save one and activate it (POST /api/v1/tariffs with "
        "activate: true)",
    )


def cannot_bill(err: BillInputError) -> ApiError:
    """Return the 409 of a bill the recorded data cannot make; ERR says why."""
    return ApiError(409, "cannot_bill", str(err))


async def _route_methods(request: web.Request) -> str | None:
    """Return the methods of the most specific route matching REQUEST's path.

    aiohttp's 405 lists the methods of every route the path matches: for
    `/api/v1/tariffs/validate` also those of `/api/v1/tariffs/{name}`, which is not the route
    asked for. The route with the fewest path parameters is.
    """
    best: tuple[int, set[str]] | None = None
    for resource in request.app.router.resources():
        _, methods = await resource.resolve(request)
        if methods:
            specificity = resource.canonical.count("{")
            if best is None or specificity < best[0]:
                best = (specificity, set(methods))
    return ",".join(sorted(best[1])) if best is not None else None


async def _from_http_exception(
    request: web.Request, exc: web.HTTPException, max_body_bytes: int
) -> ApiError:
    status = exc.status
    phrase = HTTPStatus(status).phrase.lower()
    headers: dict[str, str] = {}
    if status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE:
        message = f"the request body is larger than {max_body_bytes} bytes"
    elif status == HTTPStatus.METHOD_NOT_ALLOWED:
        headers[hdrs.ALLOW] = await _route_methods(request) or exc.headers.get(hdrs.ALLOW) or ""
        message = f"method not allowed; use {headers[hdrs.ALLOW]}"
    else:
        message = phrase
    return ApiError(
        status, _HTTP_CODES.get(status, phrase.replace(" ", "_")), message, headers=headers
    )


def error_middleware(max_body_bytes: int) -> Middleware:
    """Return the middleware turning every error into JSON; MAX_BODY_BYTES names the 413 limit."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as err:
            return error_response(err)
        except web.HTTPException as exc:
            if exc.status < HTTPStatus.BAD_REQUEST:
                raise
            return error_response(await _from_http_exception(request, exc, max_body_bytes))
        except Exception:
            # The client learns nothing of the internals; the log has the traceback.
            _LOGGER.exception("unexpected error answering %s %s", request.method, request.path)
            return error_response(
                ApiError(500, "internal_error", "the engine failed to answer; see its log")
            )

    return middleware
