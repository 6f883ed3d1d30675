// One container's page: a header with its state and the controls that fit its kind, and tabs (a WAI-ARIA tablist:
// arrow keys, Home and End move between them). Its status stays current through the live event stream.

import { api } from '../api.js';
import { GameConsole } from '../console.js';
import { DevTerminal } from '../terminal.js';
import { FileBrowser } from './files.js';
import { ModManager } from './mods.js';
import { $, badge, clearMessage, h, showMessage, time } from '../dom.js';
import { LiveEvents } from '../events.js';
import * as format from '../format.js';
import { navigate, tabs } from '../router.js';
import { mountUsage } from './usage.js';
import { showSettings } from './settings.js';

const tabNames = { overview: 'Overview', console: 'Console', terminal: 'Terminal', files: 'Files', mods: 'Mods', crashes: 'Crashes', settings: 'Settings' };

// The latest events shown in the activity list; older ones fall off the end.
const activityLimit = 50;

// Heartbeats (usage, last heartbeat) publish no event, so the status is also read this often while the page is seen.
const statusRefreshMs = 5000;

let page = null;

/** Leaves the page: the live stream stops. */
export function leaveContainer() {
  if (page) {
    page.live.stop();
    clearInterval(page.refresh);
    page.console?.stop();
    page.usage?.stop();
  }
  page = null;
}

/** Shows container `id` on `tab`; staying on the same container only switches the tab. */
export async function showContainer(view, id, tab) {
  if (page && page.id === id && view.contains(page.root)) {
    selectTab(tab, { focus: false });
    return;
  }
  leaveContainer();
  const root = h('section', { id: 'detail', 'aria-labelledby': 'detail-title', 'aria-busy': 'true' },
    h('p', { class: 'crumbs' }, h('a', { href: '/', 'data-nav': 'yes' }, '← All containers')),
    h('h2', { id: 'detail-title' }, `Container ${id}`),
    h('p', { id: 'detail-loading', class: 'muted', role: 'status' }, `Loading container ${id}…`));
  view.replaceChildren(root);
  page = { id, root, status: null, tab, live: null, refresh: null, codeServerWanted: null, console: null, files: null };
  const current = page;
  current.live = new LiveEvents(id, {
    onStatus: (status) => current === page && update(status),
    onEvent: (event, type) => current === page && onEvent(event, type),
    onState: (state) => current === page && liveState(state),
  });

  let status;
  try {
    status = await api('GET', `/api/servers/${id}/status`);
  } catch (error) {
    if (current !== page) return;
    root.setAttribute('aria-busy', 'false');
    const text = error.status === 404 ? `Container ${id} does not exist, or it is not yours.` : `Container ${id} could not be loaded: ${error.message}`;
    $('#detail-loading', root).replaceWith(h('p', { id: 'detail-error', class: 'error', role: 'alert' }, text,
      error.status === 404 ? null : h('button', { type: 'button', class: 'inline', onclick: () => { leaveContainer(); showContainer(view, id, tab); } }, 'Try again')));
    return;
  }
  if (current !== page) return;
  build(status);
  // Usage charts (pages/usage.js) on a game server's Overview.
  if (status.kind === 'Game') current.usage = mountUsage($('#usage', root), id);
  update(status);
  selectTab(tab, { focus: false });
  current.live.start();
  current.refresh = setInterval(() => refreshStatus(current), statusRefreshMs);
}

async function refreshStatus(current) {
  if (document.visibilityState !== 'visible' || current !== page) return;
  try {
    const status = await api('GET', `/api/servers/${current.id}/status`);
    if (current === page) update(status);
  } catch {
    // The live line already says when the gateway is out of reach; the next round tries again.
  }
}

// ---- layout --------------------------------------------------------------------------------------

function tabsFor(kind) {
  // A game server has a console and mods; a dev container has a terminal.
  return tabs.filter((t) => (t !== 'mods' && t !== 'console') || kind === 'Game').filter((t) => t !== 'terminal' || kind === 'Dev');
}

function build(status) {
  const { root, id } = page;
  const game = status.kind === 'Game';
  root.setAttribute('aria-busy', 'false');
  $('#detail-title', root).replaceChildren(`Container ${id} `, h('span', { class: 'muted kind' }, `· ${format.kind(status.kind)}`));
  const list = h('div', { role: 'tablist', 'aria-label': `Container ${id}`, id: 'tabs', onkeydown: onTabKey });
  const panels = [];
  for (const name of tabsFor(status.kind)) {
    list.append(h('button', {
      type: 'button', role: 'tab', id: `tab-${name}`, 'aria-controls': `panel-${name}`, 'aria-selected': 'false', tabindex: '-1',
      dataset: { tab: name },
      onclick: () => navigate({ page: 'container', id, tab: name }),
    }, tabNames[name]));
    panels.push(h('div', { role: 'tabpanel', id: `panel-${name}`, 'aria-labelledby': `tab-${name}`, tabindex: '0', hidden: true }, ...panel(name, status)));
  }
  $('#detail-loading', root).replaceWith(
    h('div', { class: 'status-line' },
      h('span', { id: 'detail-state-wrap' }),
      h('span', { id: 'detail-connectivity-wrap' }),
      h('span', { id: 'events-state', role: 'status', class: 'live-state' })),
    game ? gameControls() : devControls(),
    list,
    ...panels);
}

function panel(name, status) {
  const game = status.kind === 'Game';
  switch (name) {
    case 'overview':
      return [
        h('dl', { id: 'overview', class: 'facts' }),
        game ? h('section', { id: 'usage', 'aria-labelledby': 'usage-title' }) : null,
        // Idle culling of dev containers: last activity, when code-server will be stopped, "Keep running".
        h('div', { id: 'idle', class: 'facts', hidden: true }),
        h('h3', {}, 'Activity'),
        h('ol', { id: 'events', class: 'events', 'aria-live': 'off' })];
    case 'console':
    case 'terminal':
      // The console or terminal connects when its tab is first shown (xterm.js measures its box) and stays open while the page is.
      return [h('div', { id: `${name}-panel` })];
    case 'files':
      return [h('div', { id: 'files-panel' })];
    case 'mods':
      return [h('div', { id: 'mods-panel' })];
    case 'crashes':
      return game
        ? [h('p', { id: 'crashes-state', class: 'muted', role: 'status' }, 'Loading crash history…'), h('ol', { id: 'crashes', class: 'crashes' })]
        : [h('p', { class: 'muted' }, 'The platform keeps a crash history for game servers only; a failing code-server shows in the Overview as "Failed".')];
    case 'settings':
      return [h('dl', { id: 'settings', class: 'facts' }),
        h('div', { id: 'settings-edit' }),
        h('h3', {}, 'Delete'),
        h('p', { class: 'muted' }, game
          ? 'Stops the game server; its agent removes the server\'s files unless you keep them. The id then answers "not found".'
          : 'Ends the IDE sessions; its agent stops the workload. The id then answers "not found".'),
        h('form', { id: 'delete-form', class: 'actions', onsubmit: (event) => { event.preventDefault(); deleteContainer(); } },
          h('label', {}, h('input', { type: 'checkbox', id: 'delete-keep-data' }), ' Keep its data on the host'),
          h('button', { type: 'submit', class: 'danger', id: 'delete-container' }, `Delete container ${page.id}`))];
    default:
      return [];
  }
}

function gameControls() {
  const button = (action, label, extra = {}) => h('button', {
    type: 'button', dataset: { power: action }, onclick: () => act(`/api/servers/${page.id}/power`, { action }, `${label} requested.`), ...extra,
  }, label);
  return h('div', { id: 'game-actions', class: 'actions', role: 'group', 'aria-label': 'Power' },
    button('start', 'Start'), button('stop', 'Stop'), button('restart', 'Restart'),
    button('kill', 'Kill', { class: 'danger', title: 'Ends the server at once (SIGKILL), without a graceful stop' }));
}

function devControls() {
  return h('div', { id: 'dev-actions', class: 'actions', role: 'group', 'aria-label': 'IDE' },
    h('button', { type: 'button', id: 'open-ide', class: 'primary', onclick: openIde }, 'Open IDE'),
    h('label', { class: 'switch' },
      h('input', { type: 'checkbox', role: 'switch', id: 'code-server-toggle', onchange: toggleCodeServer }),
      h('span', {}, 'code-server')),
    h('button', { type: 'button', dataset: { codeserver: 'restart' }, onclick: () => act(`/api/dev/${page.id}/codeserver/restart`, null, 'code-server restart requested.') }, 'Restart code-server'));
}

// ---- tabs ------------------------------------------------------------------------------------------

function selectTab(name, { focus }) {
  const root = page && page.root;
  if (!root || !$('#tabs', root)) return;
  const available = [...root.querySelectorAll('[role=tab]')].map((t) => t.dataset.tab);
  const chosen = available.includes(name) ? name : 'overview';
  page.tab = chosen;
  for (const tab of root.querySelectorAll('[role=tab]')) {
    const selected = tab.dataset.tab === chosen;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) tab.focus();
  }
  for (const panelElement of root.querySelectorAll('[role=tabpanel]')) panelElement.hidden = panelElement.id !== `panel-${chosen}`;
  document.title = `${tabNames[chosen]} · Container ${page.id} · ZlhGrind`;
  if (chosen === 'crashes' && page.status && page.status.kind === 'Game') loadCrashes();
  if (chosen === 'console' && page.status && page.status.kind === 'Game') showConsole('console', GameConsole);
  if (chosen === 'terminal' && page.status && page.status.kind === 'Dev') showConsole('terminal', DevTerminal);
  if (chosen === 'files' && page.status) showFiles();
  if (chosen === 'mods' && page.status && page.status.kind === 'Game') showMods();
}

function showMods() {
  if (!page.mods) {
    page.mods = new ModManager(page.id);
    $('#mods-panel', page.root).replaceChildren(page.mods.element);
  }
  page.mods.start();
}

function showConsole(name, Kind) {
  if (!page.console) {
    page.console = new Kind(page.id);
    $(`#${name}-panel`, page.root).replaceChildren(page.console.element);
  }
  page.console.start();
}

function showFiles() {
  if (!page.files) {
    page.files = new FileBrowser(page.id, page.status.kind);
    $('#files-panel', page.root).replaceChildren(page.files.element);
  }
  page.files.start();
}

function onTabKey(event) {
  const all = [...event.currentTarget.querySelectorAll('[role=tab]')];
  const index = all.indexOf(document.activeElement);
  if (index < 0) return;
  const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: all.length - 1 }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  const target = all[(next + all.length) % all.length];
  navigate({ page: 'container', id: page.id, tab: target.dataset.tab }, { replace: true });
  target.focus();
}

// ---- status ----------------------------------------------------------------------------------------

function update(status) {
  if (!page.status && !$('#tabs', page.root)) return;
  page.status = status;
  const root = page.root;
  $('#detail-state-wrap', root).replaceChildren(badge(format.state(status.state), format.tone(status.state), 'detail-state'));
  $('#detail-connectivity-wrap', root).replaceChildren(
    badge(`agent ${format.connectivity(status.connectivity)}`, format.tone(status.connectivity), 'detail-connectivity'));
  if (status.dev) {
    // The switch shows what was asked for until the agent reports it done (or failed), then what runs.
    const observed = status.dev.codeServer;
    const wanted = page.codeServerWanted;
    if (wanted != null && (observed === 'Failed' || observed === (wanted ? 'Running' : 'Stopped'))) page.codeServerWanted = null;
    const toggle = $('#code-server-toggle', root);
    toggle.checked = page.codeServerWanted ?? (observed === 'Running' || observed === 'Starting');
    toggle.dataset.state = observed;
    const asked = page.codeServerWanted == null ? '' : ` (${page.codeServerWanted ? 'start' : 'stop'} requested)`;
    toggle.closest('label').querySelector('span').textContent = `code-server: ${format.state(observed)}${asked}`;
    const ide = $('#open-ide', root);
    ide.disabled = !status.dev.codeServerEnabled;
    ide.title = status.dev.codeServerEnabled ? '' : 'code-server is not enabled for this container';
  }
  fill($('#overview', root), overview(status));
  page.usage?.limits(status);
  fill($('#settings', root), settings(status));
  showSettings($('#settings-edit', root), status, page.id);
  idle(status);
}

function fill(list, facts) {
  if (!list) return;
  list.replaceChildren(...facts.filter(Boolean).flatMap(([name, value, key]) =>
    [h('dt', {}, name), h('dd', { dataset: key ? { fact: key } : {} }, value)]));
}

function overview(status) {
  // Usage describes a running process; a stopped server has none, whatever the last sample said.
  const p = status.process && status.process.pid != null ? status.process : null;
  const facts = [
    ['State', format.state(status.state), 'state'],
    ['Agent', status.unreachableSince
      ? h('span', {}, `${format.connectivity(status.connectivity)} since `, time(status.unreachableSince))
      : format.connectivity(status.connectivity), 'connectivity'],
    ['Last heartbeat', time(status.lastHeartbeatAt), 'heartbeat'],
    ['Readiness', readiness(status), 'readiness'],
    ['Up for', p ? format.duration(p.uptime) : '—', 'uptime'],
    ['CPU', p ? format.percent(p.cpuPercent) : '—', 'cpu'],
    ['Memory', p ? format.bytes(p.rssBytes) : '—', 'memory'],
    ['Process', p ? `pid ${p.pid}` : 'not running', 'pid'],
    ['Agent version', status.process ? status.process.agentVersion : '—', 'agent-version'],
  ];
  if (status.game) {
    facts.push(
      ['Crashes', status.crashes.total === 0 ? 'none' : h('span', {},
        `${format.number(status.crashes.total)}, last `, time(status.crashes.lastAt), ` (${format.classification(status.crashes.lastClassification)})`), 'crashes'],
      ['Crashes in a row', format.number(status.game.consecutiveCrashes), 'consecutive'],
      status.game.nextRestartAt ? ['Next restart', time(status.game.nextRestartAt), 'next-restart'] : null);
  }
  if (status.dev) {
    facts.push(
      ['Runtime', runtimeOf(status.dev), 'runtime'],
      ['code-server', format.state(status.dev.codeServer), 'code-server'],
      ['IDE endpoint', status.dev.ideEndpoint || '—', 'ide-endpoint'],
      ['Installed runtimes', status.dev.installedRuntimes && status.dev.installedRuntimes.length
        ? status.dev.installedRuntimes.map((r) => `${r.name} ${r.version}`).join(', ') : 'none', 'installed']);
  }
  if (status.lastError) facts.push(['Last error', status.lastError, 'last-error']);
  return facts;
}

function runtimeOf(dev) {
  return dev.runtimeVersion ? `${dev.runtime} ${dev.runtimeVersion}` : `${dev.runtime} (the promoted version)`;
}

function readiness(status) {
  if (status.dev) {
    const install = status.dev.install;
    if (status.dev.provisioningComplete) return 'ready: runtime installed and verified';
    if (install) {
      const progress = install.bytesTotal ? ` ${format.bytes(install.bytesDone)} of ${format.bytes(install.bytesTotal)}` : '';
      return `installing (${format.words(install.phase)}${progress})`;
    }
    return 'provisioning';
  }
  const inSync = status.observedGeneration >= status.desiredGeneration;
  const power = status.game ? `desired ${format.words(status.game.desiredPower)}` : '';
  return inSync ? `${power}; the agent has applied every change` : `${power}; the agent is applying a change`;
}

function settings(status) {
  const facts = [
    ['Kind', format.kind(status.kind)],
    ['Owner', status.ownerId],
    ['Settings version', `${format.number(status.observedGeneration)} applied of ${format.number(status.desiredGeneration)}`],
  ];
  if (status.game) facts.push(['Template', status.game.template], ['Desired power', format.words(status.game.desiredPower)]);
  if (status.dev) {
    facts.push(['Runtime', runtimeOf(status.dev)],
      ['code-server', status.dev.codeServerEnabled ? 'enabled' : 'disabled']);
  }
  return facts;
}

// Idle culling: when the IDE was last used, when code-server will be stopped for idling, and "Keep running",
// which starts the countdown again (POST /api/dev/{id}/ide/keep-running; 409 while code-server is stopped).
function idle(status) {
  const box = $('#idle', page.root);
  const dev = status.dev;
  if (!box || !dev) return;
  box.hidden = false;
  const counting = dev.codeServerEnabled && dev.idleStopAt;
  fill(box, [
    ['Last IDE activity', dev.lastActivityAt ? time(dev.lastActivityAt) : 'none yet', 'last-activity'],
    ['Stops when idle', counting ? time(dev.idleStopAt) : 'no (code-server is stopped, or its idle timeout is 0)', 'idle-stop'],
    counting ? ['', h('button', { type: 'button', id: 'keep-running', onclick: keepRunning }, 'Keep running'), 'keep-running'] : null]);
}

async function keepRunning() {
  clearMessage();
  const current = page;
  try {
    const status = await api('POST', `/api/dev/${current.id}/ide/keep-running`);
    if (current === page) update(status);
    showMessage('code-server keeps running: its idle countdown started again.', 'info');
  } catch (error) {
    showMessage(error.message);
  }
}

// ---- live ------------------------------------------------------------------------------------------

function liveState({ state, retryInMs, since, message }) {
  const line = $('#events-state', page.root);
  const events = $('#events', page.root);
  if (!line) return;
  line.dataset.state = state;
  line.className = `live-state ${state}`;
  if (state === 'live') {
    line.textContent = 'Live';
    if (events) events.dataset.live = 'yes';
  } else if (state === 'connecting') {
    line.textContent = 'Connecting to live updates…';
  } else if (state === 'stale') {
    if (events) delete events.dataset.live;
    line.replaceChildren('Live updates interrupted at ', h('time', { datetime: since, title: format.exact(since) }, format.clock(since)),
      `; reconnecting in ${format.duration(retryInMs)} — what is shown may be out of date.`);
  } else {
    if (events) delete events.dataset.live;
    line.textContent = `Live updates stopped: ${message}`;
  }
}

function onEvent(event, type) {
  if (event.status) update(event.status);
  const list = $('#events', page.root);
  if (!list) return;
  list.dataset.live = 'yes';
  const what = type === 'crashed' && event.crash
    ? `crashed: ${format.classification(event.crash.classification)}, ${format.crashEnd(event.crash)} after ${format.duration(event.crash.uptime)}`
    : type === 'stateChanged' && event.status ? `now ${format.state(event.status.state)}${reason(event.summary)}` : event.summary;
  list.prepend(h('li', { dataset: { kind: type, state: event.status ? event.status.state : '' } }, what, h('span', { class: 'muted' }, ' · ', time(event.at))));
  while (list.children.length > activityLimit) list.lastElementChild.remove();
  if (event.crash && page.tab === 'crashes') loadCrashes();
}

// "now Error: gave up after 4 crashes" → ": gave up after 4 crashes"
function reason(summary) {
  const colon = summary ? summary.indexOf(': ') : -1;
  return colon < 0 ? '' : summary.slice(colon);
}

// ---- crashes ---------------------------------------------------------------------------------------

async function loadCrashes() {
  const current = page;
  const state = $('#crashes-state', current.root);
  let crashes;
  try {
    crashes = await api('GET', `/api/servers/${current.id}/crashes`);
  } catch (error) {
    if (current !== page) return;
    state.textContent = `The crash history could not be loaded: ${error.message}`;
    state.className = 'error';
    return;
  }
  if (current !== page) return;
  state.className = 'muted';
  state.textContent = crashes.length === 0 ? 'No crashes recorded.' : `${format.number(crashes.length)} ${crashes.length === 1 ? 'crash' : 'crashes'} recorded, newest first.`;
  $('#crashes', current.root).replaceChildren(...crashes.map(crash));
}

function crash(record) {
  const delay = record.gaveUp ? 'supervision gave up: the server stays down until you start it'
    : record.restartDelay ? `restart after ${format.duration(record.restartDelay)}` : 'not restarted';
  return h('li', { dataset: { classification: record.classification } },
    h('p', { class: 'crash-head' },
      h('strong', {}, format.classification(record.classification)), ' · ', time(record.at), ' · ',
      `${format.crashEnd(record)} after ${format.duration(record.uptime)}`, ' · ',
      `${format.number(record.consecutiveCrashes)} in a row`, ' · ', delay),
    // A mod_or_plugin_error crash after a mod change names the mods changed since the last clean run.
    record.changedMods && record.changedMods.length
      ? h('p', { class: 'crash-mods', dataset: { changedMods: record.changedMods.join(',') } }, `after changing: ${record.changedMods.join(', ')}`)
      : null,
    h('details', { open: true },
      h('summary', {}, 'Last lines of output'),
      h('pre', { class: 'log-tail', tabindex: '0' }, record.logTail || '(no output)')));
}

// ---- actions ---------------------------------------------------------------------------------------

async function act(path, body, done) {
  clearMessage();
  const current = page;
  try {
    const status = await api('POST', path, body);
    if (current === page && status && status.state) update(status);
    showMessage(`${done} The agent applies it at its next heartbeat.`, 'info');
  } catch (error) {
    showMessage(error.message);
  }
}

async function deleteContainer() {
  const current = page;
  const keep = $('#delete-keep-data', current.root).checked;
  const what = keep ? 'Its data stays on the host.' : 'Its data is removed.';
  if (!window.confirm(`Delete container ${current.id}? ${what} This cannot be undone.`)) return;
  clearMessage();
  const base = current.status.kind === 'Game' ? '/api/servers' : '/api/dev';
  try {
    const status = await api('DELETE', `${base}/${current.id}?keepData=${keep}`);
    if (current !== page) return;
    if (status && status.state === 'Deleted') {
      showMessage(`Container ${current.id} was deleted.`, 'info');
      navigate({ page: 'list' });
    } else {
      if (status) update(status);
      showMessage(`Container ${current.id} is being deleted: its agent stops the workload${keep ? '' : ' and removes its data'} first.`, 'info');
    }
  } catch (error) {
    showMessage(error.message);
  }
}

async function toggleCodeServer(event) {
  const toggle = event.currentTarget;
  const wanted = toggle.checked;
  const action = wanted ? 'start' : 'stop';
  toggle.disabled = true;
  page.codeServerWanted = wanted;
  clearMessage();
  const current = page;
  try {
    const status = await api('POST', `/api/dev/${current.id}/codeserver/${action}`);
    showMessage(`code-server ${action} requested. The agent applies it at its next heartbeat.`, 'info');
    if (current === page) update(status);
  } catch (error) {
    if (current === page) {
      page.codeServerWanted = null;
      if (page.status) update(page.status);
    }
    showMessage(error.message);
  } finally {
    toggle.disabled = false;
  }
}

async function openIde() {
  clearMessage();
  try {
    const grant = await api('POST', `/api/dev/${page.id}/ide-token`);
    // The IDE may be served from this origin by a container that may be hostile: the new tab gets no opener (no
    // handle on this page, so none on the token in its memory). The token in the URL is single use; on a separate
    // IDE host (IdeTunnel:Host) the URL is absolute.
    h('a', { href: grant.url, target: '_blank', rel: 'noopener noreferrer' }).click();
  } catch (error) {
    showMessage(error.message);
  }
}
