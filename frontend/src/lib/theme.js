// Dark mode follows Home Assistant: the browser's prefers-color-scheme by default (CSS), and,
// inside the ingress panel, the theme of the Home Assistant page around it (same origin).

const HA_VARIABLES = {
  '--primary-background-color': '--bg',
  '--card-background-color': '--card',
  '--primary-text-color': '--text',
  '--secondary-text-color': '--text-secondary',
  '--primary-color': '--primary',
  '--divider-color': '--divider',
  '--error-color': '--error',
};

/**
 * Whether a CSS colour (rgb()/rgba()/#rrggbb) is dark, by its relative luminance.
 * @param {string} color
 */
export function isDark(color) {
  /** @type {number[]|null} */
  let rgb = null;
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color.trim());
  if (hex) rgb = hex.slice(1).map((part) => Number.parseInt(part, 16));
  const fn = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(color.trim());
  if (fn) rgb = fn.slice(1).map(Number);
  if (!rgb) return null;
  const [r, g, b] = rgb.map((channel) => {
    const value = channel / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

/**
 * @param {HTMLElement} parentRoot
 * @param {HTMLElement} root
 */
function applyFrom(parentRoot, root) {
  const style = getComputedStyle(parentRoot);
  for (const [from, to] of Object.entries(HA_VARIABLES)) {
    const value = style.getPropertyValue(from).trim();
    if (value) root.style.setProperty(to, value);
    else root.style.removeProperty(to);
  }
  const background = style.getPropertyValue('--primary-background-color').trim();
  const dark = background ? isDark(background) : null;
  if (dark === null) delete root.dataset.theme;
  else root.dataset.theme = dark ? 'dark' : 'light';
}

/** Follow the theme of the Home Assistant page around the ingress iframe, if there is one. */
export function followHomeAssistantTheme(win = window) {
  let parentRoot;
  try {
    if (win.parent === win) return;
    parentRoot = win.parent.document.documentElement;
  } catch {
    return; // another origin: the browser's colour scheme applies
  }
  const root = win.document.documentElement;
  applyFrom(parentRoot, root);
  new MutationObserver(() => applyFrom(parentRoot, root)).observe(parentRoot, {
    attributes: true,
    attributeFilter: ['style', 'class'],
  });
}
