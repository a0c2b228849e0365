/**
 * The AetherLens bill card: the current billing cycle's bill so far, line by line (energy by
 * period and tier, surcharges, demand, standing charges, credits, taxes), its total and the
 * projected total of the cycle. HA's own cards show states and statistics; a bill is neither.
 *
 * The integration serves this module and adds it to every frontend; the lines come from its
 * `aetherlens/bill` websocket command (the engine's bill, amounts as exact decimal strings).
 * A plain custom element: no build step, no framework; colours are the theme's variables.
 */

const CARD = "aetherlens-bill-card";
const EDITOR = "aetherlens-bill-card-editor";
// The integration reads the engine once a minute: the card asks no more often.
const REFRESH_MS = 60_000;

/**
 * @typedef {object} BillCardConfig
 * @property {string} type
 * @property {string} [title]
 * @property {string} [config_entry_id] the engine's entry; without it, the one set up
 * @property {boolean} [show_projection]
 * @property {boolean} [show_details] kWh, rates and tax bases beside the amounts
 */

/**
 * @typedef {object} CycleBill what `aetherlens/bill` answers; amounts are decimal strings
 * @property {string} title
 * @property {string} tariff
 * @property {string} currency
 * @property {string} start first local day of the cycle
 * @property {string} end day after its last
 * @property {string} export_kwh
 * @property {{period: string, tier: number, kwh: string, cost: string}[]} energy
 * @property {{name: string, kwh: string, per_kwh: string | null, amount: string}[]} surcharges
 * @property {{name: string, kw: string, cost: string}[]} demand
 * @property {{name: string, amount: string}[]} fixed
 * @property {string} export_credit
 * @property {string} carried_credit
 * @property {string} unused_credit
 * @property {string} minimum
 * @property {{name: string, base: string, percent: string | null, amount: string}[]} taxes
 * @property {string} rounding
 * @property {string} total
 * @property {string | null} projected_total
 */

/** @typedef {{label: string, detail?: string, amount: string, negative?: boolean}} Line */

/** @type {Record<string, Record<string, string>>} */
const STRINGS = {
  en: {
    name: "AetherLens bill",
    description:
      "The current billing cycle's bill: energy by period and tier, standing charges, demand, taxes, credits and the projected total.",
    title: "Bill this cycle",
    energy: "Energy",
    tier: "tier",
    surcharges: "Surcharges",
    demand: "Demand",
    fixed: "Standing charges",
    credits: "Credits and minimum",
    export_credit: "Export credit",
    carried_credit: "Credit carried in",
    unused_credit: "Credit unused (minimum bill)",
    minimum: "Minimum bill",
    taxes: "Taxes",
    of: "of",
    rounding: "Rounding",
    total: "Total so far",
    projected_total: "Projected for the cycle",
    loading: "Loading the bill…",
    "editor.title": "Title",
    "editor.config_entry_id": "Engine",
    "editor.show_projection": "Show the projected total",
    "editor.show_details": "Show kWh, rates and tax bases",
  },
  de: {
    name: "AetherLens-Rechnung",
    description:
      "Die Rechnung des laufenden Abrechnungszeitraums: Energie nach Zeitfenster und Stufe, Grundgebühren, Leistung, Steuern, Gutschriften und die Hochrechnung.",
    title: "Rechnung dieses Zeitraums",
    energy: "Energie",
    tier: "Stufe",
    surcharges: "Umlagen",
    demand: "Leistung",
    fixed: "Grundgebühren",
    credits: "Gutschriften und Mindestbetrag",
    export_credit: "Einspeisevergütung",
    carried_credit: "Übertragenes Guthaben",
    unused_credit: "Nicht genutztes Guthaben (Mindestbetrag)",
    minimum: "Mindestbetrag",
    taxes: "Steuern",
    of: "von",
    rounding: "Rundung",
    total: "Bisher",
    projected_total: "Hochrechnung für den Zeitraum",
    loading: "Rechnung wird geladen…",
    "editor.title": "Titel",
    "editor.config_entry_id": "Engine",
    "editor.show_projection": "Hochrechnung zeigen",
    "editor.show_details": "kWh, Preise und Steuerbasis zeigen",
  },
};

/**
 * Return the text KEY in LANGUAGE (English where it has none).
 * @param {string | undefined} language
 * @param {string} key
 */
function localize(language, key) {
  const strings = STRINGS[(language ?? "en").split("-")[0]] ?? STRINGS.en;
  return strings[key] ?? STRINGS.en[key] ?? key;
}

/**
 * The locale numbers are written in, as HA's profile setting says.
 * @param {any} hass
 * @returns {string | undefined}
 */
function numberLocale(hass) {
  const locale = hass?.locale ?? {};
  /** @type {Record<string, string | undefined>} */
  const byFormat = {
    comma_decimal: "en-US",
    decimal_comma: "de",
    space_comma: "fr",
    system: undefined,
  };
  return locale.number_format in byFormat ? byFormat[locale.number_format] : locale.language;
}

/**
 * Round a decimal string to the cent, half up as the engine's bill does; exact (no floats).
 * @param {string} text
 * @returns {string}
 */
export function roundToCent(text) {
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) throw new Error(`not an amount: ${text}`);
  const [, sign, whole, fraction = ""] = match;
  let cents = BigInt(whole + (fraction + "00").slice(0, 2));
  if ((fraction[2] ?? "0") >= "5") cents += 1n;
  const digits = cents.toString().padStart(3, "0");
  const negative = sign === "-" && cents !== 0n;
  return `${negative ? "-" : ""}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/**
 * @param {string} amount a decimal string
 * @param {string} currency
 * @param {string | undefined} locale
 */
function formatMoney(amount, currency, locale) {
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(
    Number(roundToCent(amount)),
  );
}

/**
 * Make an element with a class and children (text or elements).
 * @param {string} tag
 * @param {string} className
 * @param {...(Node | string)} children
 */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

const STYLE = `
  ha-card { height: 100%; }
  .content { padding: 0 16px 16px; color: var(--primary-text-color); }
  .cycle { color: var(--secondary-text-color); margin-bottom: 8px; }
  .section { margin-top: 12px; }
  .heading {
    color: var(--secondary-text-color);
    font-size: var(--ha-font-size-s, 12px);
    font-weight: var(--ha-font-weight-medium, 500);
    text-transform: uppercase;
    letter-spacing: 0.05em;
    margin-bottom: 4px;
  }
  .line { display: flex; align-items: baseline; gap: 8px; padding: 2px 0; }
  .label { flex: 1; }
  .detail { color: var(--secondary-text-color); font-size: var(--ha-font-size-s, 12px); }
  .amount { font-variant-numeric: tabular-nums; text-align: end; }
  .total {
    border-top: 1px solid var(--divider-color);
    margin-top: 12px;
    padding-top: 8px;
    font-weight: var(--ha-font-weight-bold, 600);
  }
  .projected { color: var(--secondary-text-color); }
  .error { color: var(--error-color); padding: 0 16px 16px; }
`;

class AetherLensBillCard extends HTMLElement {
  constructor() {
    super();
    /** @type {BillCardConfig} */
    this._config = { type: `custom:${CARD}` };
    /** @type {any} */
    this._hass = undefined;
    /** @type {CycleBill | null} */
    this._bill = null;
    /** @type {string | null} */
    this._error = null;
    /** @type {number | undefined} */
    this._timer = undefined;
    this._fetched = false;
    this._language = "";
    this.attachShadow({ mode: "open" });
  }

  /** The editor HA's card editor shows (its form is HA's own `ha-form`). */
  static getConfigElement() {
    return document.createElement(EDITOR);
  }

  /** What the card picker adds. */
  static getStubConfig() {
    return { show_projection: true, show_details: false };
  }

  /** @param {BillCardConfig} config */
  setConfig(config) {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    for (const key of ["show_projection", "show_details"]) {
      const value = /** @type {Record<string, unknown>} */ (config)[key];
      if (value !== undefined && typeof value !== "boolean") {
        throw new Error(`${key} must be true or false`);
      }
    }
    const entryChanged = config.config_entry_id !== this._config.config_entry_id;
    this._config = config;
    if (entryChanged && this._hass) {
      this._load();
    } else {
      this._render();
    }
  }

  /** @param {any} hass */
  set hass(hass) {
    this._hass = hass;
    if (!this._fetched) {
      this._load();
    } else if (hass.locale?.language !== this._language) {
      this._render();
    }
  }

  connectedCallback() {
    this._timer = window.setInterval(() => this._load(), REFRESH_MS);
  }

  disconnectedCallback() {
    window.clearInterval(this._timer);
  }

  getCardSize() {
    return 7;
  }

  getGridOptions() {
    return { columns: 6, min_columns: 4 };
  }

  async _load() {
    if (!this._hass) return;
    this._fetched = true;
    /** @type {Record<string, string>} */
    const message = { type: "aetherlens/bill" };
    if (this._config.config_entry_id) message.config_entry_id = this._config.config_entry_id;
    try {
      this._bill = await this._hass.callWS(message);
      this._error = null;
    } catch (err) {
      this._bill = null;
      this._error = /** @type {{message?: string}} */ (err)?.message ?? String(err);
    }
    this._render();
  }

  /** @param {string} key */
  _t(key) {
    return localize(this._hass?.locale?.language, key);
  }

  /** @returns {Line[][]} the sections' lines, in the bill's order, heading first */
  _sections() {
    const bill = /** @type {CycleBill} */ (this._bill);
    const money = (/** @type {string} */ amount) =>
      formatMoney(amount, bill.currency, numberLocale(this._hass));
    const kwh = (/** @type {string} */ value) =>
      `${new Intl.NumberFormat(numberLocale(this._hass), { maximumFractionDigits: 3 }).format(Number(value))} kWh`;
    const tiered = bill.energy.some((line) => line.tier > 1);
    const nonzero = (/** @type {string} */ amount) => Number(amount) !== 0;
    const credits = [
      { key: "export_credit", negative: true, detail: kwh(bill.export_kwh) },
      { key: "carried_credit", negative: true },
      { key: "unused_credit", negative: false },
      { key: "minimum", negative: false },
    ].filter(({ key }) => nonzero(/** @type {any} */ (bill)[key]));
    return [
      [
        { label: this._t("energy"), amount: "" },
        ...bill.energy.map((line) => ({
          label: tiered ? `${line.period} · ${this._t("tier")} ${line.tier}` : line.period,
          detail: kwh(line.kwh),
          amount: money(line.cost),
        })),
      ],
      [
        { label: this._t("surcharges"), amount: "" },
        ...bill.surcharges.map((line) => ({
          label: line.name,
          detail: line.per_kwh ? `${kwh(line.kwh)} × ${line.per_kwh}` : kwh(line.kwh),
          amount: money(line.amount),
        })),
      ],
      [
        { label: this._t("demand"), amount: "" },
        ...bill.demand.map((line) => ({
          label: line.name,
          detail: `${line.kw} kW`,
          amount: money(line.cost),
        })),
      ],
      [
        { label: this._t("fixed"), amount: "" },
        ...bill.fixed.map((line) => ({ label: line.name, amount: money(line.amount) })),
      ],
      [
        { label: this._t("credits"), amount: "" },
        ...credits.map(({ key, negative, detail }) => ({
          label: this._t(key),
          detail,
          negative,
          amount: money(`${negative ? "-" : ""}${/** @type {any} */ (bill)[key]}`),
        })),
      ],
      [
        { label: this._t("taxes"), amount: "" },
        ...bill.taxes.map((line) => ({
          label: line.percent ? `${line.name} ${line.percent} %` : line.name,
          detail: `${this._t("of")} ${money(line.base)}`,
          amount: money(line.amount),
        })),
      ],
      nonzero(bill.rounding)
        ? [
            { label: "", amount: "" },
            { label: this._t("rounding"), amount: money(bill.rounding) },
          ]
        : [],
    ].filter((section) => section.length > 1);
  }

  _render() {
    const root = /** @type {ShadowRoot} */ (this.shadowRoot);
    this._language = this._hass?.locale?.language ?? "";
    const card = el("ha-card", "");
    card.setAttribute("header", this._config.title || this._t("title"));
    if (this._error) {
      card.append(el("div", "error", this._error));
    } else if (!this._bill) {
      card.append(el("div", "content", this._t("loading")));
    } else {
      card.append(this._content(this._bill));
    }
    root.replaceChildren(el("style", "", STYLE), card);
  }

  /** @param {CycleBill} bill */
  _content(bill) {
    const locale = numberLocale(this._hass);
    const dates = new Intl.DateTimeFormat(this._hass?.locale?.language, {
      day: "numeric",
      month: "short",
      year: "numeric",
      timeZone: "UTC",
    });
    const last = new Date(`${bill.end}T00:00:00Z`);
    last.setUTCDate(last.getUTCDate() - 1);
    const span = dates.formatRange(new Date(`${bill.start}T00:00:00Z`), last);
    const content = el("div", "content", el("div", "cycle", `${bill.tariff} · ${span}`));
    const details = this._config.show_details === true;
    for (const [heading, ...lines] of this._sections()) {
      const section = el("div", "section");
      if (heading.label) section.append(el("div", "heading", heading.label));
      for (const line of lines) {
        const row = el("div", "line", el("span", "label", line.label));
        if (details && line.detail) row.append(el("span", "detail", line.detail));
        row.append(el("span", "amount", line.amount));
        section.append(row);
      }
      content.append(section);
    }
    const money = (/** @type {string} */ amount) => formatMoney(amount, bill.currency, locale);
    content.append(
      el(
        "div",
        "line total",
        el("span", "label", this._t("total")),
        el("span", "amount", money(bill.total)),
      ),
    );
    if (this._config.show_projection !== false && bill.projected_total !== null) {
      content.append(
        el(
          "div",
          "line projected",
          el("span", "label", this._t("projected_total")),
          el("span", "amount", money(bill.projected_total)),
        ),
      );
    }
    return content;
  }
}

/** The card's options in HA's own form; labels in the user's language. */
class AetherLensBillCardEditor extends HTMLElement {
  constructor() {
    super();
    /** @type {BillCardConfig | undefined} */
    this._config = undefined;
    /** @type {any} */
    this._hass = undefined;
    /** @type {any} */
    this._form = undefined;
  }

  /** @param {any} hass */
  set hass(hass) {
    this._hass = hass;
    if (this._form) this._form.hass = hass;
  }

  /** @param {BillCardConfig} config */
  setConfig(config) {
    this._config = config;
    this._render();
  }

  _render() {
    if (!this._form) {
      this._form = document.createElement("ha-form");
      this._form.schema = [
        { name: "title", selector: { text: {} } },
        { name: "config_entry_id", selector: { config_entry: { integration: "aetherlens" } } },
        { name: "show_projection", selector: { boolean: {} } },
        { name: "show_details", selector: { boolean: {} } },
      ];
      this._form.computeLabel = (/** @type {{name: string}} */ field) =>
        localize(this._hass?.locale?.language, `editor.${field.name}`);
      this._form.addEventListener("value-changed", (/** @type {CustomEvent} */ event) => {
        event.stopPropagation();
        /** @type {Record<string, unknown>} */
        const config = { ...event.detail.value };
        for (const key of Object.keys(config)) {
          if (config[key] === "" || config[key] === undefined) delete config[key];
        }
        this.dispatchEvent(
          new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
        );
      });
      this.append(this._form);
    }
    this._form.hass = this._hass;
    this._form.data = { show_projection: true, show_details: false, ...this._config };
  }
}

if (!customElements.get(CARD)) {
  customElements.define(CARD, AetherLensBillCard);
  customElements.define(EDITOR, AetherLensBillCardEditor);
  const language = document.documentElement.lang;
  /** @type {any} */
  const global = window;
  global.customCards = global.customCards || [];
  global.customCards.push({
    type: CARD,
    name: localize(language, "name"),
    description: localize(language, "description"),
    preview: true,
    documentationURL: "https://github.com/aetherlens/home#the-bill-card",
  });
}
