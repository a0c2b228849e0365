"""The bill card, added with HA's card picker and editor, shows the engine's bill to the cent.

A dashboard's edit mode → Add card → By card → "AetherLens bill": the card's editor (HA's
`ha-form`) and its preview; the option "Show kWh, rates and tax bases" turned on and a title set,
the preview follows; saved, the dashboard shows the card. Its lines (energy by period and tier,
surcharges, demand, standing charges, credits, taxes, rounding), total and projected total are
read from its shadow DOM and compared with the engine's own `GET /api/v1/bill` of the same hours
and `GET /api/v1/projection`, to the cent. Then in a dark browser (HA's default theme follows
it): the same figures, other colours, both readable, both HA's theme variables.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import aiohttp
from playwright.async_api import Locator, Page

from devtools.develop import Stack
from tests.ha_ui.conftest import browser_page, screenshot
from tests.hass import run

DASHBOARD = "aetherlens-bill"
TITLE = "Our bill"
CENT = Decimal("0.01")
# WCAG's AA contrast for normal text.
READABLE = 4.5
TIMES = "\u00d7"  # between a surcharge's kWh and its rate
# The card's credit lines: key of the bill, label, whether it is subtracted.
CREDITS = (
    ("export_credit", "Export credit", True),
    ("carried_credit", "Credit carried in", True),
    ("unused_credit", "Credit unused (minimum bill)", False),
    ("minimum", "Minimum bill", False),
)

# What the card shows: header, cycle line, sections of (label, detail, amount), total, projection.
READ_CARD = """(card) => {
  const root = card.shadowRoot;
  const text = (node, selector) => node.querySelector(selector)?.textContent ?? null;
  return {
    header: root.querySelector('ha-card').getAttribute('header'),
    cycle: text(root, '.cycle'),
    sections: [...root.querySelectorAll('.section')].map((section) => ({
      heading: text(section, '.heading') ?? '',
      lines: [...section.querySelectorAll('.line')].map((line) => ({
        label: text(line, '.label'),
        detail: text(line, '.detail'),
        amount: text(line, '.amount'),
      })),
    })),
    total: text(root, '.total .amount'),
    projected: text(root, '.projected .amount'),
  };
}"""

# The card's computed colours, and the theme variables' colours resolved in the same place.
READ_COLOURS = """(card) => {
  const root = card.shadowRoot;
  const resolve = (property, value) => {
    const probe = document.createElement('div');
    probe.style.setProperty(property, value);
    root.append(probe);
    const colour = getComputedStyle(probe).getPropertyValue(property);
    probe.remove();
    return colour;
  };
  return {
    background: getComputedStyle(root.querySelector('ha-card')).backgroundColor,
    text: getComputedStyle(root.querySelector('.content')).color,
    secondary: getComputedStyle(root.querySelector('.cycle')).color,
    theme_background: resolve(
      'background-color', 'var(--ha-card-background, var(--card-background-color))'),
    theme_text: resolve('color', 'var(--primary-text-color)'),
    theme_secondary: resolve('color', 'var(--secondary-text-color)'),
  };
}"""

type Line = tuple[str, Decimal]


def _money(text: str) -> Decimal:
    """Return an amount as the card writes it ('€1,234.56', '-€0.01')."""
    return Decimal(text.replace("€", "").replace(",", ""))


def _cents(text: str) -> Decimal:
    return Decimal(text).quantize(CENT, ROUND_HALF_UP)


def expected_sections(cycle: dict[str, Any]) -> dict[str, list[Line]]:
    """Return the engine's cycle as the card's sections: heading → (label, amount) lines."""
    tiered = any(line["tier"] > 1 for line in cycle["energy"])
    sections: dict[str, list[Line]] = {
        "Energy": [
            (f"{e['period']} · tier {e['tier']}" if tiered else e["period"], _cents(e["cost"]))
            for e in cycle["energy"]
        ],
        "Surcharges": [(s["name"], _cents(s["amount"])) for s in cycle["surcharges"]],
        "Demand": [(d["name"], _cents(d["cost"])) for d in cycle["demand"]],
        "Standing charges": [(f["name"], _cents(f["amount"])) for f in cycle["fixed"]],
        "Credits and minimum": [
            (label, -_cents(cycle[key]) if subtracted else _cents(cycle[key]))
            for key, label, subtracted in CREDITS
            if _cents(cycle[key])
        ],
        "Taxes": [
            (f"{t['name']} {t['percent']} %" if t["percent"] else t["name"], _cents(t["amount"]))
            for t in cycle["taxes"]
        ],
        "": [("Rounding", _cents(cycle["rounding"]))] if _cents(cycle["rounding"]) else [],
    }
    return {heading: lines for heading, lines in sections.items() if lines}


def shown_sections(card: dict[str, Any]) -> dict[str, list[Line]]:
    """Return the card's sections as heading → (label, amount) lines."""
    return {
        section["heading"]: [(line["label"], _money(line["amount"])) for line in section["lines"]]
        for section in card["sections"]
    }


def _kwh(text: str) -> Decimal:
    return Decimal(text.removesuffix(" kWh").replace(",", ""))


def check_details(card: dict[str, Any], cycle: dict[str, Any]) -> None:
    """With details on: each energy line's kWh and each tax's base are the engine's."""
    details = {
        section["heading"]: [line["detail"] for line in section["lines"]]
        for section in card["sections"]
    }
    assert [_kwh(d) for d in details["Energy"]] == [Decimal(e["kwh"]) for e in cycle["energy"]]
    assert details["Surcharges"] == [
        f"{_kwh(s['kwh']):,} kWh {TIMES} {s['per_kwh']}" for s in cycle["surcharges"]
    ]
    assert [_money(d.removeprefix("of ")) for d in details["Taxes"]] == [
        _cents(t["base"]) for t in cycle["taxes"]
    ]


async def _engine(stack: Stack, path: str, **params: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {stack.engine_token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.get(f"{stack.engine.url}{path}", params=params) as resp,
    ):
        assert resp.status == 200, await resp.text()
        body: dict[str, Any] = await resp.json()
        return body


async def _until(stack: Stack) -> str:
    """Return the end of the hours the card bills: the integration's summary's hour."""
    answer = await stack.hass.command({"type": "aetherlens/bill"})
    return str(answer["until"])


async def check_against_engine(stack: Stack, card: dict[str, Any], until: str) -> dict[str, Any]:
    """Every figure the card shows is the engine's for the hours before UNTIL, to the cent.

    Return the engine's cycle.
    """
    billed = await _engine(stack, "/api/v1/bill", end=until)
    cycle: dict[str, Any]
    (cycle,) = billed["cycles"]
    projection = await _engine(stack, "/api/v1/projection")
    # The demo tariff's lines: time-of-use periods, a levy, a standing charge and VAT.
    for lines in ("energy", "surcharges", "fixed", "taxes"):
        assert cycle[lines], cycle
    assert shown_sections(card) == expected_sections(cycle), (card, cycle)
    assert _money(card["total"]) == _cents(cycle["total"]), (card["total"], cycle)
    assert _money(card["projected"]) == _cents(projection["projected_total"]), projection
    assert card["cycle"].startswith(f"{billed['tariff']} · "), card["cycle"]
    return cycle


async def read_checked(
    stack: Stack, open_card: Callable[[], Awaitable[Locator]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open the card, read it, check it against the engine; return it and the engine's cycle.

    The card bills the hours before the summary's: read again if an hour completed meanwhile.
    """
    for _ in range(2):
        # The hour just completed is still being rolled up in its first minute: wait that out.
        now = datetime.now(UTC)
        if now.minute == 0:
            await asyncio.sleep(60 - now.second)
        before = await _until(stack)
        shown = await _read(await open_card())
        if await _until(stack) == before:
            return shown, await check_against_engine(stack, shown, before)
    raise AssertionError("the billed hours changed twice while the card was read")


async def _read(card: Locator) -> dict[str, Any]:
    await card.locator(".total").wait_for()
    result: dict[str, Any] = await card.evaluate(READ_CARD)
    return result


async def _add_card(page: Page, stack: Stack) -> Locator:
    """Add the card with HA's card picker, change its options in its editor; return the preview."""
    await page.goto(f"{stack.hass.url}/{DASHBOARD}/0?edit=1")
    await page.get_by_role("button", name="Add card").click()
    await page.get_by_role("tab", name="By card").click()
    await page.get_by_placeholder("Search cards").fill("AetherLens bill")
    picked = page.locator("hui-card-picker .card").filter(has_text="AetherLens bill")
    await picked.locator(".overlay").click()
    dialog = page.locator("hui-dialog-edit-card")
    preview = dialog.locator("aetherlens-bill-card")
    assert (await _read(preview))["header"] == "Bill this cycle"
    assert await preview.locator(".detail").count() == 0

    await dialog.get_by_role("textbox", name="Title").fill(TITLE)
    # HA's form names no switch: a user clicks its label.
    await dialog.get_by_role("paragraph").filter(has_text="Show kWh, rates and tax bases").click()
    await preview.locator(".detail").first.wait_for()
    await page.wait_for_function(
        "(card) => card.shadowRoot.querySelector('ha-card').getAttribute('header') === 'Our bill'",
        arg=await preview.element_handle(),
    )
    await screenshot(page, "bill-card-editor")
    return preview


async def _colours(card: Locator) -> dict[str, str]:
    colours: dict[str, str] = await card.evaluate(READ_COLOURS)
    return colours


def _luminance(colour: str) -> float:
    """Return the relative luminance (WCAG) of an 'rgb(r, g, b)' colour."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """Return the WCAG contrast ratio of two colours."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def check_theme(colours: dict[str, str]) -> None:
    """The card's colours are the theme's variables, and its texts are readable on it."""
    assert colours["background"] == colours["theme_background"], colours
    assert colours["text"] == colours["theme_text"], colours
    assert colours["secondary"] == colours["theme_secondary"], colours
    for text in ("text", "secondary"):
        assert contrast(colours[text], colours["background"]) >= READABLE, colours


async def _dashboard_card(page: Page, stack: Stack) -> Locator:
    await page.goto(f"{stack.hass.url}/{DASHBOARD}/0")
    card = page.locator("hui-view aetherlens-bill-card")
    await card.locator(".total").wait_for()
    return card


async def _scheme(stack: Stack, scheme: Literal["light", "dark"]) -> dict[str, str]:
    """Open the dashboard in a SCHEME browser: the engine's bill; return the card's colours."""
    async with browser_page(stack, color_scheme=scheme) as page:
        card = page.locator("hui-view aetherlens-bill-card")
        shown, cycle = await read_checked(stack, lambda: _dashboard_card(page, stack))
        assert shown["header"] == TITLE
        check_details(shown, cycle)
        colours = await _colours(card)
        check_theme(colours)
        await screenshot(page, f"bill-card-{scheme}")
    return colours


async def _scenario(stack: Stack) -> None:
    await stack.hass.commands(
        [
            {
                "type": "lovelace/dashboards/create",
                "url_path": DASHBOARD,
                "title": "Bill",
                "mode": "storage",
                "require_admin": False,
                "show_in_sidebar": True,
            },
            {
                "type": "lovelace/config/save",
                "url_path": DASHBOARD,
                "config": {"views": [{"title": "Bill", "cards": []}]},
            },
        ]
    )
    async with browser_page(stack) as page:
        previewed, cycle = await read_checked(stack, lambda: _add_card(page, stack))
        check_details(previewed, cycle)
        dialog = page.locator("hui-dialog-edit-card")
        await dialog.get_by_role("button", name="Save").click()
        await dialog.wait_for(state="hidden")
        await page.get_by_role("button", name="Done").click()

    config = await stack.hass.command({"type": "lovelace/config", "url_path": DASHBOARD})
    assert config["views"][0]["cards"] == [
        {
            "type": "custom:aetherlens-bill-card",
            "show_projection": True,
            "show_details": True,
            "title": TITLE,
        }
    ]
    light = await _scheme(stack, "light")
    dark = await _scheme(stack, "dark")
    assert light["background"] != dark["background"], (light, dark)
    assert light["text"] != dark["text"], (light, dark)


def test_bill_card_added_in_the_card_editor_shows_the_engines_bill(stack: Stack) -> None:
    """Picked and configured in HA's UI, the card shows the engine's bill, light and dark."""
    run(_scenario(stack))
