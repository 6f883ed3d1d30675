// The ZlhGrind portal: plain JavaScript against the gateway's API, no build step.
'use strict';

const $ = (selector) => document.querySelector(selector);
const state = { token: null, selected: null, events: null, catalog: null };

// ---- messages --------------------------------------------------------------------------------

function show(text, kind = 'error') {
  const box = $('#message');
  box.textContent = text;
  box.className = kind === 'info' ? 'info' : '';
  box.hidden = false;
}

function clearMessage() { $('#message').hidden = true; }

// ---- API -------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(message, final = false) {
    super(message);
    this.final = final;
  }
}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { 'Authorization': `Bearer ${state.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError('The gateway cannot be reached. Is ./zlh up still running?');
  }
  if (response.status === 401) {
    signOut();
    throw new ApiError('Your token was not accepted (expired or for another gateway). Sign in again.');
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const detail = data && (data.detail || data.title);
    throw new ApiError(detail ? `${detail} (HTTP ${response.status})` : `The gateway answered HTTP ${response.status}.`);
  }
  return data;
}

// The API writes enums as camelCase names ("game", "connected", "modOrPluginError"); shown capitalised.
const enumName = (value) => (value == null ? '—' : String(value).charAt(0).toUpperCase() + String(value).slice(1));
const kindName = (kind) => enumName(kind);
const connectivityName = (c) => enumName(c);
const when = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '—');

// ---- sign-in ---------------------------------------------------------------------------------

function claims(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return null;
  }
}

function signIn(token) {
  const payload = claims(token);
  if (!payload || !payload.sub) {
    show('That does not look like a portal token (a JWT with a subject).');
    return;
  }
  // The token lives in this page's memory only. In path mode the IDE is served from this origin, and any
  // storage (localStorage, sessionStorage, a readable cookie) would be readable by IDE content; a reload
  // asks for the token again.
  state.token = token;
  const roles = [].concat(payload.role || payload['http://schemas.microsoft.com/ws/2008/06/identity/claims/role'] || []);
  $('#who').textContent = `signed in as ${payload.sub}${roles.includes('operator') ? ' (operator)' : ''}`;
  $('#sign-in').hidden = true;
  $('#portal').hidden = false;
  $('#sign-out').hidden = false;
  clearMessage();
  refresh();
  loadCatalog();
}

function signOut() {
  state.token = null;
  stopEvents();
  $('#portal').hidden = true;
  $('#sign-out').hidden = true;
  $('#who').textContent = '';
  $('#sign-in').hidden = false;
}

// ---- containers ------------------------------------------------------------------------------

async function refresh() {
  try {
    const list = await api('GET', '/api/servers');
    const rows = await Promise.all(list.map(async (c) => {
      try { return await api('GET', `/api/servers/${c.containerId}/status`); } catch { return null; }
    }));
    const body = $('#containers tbody');
    body.replaceChildren(...rows.filter(Boolean).map(row));
    $('#empty').hidden = rows.length > 0;
  } catch (e) {
    show(e.message);
  }
}

function row(status) {
  const tr = document.createElement('tr');
  tr.dataset.id = status.containerId;
  if (String(status.containerId) === String(state.selected)) tr.classList.add('selected');
  const cells = [
    status.containerId,
    kindName(status.kind),
    status.state,
    connectivityName(status.connectivity),
    when(status.lastHeartbeatAt),
    status.crashes ? status.crashes.total : 0,
    kindName(status.kind) === 'Dev' ? (status.dev && status.dev.provisioningComplete ? 'ready' : 'provisioning…') : '',
  ];
  for (const value of cells) {
    const td = document.createElement('td');
    td.textContent = value;
    tr.append(td);
  }
  tr.addEventListener('click', () => select(status.containerId));
  return tr;
}

async function select(id) {
  state.selected = id;
  document.querySelectorAll('#containers tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.id === String(id)));
  $('#events').replaceChildren();
  $('#detail').hidden = false;
  await showStatus();
  startEvents(id);
}

async function showStatus() {
  const id = state.selected;
  try {
    const status = await api('GET', `/api/servers/${id}/status`);
    render(status);
    if (kindName(status.kind) === 'Game') await showCrashes(id);
  } catch (e) {
    show(e.message);
  }
}

function render(status) {
  const kind = kindName(status.kind);
  $('#detail-id').textContent = `${status.containerId} (${kind.toLowerCase()})`;
  const pill = $('#detail-state');
  pill.textContent = status.state;
  pill.className = `pill ${status.state}`;
  const facts = [
    ['agent', connectivityName(status.connectivity) + (status.unreachableSince ? ` since ${when(status.unreachableSince)}` : '')],
    ['last heartbeat', when(status.lastHeartbeatAt)],
    ['generation', `${status.observedGeneration} / ${status.desiredGeneration}`],
    ['pid', status.process ? status.process.pid ?? '—' : '—'],
    ['cpu', status.process ? `${status.process.cpuPercent.toFixed(1)} %` : '—'],
    ['memory', status.process ? `${(status.process.rssBytes / 1048576).toFixed(0)} MiB` : '—'],
  ];
  if (status.game) {
    facts.push(['desired power', enumName(status.game.desiredPower)], ['crashes', status.crashes.total],
      ['consecutive crashes', status.game.consecutiveCrashes], ['next restart', when(status.game.nextRestartAt)]);
  }
  if (status.dev) {
    facts.push(['runtime', `${status.dev.runtime} ${status.dev.runtimeVersion}`], ['code-server', status.dev.codeServer],
      ['provisioning complete', status.dev.provisioningComplete ? 'yes' : 'no'], ['IDE endpoint', status.dev.ideEndpoint || '—']);
    if (status.dev.install) facts.push(['install', `${status.dev.install.phase} ${status.dev.install.bytesDone}/${status.dev.install.bytesTotal}`]);
  }
  if (status.lastError) facts.push(['last error', status.lastError]);
  $('#detail-facts').replaceChildren(...facts.map(([name, value]) => {
    const div = document.createElement('div');
    const label = document.createElement('span');
    label.textContent = `${name}: `;
    div.append(label, String(value));
    return div;
  }));
  $('#game-actions').hidden = kind !== 'Game';
  $('#dev-actions').hidden = kind !== 'Dev';
  $('#crash-section').hidden = kind !== 'Game';
  $('#open-ide').disabled = !(status.dev && status.dev.codeServerEnabled);
  renderIdlePanel(status);
}

// Last IDE activity, the idle deadline and "Keep running" come from an ES module of their own (idle.js).
function renderIdlePanel(status) {
  const element = $('#dev-idle');
  if (!status.dev) {
    element.hidden = true;
    return;
  }
  import('/idle.js')
    .then((idle) => idle.renderIdle(element, status, (method, path) => api(method, path), {
      onStatus: (fresh) => { render(fresh); show('code-server keeps running', 'info'); },
      onError: (error) => show(error.message),
    }))
    .catch(() => { element.hidden = true; });
}

async function showCrashes(id) {
  const crashes = await api('GET', `/api/servers/${id}/crashes`);
  $('#crashes').replaceChildren(...crashes.map((c) => {
    const li = document.createElement('li');
    const code = c.signal ? `signal ${c.signal}` : `exit ${c.exitCode}`;
    const next = c.gaveUp ? 'gave up' : c.restartDelay ? `restart in ${c.restartDelay}` : '';
    li.textContent = `${new Date(c.at).toLocaleString()} — ${enumName(c.classification)} — ${code} after ${c.uptime} ${next}`;
    const tail = document.createElement('pre');
    tail.textContent = c.logTail || '(no output)';
    li.append(tail);
    return li;
  }));
  if (crashes.length === 0) $('#crashes').textContent = 'No crashes recorded.';
}

// ---- live events (fetch streaming: EventSource cannot send the bearer token) ------------------

function stopEvents() {
  if (state.events) state.events.abort();
  state.events = null;
  delete $('#events').dataset.live;
}

// Frames are handled by their `event:` type: `status` and `resync` carry a status document, every other type a
// container event. A dropped stream reconnects by itself with growing pauses and sends the last `id:` it saw as
// Last-Event-ID, so the gateway replays what was missed (or answers `resync` when that is gone).
async function startEvents(id) {
  stopEvents();
  const controller = new AbortController();
  state.events = controller;
  let lastEventId = null;
  let pause = 1000;
  while (!controller.signal.aborted) {
    try {
      const headers = { 'Authorization': `Bearer ${state.token}`, 'Accept': 'text/event-stream' };
      if (lastEventId) headers['Last-Event-ID'] = lastEventId;
      const response = await fetch(`/api/servers/${id}/events`, { headers, signal: controller.signal });
      if (response.status === 401 || response.status === 404) throw new ApiError(`Live events unavailable (HTTP ${response.status}).`, true);
      if (!response.ok) throw new ApiError(`Live events unavailable (HTTP ${response.status}).`);
      clearStale();
      pause = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = parseFrame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (frame.id) lastEventId = frame.id;
          if (frame.data) onFrame(frame.type, JSON.parse(frame.data));
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
      if (e instanceof ApiError && e.final) { show(e.message); return; }
    }
    if (controller.signal.aborted) return;
    markStale(pause);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 30000);
  }
}

function parseFrame(text) {
  const frame = { type: 'message', id: null, data: '' };
  const data = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('event:')) frame.type = line.slice(6).trim();
    else if (line.startsWith('id:')) frame.id = line.slice(3).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trim());
  }
  frame.data = data.join('\n');
  return frame;
}

function markStale(pause) {
  $('#events-state').textContent = `Live events interrupted; reconnecting in ${Math.round(pause / 1000)} s — what is shown may be out of date.`;
}

function clearStale() {
  $('#events-state').textContent = '';
}

function onFrame(type, data) {
  $('#events').dataset.live = 'yes';
  if (type === 'status' || type === 'resync') {
    renderLive(data);
    return;
  }
  onEvent(data);
}

function renderLive(status) {
  render(status);
  const tr = document.querySelector(`#containers tr[data-id="${status.containerId}"]`);
  if (tr) tr.replaceWith(row(status));
}

function onEvent(event) {
  const li = document.createElement('li');
  li.textContent = `${when(event.at)} ${event.summary}`;
  $('#events').prepend(li);
  if (event.status) renderLive(event.status);
  if (event.crash) showCrashes(event.containerId);
}

// ---- actions ---------------------------------------------------------------------------------

async function act(path, body, done) {
  clearMessage();
  try {
    const result = await api('POST', path, body);
    if (result && result.state) render(result);
    if (done) show(done, 'info');
  } catch (e) {
    show(e.message);
  }
}

async function openIde() {
  clearMessage();
  try {
    const grant = await api('POST', `/api/dev/${state.selected}/ide-token`);
    // The IDE may be served from this origin by a container that may be hostile: the new tab gets no
    // opener (no handle on this page, so none on the token in its memory). The bootstrap URL's token is
    // single use; on a separate IDE host (IdeTunnel:Host) the url is absolute.
    const link = document.createElement('a');
    link.href = grant.url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    link.click();
  } catch (e) {
    show(e.message);
  }
}

async function loadCatalog() {
  try {
    state.catalog = await api('GET', '/api/dev/runtimes');
    const names = [...new Set(state.catalog.entries.map((e) => e.name))];
    $('#runtime').replaceChildren(...names.map((n) => new Option(n, n)));
    fillVersions();
    if (names.length === 0) $('#runtime').replaceChildren(new Option('no runtimes in the catalog', ''));
  } catch (e) {
    show(`The runtime catalog could not be loaded: ${e.message}`);
  }
}

function fillVersions() {
  const name = $('#runtime').value;
  const promoted = state.catalog && state.catalog.promoted[name];
  const versions = state.catalog ? state.catalog.entries.filter((e) => e.name === name).map((e) => e.version) : [];
  $('#runtime-version').replaceChildren(...versions.map((v) => new Option(v === promoted ? `${v} (promoted)` : v, v, v === promoted, v === promoted)));
}

async function provision(path, body) {
  clearMessage();
  try {
    const result = await api('POST', path, body);
    const box = $('#credential');
    box.textContent = `Container ${result.containerId} provisioned. Its agent credential (shown once — put it in the agent's credential file):\n${result.agentCredential}`;
    box.hidden = false;
    await refresh();
    select(result.containerId);
  } catch (e) {
    show(e.message);
  }
}

// ---- wiring ----------------------------------------------------------------------------------

$('#sign-in-form').addEventListener('submit', (e) => { e.preventDefault(); signIn($('#token').value.trim()); });
$('#sign-out').addEventListener('click', signOut);
$('#refresh').addEventListener('click', refresh);
$('#open-ide').addEventListener('click', openIde);
$('#runtime').addEventListener('change', fillVersions);
document.querySelectorAll('[data-power]').forEach((b) => b.addEventListener('click', () =>
  act(`/api/servers/${state.selected}/power`, { action: b.dataset.power }, `${b.dataset.power} requested`)));
document.querySelectorAll('[data-codeserver]').forEach((b) => b.addEventListener('click', () =>
  act(`/api/dev/${state.selected}/codeserver/${b.dataset.codeserver}`, null, `code-server ${b.dataset.codeserver} requested`)));
$('#new-game').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  provision('/api/servers', { template: f.get('template'), startCommand: f.get('startCommand'), stopCommand: f.get('stopCommand') || null, memoryMb: Number(f.get('memoryMb')) });
});
$('#new-dev').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  provision('/api/dev', { runtime: f.get('runtime'), version: f.get('version') || null, enableCodeServer: f.get('enableCodeServer') === 'on' });
});

// A sign-in link (#token=…) keeps the token out of server logs: fragments are never sent.
const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('token');
if (fromLink) history.replaceState(null, '', window.location.pathname);
if (fromLink) signIn(fromLink); else signOut();
