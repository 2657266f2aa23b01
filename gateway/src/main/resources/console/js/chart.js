// The daily spend chart (uPlot, from its WebJar): bars per UTC day, days without spend at zero.
import { money } from './ui.js';

export function dailyChart(el, from, to, rows) {
  if (!window.uPlot || !el.isConnected) return;
  const byDay = new Map(rows.map((r) => [r.day, r.cost_micros]));
  const xs = [];
  const ys = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    const day = d.toISOString().slice(0, 10);
    xs.push(d.getTime() / 1000);
    ys.push((byDay.get(day) || 0) / 1e6);
  }
  const css = getComputedStyle(document.documentElement);
  const color = css.getPropertyValue('--bar').trim() || '#4b74e6';
  const text = css.getPropertyValue('--muted').trim() || '#666';
  const grid = css.getPropertyValue('--line').trim() || '#ddd';
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
  const plot = new window.uPlot({
    width: Math.max(280, el.clientWidth),
    height: 240,
    tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    legend: { show: true },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [axis, { ...axis, size: 70, values: (u, vals) => vals.map((v) => money(Math.round(v * 1e6))) }],
    series: [
      { value: (u, v) => (v == null ? '' : new Date(v * 1000).toISOString().slice(0, 10)) },
      { label: 'Spend', fill: color, stroke: color, points: { show: false }, paths: window.uPlot.paths.bars({ size: [0.7, 40] }),
        value: (u, v) => (v == null ? '' : money(Math.round(v * 1e6))) },
    ],
  }, [xs, ys], el);
  new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 240 })).observe(el);
}
