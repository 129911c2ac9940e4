import type { Score } from '../../src/serve/api-types.ts';

/**
 * Formatting for run values. Numbers that JSON cannot carry arrive as the strings "NaN",
 * "Infinity" and "-Infinity" and are shown as such; anything else unexpected is shown as text,
 * never interpreted. Every value is rendered through Preact's text nodes, which escape it.
 */
export function formatScore(value: Score | unknown, digits = 4): string {
  if (value === null || value === undefined) return '—';
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return value === 'Infinity' ? '∞' : value === '-Infinity' ? '−∞' : 'NaN';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '−∞';
    if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-4)) return value.toExponential(3);
    return Number(value.toFixed(digits)).toString();
  }
  return String(value);
}

export function asNumber(value: Score | unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value.toLocaleString('en-US');
}

export function formatCost(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value === 0) return '$0';
  return value < 0.01 ? `$${value.toFixed(5)}` : `$${value.toFixed(3)}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function shortId(id: string): string {
  const underscore = id.indexOf('_');
  return underscore > 0 && id.length > underscore + 9 ? `${id.slice(0, underscore + 9)}…` : id;
}

/** Pretty JSON for display (in a text node, so it is never parsed as markup). */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A colour from a sequential palette for a value in [0, 1] (low: blue, high: yellow-green). */
export function rampColor(fraction: number): string {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ] as const;
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const position = clamped * (stops.length - 1);
  const low = Math.floor(position);
  const high = Math.min(stops.length - 1, low + 1);
  const mix = position - low;
  const channel = (index: 0 | 1 | 2) => Math.round(stops[low]![index] + (stops[high]![index] - stops[low]![index]) * mix);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}
