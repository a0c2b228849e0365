"""A typed client of the AetherLens engine's HTTP API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Any

import aiohttp
from yarl import URL

REQUEST_TIMEOUT = 10


class AetherLensError(Exception):
    """The engine could not answer as expected."""


class AetherLensConnectionError(AetherLensError):
    """The engine cannot be reached, or cannot reach its database now."""


class AetherLensAuthenticationError(AetherLensError):
    """The engine rejected the token."""


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"an amount must be a decimal string, not {value!r}")
    return Decimal(value)


def _instant(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class EngineHealth:
    """What `/api/v1/health` reports."""

    status: str
    version: str
    instance_id: str
    database_status: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EngineHealth:
        """Build from the engine's JSON."""
        return cls(
            status=str(data["status"]),
            version=str(data["version"]),
            instance_id=str(data["instance_id"]),
            database_status=str(data["database"]["status"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MeteredDevice:
    """An energy device of the engine, with today's and this month's figures."""

    id: int
    source: str
    source_id: str
    name: str
    kind: str
    unit: str | None
    energy_today_kwh: float
    energy_month_kwh: float
    cost_today: Decimal | None
    cost_month: Decimal | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeteredDevice:
        """Build from one item of the summary's `devices`."""
        return cls(
            id=int(data["id"]),
            source=str(data["source"]),
            source_id=str(data["source_id"]),
            name=str(data["name"]),
            kind=str(data["kind"]),
            unit=data["unit"],
            energy_today_kwh=float(data["energy_today_kwh"]),
            energy_month_kwh=float(data["energy_month_kwh"]),
            cost_today=_decimal(data["cost_today"]),
            cost_month=_decimal(data["cost_month"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Household:
    """The household's totals (its main meters, else its appliances)."""

    energy_today_kwh: float
    energy_month_kwh: float
    cost_today: Decimal | None
    cost_month: Decimal | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Household:
        """Build from the summary's `household`."""
        return cls(
            energy_today_kwh=float(data["energy_today_kwh"]),
            energy_month_kwh=float(data["energy_month_kwh"]),
            cost_today=_decimal(data["cost_today"]),
            cost_month=_decimal(data["cost_month"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudAccount:
    """A cloud account's costs in one currency; figures are None before the first fetch."""

    device_id: int
    name: str
    currency: str | None
    today: Decimal | None
    month_to_date: Decimal | None
    forecast: Decimal | None
    estimated: bool | None
    fetched_at: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CloudAccount:
        """Build from one item of the summary's `cloud.accounts`."""
        return cls(
            device_id=int(data["device_id"]),
            name=str(data["name"]),
            currency=data["currency"],
            today=_decimal(data["today"]),
            month_to_date=_decimal(data["month_to_date"]),
            forecast=_decimal(data["forecast"]),
            estimated=data["estimated"],
            fetched_at=_instant(data["fetched_at"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """A budget and what its period has spent (None where the engine cannot tell)."""

    id: int
    name: str
    scope: str
    device_id: int | None
    period: str
    amount: Decimal
    currency: str
    spent: Decimal | None

    @property
    def exceeded(self) -> bool | None:
        """Tell whether the period has spent more than the amount; None where unknown."""
        return None if self.spent is None else self.spent > self.amount

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Budget:
        """Build from one item of the summary's `budgets`."""
        return cls(
            id=int(data["id"]),
            name=str(data["name"]),
            scope=str(data["scope"]),
            device_id=data["device_id"],
            period=str(data["period"]),
            amount=Decimal(data["amount"]),
            currency=str(data["currency"]),
            spent=_decimal(data["spent"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """Everything `/api/v1/summary` reports, in the engine's currency and time zone."""

    version: str
    instance_id: str
    time: datetime
    currency: str
    timezone: str
    today: date
    month_start: date
    devices: tuple[MeteredDevice, ...]
    household: Household
    price: Decimal | None
    price_period: str | None
    cloud_accounts: tuple[CloudAccount, ...]
    budgets: tuple[Budget, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        """Build from the engine's JSON."""
        return cls(
            version=str(data["engine"]["version"]),
            instance_id=str(data["engine"]["instance_id"]),
            time=datetime.fromisoformat(data["engine"]["time"]),
            currency=str(data["currency"]),
            timezone=str(data["timezone"]),
            today=date.fromisoformat(data["period"]["today"]),
            month_start=date.fromisoformat(data["period"]["month_start"]),
            devices=tuple(MeteredDevice.from_json(item) for item in data["devices"]),
            household=Household.from_json(data["household"]),
            price=_decimal(data["price"]["current"]),
            price_period=data["price"]["period"],
            cloud_accounts=tuple(
                CloudAccount.from_json(item) for item in data["cloud"]["accounts"]
            ),
            budgets=tuple(Budget.from_json(item) for item in data["budgets"]),
        )


@dataclass(frozen=True, slots=True)
class EnergyPoint:
    """A device's energy in one hour starting at `start`."""

    start: datetime
    energy_kwh: float


def _energy_points(data: Mapping[str, Any]) -> tuple[EnergyPoint, ...]:
    return tuple(
        EnergyPoint(datetime.fromisoformat(point["start"]), float(point["energy_kwh"]))
        for point in data["points"]
    )


class AetherLensClient:
    """Client of one engine, on a shared aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        """Talk to the engine at URL (e.g. `http://127.0.0.1:8787`) with its API TOKEN."""
        self._session = session
        self._url = URL(url)
        self._token = token

    async def health(self) -> EngineHealth:
        """Return the engine's health (needs no token)."""
        data = await self._get("/api/v1/health")
        return _parse(EngineHealth.from_json, data, "health")

    async def summary(self) -> Summary:
        """Return today's and this month's figures of devices, household, cloud and budgets."""
        data = await self._get("/api/v1/summary")
        return _parse(Summary.from_json, data, "summary")

    async def hourly_energy(
        self, device_id: int, start: datetime, end: datetime
    ) -> tuple[EnergyPoint, ...]:
        """Return DEVICE_ID's energy per hour starting in [START, END) (at most 93 days)."""
        data = await self._get(
            f"/api/v1/devices/{device_id}/energy",
            {"from": start.isoformat(), "to": end.isoformat(), "resolution": "hour"},
        )
        return _parse(_energy_points, data, "energy series")

    async def _get(self, path: str, params: Mapping[str, str] | None = None) -> Mapping[str, Any]:
        headers = {aiohttp.hdrs.AUTHORIZATION: f"Bearer {self._token}"}
        url = self._url.join(URL(path)).with_query(params)
        try:
            async with (
                asyncio.timeout(REQUEST_TIMEOUT),
                self._session.get(url, headers=headers) as response,
            ):
                if response.status == HTTPStatus.UNAUTHORIZED:
                    raise AetherLensAuthenticationError("the engine rejected the API token")
                if response.status == HTTPStatus.SERVICE_UNAVAILABLE:
                    raise AetherLensConnectionError(
                        f"the engine at {self._url} cannot reach its database now"
                    )
                response.raise_for_status()
                data = await response.json()
        except (TimeoutError, aiohttp.ClientConnectionError) as err:
            raise AetherLensConnectionError(f"cannot reach the engine at {self._url}") from err
        except (aiohttp.ClientResponseError, ValueError) as err:
            raise AetherLensError(f"unexpected answer from the engine at {self._url}") from err
        if not isinstance(data, Mapping):
            raise AetherLensError(f"the engine at {self._url} did not answer a JSON object")
        return data


def _parse[T](build: Callable[[Mapping[str, Any]], T], data: Mapping[str, Any], what: str) -> T:
    try:
        return build(data)
    except (KeyError, TypeError, ValueError, InvalidOperation) as err:
        raise AetherLensError(f"the answer is not an AetherLens engine's {what}") from err
