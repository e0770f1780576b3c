/** Colours for token spans and heat maps. */

/** A pale background for token `id`; neighbouring ids get far-apart hues (golden-angle steps). */
export function tokenColor(id: number): string {
  const hue = (id * 137.508) % 360;
  return `hsl(${hue.toFixed(1)} 70% 84%)`;
}

/** Blue shades from white (0) to dark (1) for heat-map cells, and a text colour that stays readable. */
export function heatColor(fraction: number): { background: string; color: string } {
  const f = Math.max(0, Math.min(1, fraction));
  const raw = 97 - f * 62;
  // Between 54% and 62% lightness neither white nor dark text reaches WCAG AA's 4.5:1: skip that band.
  const lightness = raw > 54 && raw < 62 ? (raw < 58 ? 54 : 62) : raw;
  return { background: `hsl(220 70% ${lightness.toFixed(1)}%)`, color: lightness <= 54 ? '#fff' : '#1b1d23' };
}
