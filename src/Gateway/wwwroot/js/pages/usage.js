// The Overview's usage charts of a game server: CPU, memory against its limit, disk. Plain SVG, built with DOM calls
// (never markup from the API); each chart says its latest value in text, so the figure is readable without the drawing.

import { api } from '../api.js';
import { h, $ } from '../dom.js';
import * as format from '../format.js';

const svgNs = 'http://www.w3.org/2000/svg';

// The drawing's own coordinate box; the SVG scales to the page's width.
const width = 600;
const height = 120;
const left = 56;
const bottom = 20;

// 5-second points arrive this often while the page watches; 1-minute points change once a minute.
const pollMs = { '5s': 5000, '1m': 60000 };

const resolutions = [
  ['5s', 'Live (5-second points, last 15 minutes)'],
  ['1m', 'Last 24 hours (1-minute points)'],
];

/** Mounts the charts into `container` for server `id`; returns { limits(status), stop() }. */
export function mountUsage(container, id) {
  const state = { id, resolution: '5s', limits: null, points: [], timer: null, stopped: false };
  const choice = h('select', { id: 'usage-resolution', 'aria-label': 'Usage resolution', onchange: (e) => { state.resolution = e.target.value; load(state, container); } },
    ...resolutions.map(([value, label]) => h('option', { value }, label)));
  container.replaceChildren(
    h('h3', { id: 'usage-title' }, 'Usage'),
    h('p', {}, choice),
    h('p', { id: 'usage-state', class: 'muted', role: 'status' }, 'Loading usage…'),
    h('div', { id: 'usage-charts', class: 'usage-charts' }));
  load(state, container);
  return {
    limits(status) {
      state.limits = status?.game?.limits ?? null;
      draw(state, container);
    },
    stop() {
      state.stopped = true;
      clearTimeout(state.timer);
    },
  };
}

async function load(state, container) {
  clearTimeout(state.timer);
  if (state.stopped) return;
  // Asking for 5-second points is what keeps the agent sampling fast, so a hidden page does not ask.
  if (document.visibilityState === 'visible') {
    try {
      const series = await api('GET', `/api/servers/${state.id}/usage?resolution=${state.resolution}`);
      if (state.stopped) return;
      state.points = series.points;
      state.limits = series.limits ?? state.limits;
      draw(state, container);
    } catch (error) {
      if (state.stopped) return;
      $('#usage-state', container).textContent = `Usage could not be loaded: ${error.message}`;
    }
  }
  state.timer = setTimeout(() => load(state, container), pollMs[state.resolution]);
}

function draw(state, container) {
  const points = state.points;
  const stateLine = $('#usage-state', container);
  if (!stateLine) return;
  stateLine.textContent = points.length === 0
    ? (state.resolution === '5s' ? 'Waiting for the first 5-second points from the agent…' : 'No 1-minute points yet.')
    : `${format.number(points.length)} ${points.length === 1 ? 'point' : 'points'}; the latest at ${format.clock(points[points.length - 1].at)}.`;
  const limitBytes = state.limits?.memoryMb ? state.limits.memoryMb * 1024 * 1024 : null;
  const cpuLimit = state.limits?.cpuPercent ?? null;
  const enforcement = state.limits?.enforcement;
  $('#usage-charts', container).replaceChildren(
    chart('cpu', 'CPU', points.map((p) => [p.at, p.cpuPercent]), { max: Math.max(100, cpuLimit ?? 0), limit: cpuLimit, text: format.percent, limitText: cpuLimit ? `limit ${format.percent(cpuLimit)}` : 'no CPU limit' }),
    chart('memory', 'Memory', points.map((p) => [p.at, p.rssBytes]), { max: limitBytes, limit: limitBytes, text: format.bytes, limitText: limitBytes ? `limit ${format.bytes(limitBytes)}${enforcement ? ` (${enforcement})` : ''}` : 'no limit' }),
    chart('disk', 'Disk', points.map((p) => [p.at, p.diskBytes]), { max: null, limit: null, text: format.bytes, limitText: null }));
}

/** One chart: a figure with a caption holding the latest value in text, and an SVG line with labelled axes. */
function chart(key, name, values, { max, limit, text, limitText }) {
  const latest = values.length ? values[values.length - 1] : null;
  const top = Math.max(max ?? 0, ...values.map(([, v]) => v), 1);
  const caption = latest
    ? `${name}: ${text(latest[1])} at ${format.clock(latest[0])}${limitText ? `, ${limitText}` : ''}`
    : `${name}: no points yet${limitText ? `, ${limitText}` : ''}`;
  const svg = svgEl('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `usage-${key}-caption`, class: 'usage-chart' });
  const plotWidth = width - left - 4;
  const plotHeight = height - bottom - 6;
  const y = (v) => 6 + plotHeight - (v / top) * plotHeight;
  svg.append(
    svgEl('line', { x1: left, y1: 6, x2: left, y2: 6 + plotHeight, class: 'axis' }),
    svgEl('line', { x1: left, y1: 6 + plotHeight, x2: width - 4, y2: 6 + plotHeight, class: 'axis' }),
    svgText(left - 4, 14, text(top), 'end'),
    svgText(left - 4, 6 + plotHeight, text(0), 'end'));
  if (values.length) {
    const first = Date.parse(values[0][0]);
    const span = Math.max(1, Date.parse(latest[0]) - first);
    const x = (at) => left + ((Date.parse(at) - first) / span) * plotWidth;
    svg.append(
      svgText(left, height - 4, format.clock(values[0][0]), 'start'),
      svgText(width - 4, height - 4, format.clock(latest[0]), 'end'));
    const coordinates = values.map(([at, v]) => `${x(at).toFixed(1)},${y(v).toFixed(1)}`);
    // One point is drawn as a dot; a line needs two.
    svg.append(values.length === 1
      ? svgEl('circle', { cx: x(values[0][0]), cy: y(values[0][1]), r: 3, class: 'series', dataset: { points: '1' } })
      : svgEl('polyline', { points: coordinates.join(' '), class: 'series', fill: 'none', dataset: { points: String(values.length) } }));
  }
  if (limit) svg.append(svgEl('line', { x1: left, y1: y(limit), x2: width - 4, y2: y(limit), class: 'limit' }));
  return h('figure', { class: 'usage', id: `usage-${key}`, dataset: { latest: latest ? String(latest[1]) : '' } },
    h('figcaption', { id: `usage-${key}-caption` }, caption),
    svg);
}

function svgEl(tag, attributes) {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, String(value));
  }
  return element;
}

function svgText(x, yPos, content, anchor) {
  const element = svgEl('text', { x, y: yPos, 'text-anchor': anchor, class: 'tick' });
  element.textContent = content;
  return element;
}
