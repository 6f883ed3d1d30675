// The container list: every container the user may see, with its state and agent, one row each.

import { api } from '../api.js';
import { badge, h, time } from '../dom.js';
import * as format from '../format.js';
import { navigate } from '../router.js';

export async function showList(view) {
  const status = h('p', { id: 'containers-state', class: 'muted', role: 'status' }, 'Loading containers…');
  const body = h('tbody');
  const table = h('table', { id: 'containers' },
    h('caption', { class: 'visually-hidden' }, 'Your containers'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Container'), h('th', { scope: 'col' }, 'Kind'), h('th', { scope: 'col' }, 'State'),
      h('th', { scope: 'col' }, 'Agent'), h('th', { scope: 'col', class: 'wide' }, 'Last heartbeat'), h('th', { scope: 'col', class: 'wide' }, 'Crashes'))),
    body);
  table.hidden = true;
  view.replaceChildren(
    h('section', { 'aria-labelledby': 'list-title' },
      h('div', { class: 'title-row' },
        h('h2', { id: 'list-title' }, 'Containers'),
        h('button', { type: 'button', id: 'refresh', onclick: () => showList(view) }, 'Refresh'),
        h('a', { href: '/provision', class: 'button primary', 'data-nav': 'yes' }, 'Provision…')),
      status, h('div', { class: 'table-wrap' }, table)));

  let list;
  try {
    list = await api('GET', '/api/servers');
  } catch (error) {
    status.textContent = `The containers could not be loaded: ${error.message}`;
    status.className = 'error';
    return;
  }
  if (list.length === 0) {
    status.replaceChildren('No containers yet. ', h('a', { href: '/provision', 'data-nav': 'yes' }, 'Provision one'), '.');
    return;
  }
  const rows = await Promise.all(list.map(async (summary) => {
    try {
      return row(await api('GET', `/api/servers/${summary.containerId}/status`));
    } catch (error) {
      return h('tr', { dataset: { id: summary.containerId } },
        h('td', {}, link(summary.containerId)), h('td', {}, format.kind(summary.kind)), h('td', { colspan: 4, class: 'error' }, error.message));
    }
  }));
  body.replaceChildren(...rows);
  table.hidden = false;
  status.textContent = '';
  status.hidden = true;
}

function link(id) {
  return h('a', { href: `/containers/${id}`, 'data-nav': 'yes' }, String(id));
}

function row(status) {
  const tr = h('tr', { dataset: { id: status.containerId } },
    h('td', {}, link(status.containerId)),
    h('td', {}, format.kind(status.kind)),
    h('td', {}, badge(format.state(status.state), format.tone(status.state))),
    h('td', {}, badge(format.connectivity(status.connectivity), format.tone(status.connectivity))),
    h('td', { class: 'wide' }, time(status.lastHeartbeatAt)),
    h('td', { class: 'wide' }, format.number(status.crashes ? status.crashes.total : 0)));
  // The whole row is a target for the pointer; the link in it is the one for the keyboard.
  tr.addEventListener('click', (event) => {
    if (event.target.closest('a')) return;
    navigate({ page: 'container', id: String(status.containerId), tab: 'overview' });
  });
  return tr;
}
