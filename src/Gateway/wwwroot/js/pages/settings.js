// The Settings tab's form: a container's spec changed through PATCH (JSON merge: only what was edited is sent; an
// emptied limit is sent as null, which clears it).
// A game server applies a change at its next start (the status says "applies at next restart" while it runs an older
// spec); a dev container applies it at once (runtime install and switch, code-server on or off).

import { api } from '../api.js';
import { $, h } from '../dom.js';
import { input, rule } from './provision.js';

/** Renders the form into `box` once (a status refresh must not undo what the user is typing), then the pending line. */
export async function showSettings(box, status, id) {
  if (!box) return;
  pending(box, status);
  if (box.dataset.ready) return;
  box.dataset.ready = 'yes';
  const form = status.game ? await gameForm(status) : await devForm(status);
  form.addEventListener('submit', (event) => { event.preventDefault(); save(form, id, status.game ? 'servers' : 'dev'); });
  box.replaceChildren(
    h('h3', {}, 'Change settings'),
    h('p', { id: 'settings-pending', class: 'muted', role: 'status' }),
    form,
    h('p', { id: 'settings-result', role: 'status' }));
  pending(box, status);
}

function pending(box, status) {
  const line = $('#settings-pending', box);
  if (!line) return;
  if (status.game) {
    line.textContent = status.game.pendingRestart
      ? 'A change applies at the next restart: the server runs the settings it was started with.'
      : 'Game server changes apply at the next start (or restart).';
  } else {
    line.textContent = 'Dev container changes apply at once: the agent installs and switches the runtime, starts or stops code-server.';
  }
}

async function gameForm(status) {
  const game = status.game;
  let template = null;
  try {
    template = (await api('GET', '/api/servers/templates')).find((t) => t.name === game.template) || null;
  } catch {
    // The limits can still be changed; variables need the template's rules.
  }
  const fields = [];
  if (template && template.defaultPort != null) {
    fields.push(variable('port', 'The port the server listens on.', game.variables?.port ?? String(template.defaultPort),
      h('input', { type: 'number', min: '1024', max: '65535' }), 'a whole number from 1024 to 65535'));
  }
  for (const v of template ? template.variables : []) {
    fields.push(variable(v.name, v.description, game.variables?.[v.name] ?? v.default, input(v), rule(v)));
  }
  if (template && template.startCommandEditable) {
    fields.push(labelled('Start command', h('input', { id: 'settings-start-command', type: 'text', value: game.startCommand || '', dataset: { original: game.startCommand || '' } })));
  }
  fields.push(
    number('memoryMb', 'Memory (MiB)', game.memoryMb, 256, 262144),
    number('diskMb', 'Disk (MiB, empty = no quota)', game.diskMb, 1, 16777216),
    number('cpuPercent', 'CPU (% of one core, empty = unlimited)', game.cpuPercent, 1, 6400));
  return h('form', { id: 'settings-form', class: 'settings-form' }, ...fields,
    h('button', { type: 'submit', id: 'settings-save' }, 'Save'));
}

async function devForm(status) {
  const dev = status.dev;
  let versions = [dev.runtimeVersion];
  try {
    const catalog = await api('GET', '/api/dev/runtimes');
    versions = catalog.entries.filter((e) => e.name === dev.runtime).map((e) => e.version);
  } catch {
    // Only the current version is offered.
  }
  const select = h('select', { id: 'settings-version', dataset: { original: dev.runtimeVersion } },
    ...versions.map((v) => new Option(`${dev.runtime} ${v}`, v, v === dev.runtimeVersion, v === dev.runtimeVersion)));
  const toggle = h('input', { type: 'checkbox', id: 'settings-code-server', dataset: { original: String(dev.codeServerEnabled) } });
  toggle.checked = dev.codeServerEnabled;
  return h('form', { id: 'settings-form', class: 'settings-form' },
    labelled('Runtime version', select),
    h('label', {}, toggle, ' code-server enabled'),
    number('diskMb', 'Disk (MiB, empty = no quota)', dev.diskMb, 1, 16777216),
    h('button', { type: 'submit', id: 'settings-save' }, 'Save'));
}

// Only what differs from what was shown goes into the PATCH: the rest stays as it is.
function changes(form) {
  const body = {};
  const variables = {};
  for (const control of form.querySelectorAll('[data-variable]')) {
    if (control.value !== control.dataset.original) variables[control.dataset.variable] = control.value;
  }
  if (Object.keys(variables).length) body.variables = variables;
  // An emptied limit is sent as null, which clears it ("no quota", "unlimited"); memory cannot be cleared (the API says so).
  for (const control of form.querySelectorAll('[data-limit]')) {
    if (control.value !== control.dataset.original) body[control.dataset.limit] = control.value === '' ? null : Number(control.value);
  }
  const start = $('#settings-start-command', form);
  if (start && start.value !== start.dataset.original) body.startCommand = start.value;
  const version = $('#settings-version', form);
  if (version && version.value !== version.dataset.original) body.version = version.value;
  const codeServer = $('#settings-code-server', form);
  if (codeServer && String(codeServer.checked) !== codeServer.dataset.original) body.enableCodeServer = codeServer.checked;
  return body;
}

async function save(form, id, kind) {
  const result = $('#settings-result', form.parentElement);
  const body = changes(form);
  if (Object.keys(body).length === 0) {
    result.className = 'muted';
    result.textContent = 'Nothing changed.';
    return;
  }
  const button = $('#settings-save', form);
  button.disabled = true;
  try {
    const status = await api('PATCH', `/api/${kind}/${id}`, body);
    for (const control of form.querySelectorAll('[data-original]')) {
      control.dataset.original = control.type === 'checkbox' ? String(control.checked) : control.value;
    }
    result.className = 'ok';
    result.textContent = status.game
      ? (status.state === 'Running' || status.state === 'Starting' ? 'Saved: applies at next restart.' : 'Saved: applies at the next start.')
      : 'Saved: the agent applies it now.';
  } catch (error) {
    result.className = 'error';
    result.textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

function variable(name, description, value, control, hint) {
  control.id = `settings-var-${name}`;
  control.dataset.variable = name;
  control.dataset.original = value;
  control.value = value;
  return h('div', { class: 'variable' }, labelled(name, control), h('p', { class: 'hint' }, `${description} — ${hint}`));
}

function number(key, label, value, min, max) {
  const shown = value == null ? '' : String(value);
  return labelled(label, h('input', { id: `settings-${key}`, type: 'number', min: String(min), max: String(max), value: shown, dataset: { limit: key, original: shown } }));
}

function labelled(label, control) {
  return h('label', {}, h('span', {}, label), control);
}

