import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * One series of a chart: VALUES by x (null: no value).
 * @typedef {{ label: string, values: Array<number|null>, color: string, kind?: 'bars'|'lines' }} ChartSeries
 */

export const PALETTE = ['#03a9f4', '#ff9800', '#8bc34a', '#e91e63', '#9c27b0', '#009688', '#ffc107', '#795548'];

/**
 * @param {Element} element
 * @param {string} name
 * @param {string} fallback
 */
function cssVar(element, name, fallback) {
  return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
}

/**
 * A uPlot chart that fills its container's width. SERIES: [{label, values, color, kind?}]; KIND:
 * 'bars' (drawn back to front, for stacked values) or 'lines', the default of each series. Dragging across it zooms in; a double
 * click zooms out. XRANGE ([min, max], Unix seconds) is the span shown at first. LABEL describes it
 * to screen readers.
 * @param {{ x: number[], series: ChartSeries[], kind?: 'bars'|'lines', height?: number, label: string,
 *   valueFormat?: (value: number) => string, xRange?: [number, number] }} props
 */
export function Chart({ x, series, kind = 'lines', height = 260, label, valueFormat, xRange }) {
  const box = useRef(/** @type {HTMLDivElement|null} */ (null));
  useEffect(() => {
    const element = box.current;
    if (!element || x.length === 0) return undefined;
    const axis = cssVar(element, '--text-secondary', '#888');
    const grid = cssVar(element, '--divider', 'rgba(128,128,128,0.2)');
    // The full build of uPlot, which has every path builder.
    const barPaths = /** @type {NonNullable<typeof uPlot.paths.bars>} */ (uPlot.paths.bars)({ size: [0.7, 48] });
    const ordered = kind === 'bars' ? [...series].reverse() : series;
    const isBars = (/** @type {ChartSeries} */ entry) => (entry.kind ?? kind) === 'bars';
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height,
        legend: { live: kind !== 'bars' },
        // Amounts and energy are read from zero: stacked bars would mislead otherwise.
        scales: { y: { range: (_, min, max) => [Math.min(0, min), max > 0 ? max * 1.08 : 1] } },
        axes: [
          { stroke: axis, grid: { stroke: grid } },
          {
            stroke: axis,
            grid: { stroke: grid },
            values: (_, ticks) => ticks.map((v) => (valueFormat ? valueFormat(v) : v)),
            // As wide as its longest label ("$1,200.00" too), not uPlot's fixed 50 px.
            size: (_, values) => Math.max(50, ...(values ?? []).map((text) => String(text).length * 7 + 18)),
          },
        ],
        series: [
          {},
          ...ordered.map((entry) => ({
            label: entry.label,
            stroke: entry.color,
            fill: isBars(entry) ? entry.color : undefined,
            width: isBars(entry) ? 0 : 2,
            paths: isBars(entry) ? barPaths : undefined,
            points: { show: false },
            value: (/** @type {uPlot} */ _, /** @type {number|null} */ v) => (v === null || v === undefined ? '—' : valueFormat ? valueFormat(v) : v),
          })),
        ],
      },
      [x, ...ordered.map((entry) => entry.values)],
      element,
    );
    // The whole range asked for, not only the part with data (a double click shows the data).
    if (xRange) plot.setScale('x', { min: xRange[0], max: xRange[1] });
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 200), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [x, series, kind, height, valueFormat, xRange?.[0], xRange?.[1]]);
  if (x.length === 0) return html`<p class="empty">No data in this range yet.</p>`;
  return html`<div class="chart" ref=${box} role="img" aria-label=${label}></div>`;
}
