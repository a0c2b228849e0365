import { html } from 'htm/preact';
import { day as formatDay, price as formatPrice } from '../lib/format.js';
import { cellLabel, heatmapRows } from '../lib/heatmap.js';

/** @param {number|null} level */
function color(level) {
  if (level === null) return 'var(--divider)';
  // From green (cheap) through yellow to red (dear).
  const hue = 120 - level * 120;
  return `hsl(${hue} 70% 45%)`;
}

/**
 * A week's import prices as a grid of hours × days; DST days are flagged.
 * @param {{ calendar: import('../lib/apiTypes.js').TariffCalendar }} props
 */
export function HeatMap({ calendar }) {
  const { range, rows } = heatmapRows(calendar);
  const fmt = (/** @type {string|null} */ value) => formatPrice(value, calendar.currency);
  // Scrolls sideways on a phone: focusable, so the keyboard can scroll it too.
  return html`<div class="heatmap-wrap" tabindex="0" role="region" aria-label="Price heat map (scrolls sideways)">
    <table class="heatmap" aria-label=${`Import price per hour, ${calendar.timezone}`}>
      <thead>
        <tr>
          <th scope="col"><span class="sr-only">Day</span></th>
          ${Array.from({ length: 24 }, (_, hour) => html`<th scope="col" key=${hour}>${hour % 3 === 0 ? String(hour).padStart(2, '0') : html`<span class="sr-only">${hour}</span>`}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map((row) => html`<tr key=${row.date} class=${row.dst ? 'dst' : ''}>
          <th scope="row">${formatDay(row.date)}${row.dst ? html` <span class="dst-badge" title=${`${row.hours} hours: clocks change`}>${row.hours} h</span>` : ''}</th>
          ${row.cells.map((cell) => {
            const label = cellLabel(cell, fmt);
            return html`<td key=${cell.hour} class=${`cell${cell.skipped ? ' skipped' : ''}${cell.repeated ? ' repeated' : ''}`} title=${label}>
              <span class="sr-only">${label}</span>
              <span class="cell-inner" aria-hidden="true">
                ${cell.segments.map((segment, index) => html`<span key=${index} class="seg"
                  style=${{ flexGrow: segment.share, background: color(segment.level) }}></span>`)}
              </span>
            </td>`;
          })}
        </tr>`)}
      </tbody>
    </table>
    <p class="legend">
      <span class="swatch" style=${{ background: color(0) }}></span> ${fmt(range.min === null ? null : String(range.min))}
      <span class="swatch" style=${{ background: color(1) }}></span> ${fmt(range.max === null ? null : String(range.max))}
      <span class="swatch skipped"></span> hour skipped (clocks forward)
      <span class="swatch repeated"></span> hour repeated (clocks back)
    </p>
  </div>`;
}
