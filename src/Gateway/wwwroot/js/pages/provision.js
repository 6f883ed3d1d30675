// Provisioning: a game server or a dev environment from the catalogs; then, once, the agent's credential with the
// exact command that starts the agent with it.

import { api } from '../api.js';
import { agentCommand, gatewayPlaceholder } from '../agent-command.js';
import { $, clearMessage, h, showMessage } from '../dom.js';
import * as format from '../format.js';

let catalog = null;
let templates = [];

export async function showProvision(view) {
  const game = h('form', { id: 'new-game', 'aria-labelledby': 'new-game-title', onsubmit: submitGame },
    h('h3', { id: 'new-game-title' }, 'Game server'),
    field('Template', h('select', { name: 'template', id: 'game-template', required: true, onchange: showTemplate, 'aria-describedby': 'template-hint' },
      h('option', { value: '' }, 'Loading the templates…'))),
    h('p', { id: 'template-hint', class: 'hint', role: 'status' }),
    h('div', { id: 'template-variables' }),
    h('div', { id: 'free-command' },
      field('Start command', h('input', { name: 'startCommand', id: 'game-start', value: 'java -Xmx2G -jar server.jar nogui' })),
      field('Console stop command', h('input', { name: 'stopCommand', id: 'game-stop', value: 'stop' }))),
    field('Memory (MiB)', h('input', { name: 'memoryMb', id: 'game-memory', type: 'number', value: '2048', min: '256', required: true })),
    h('button', { type: 'submit', class: 'primary' }, 'Provision game server'));
  const dev = h('form', { id: 'new-dev', 'aria-labelledby': 'new-dev-title', onsubmit: submitDev },
    h('h3', { id: 'new-dev-title' }, 'Dev environment'),
    field('Runtime', h('select', { name: 'runtime', id: 'runtime', required: true, onchange: fillVersions }, h('option', { value: '' }, 'Loading the catalog…'))),
    field('Version', h('select', { name: 'version', id: 'runtime-version' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'enableCodeServer', id: 'enable-code-server', checked: true }), ' Enable code-server (the browser IDE)'),
    h('p', { id: 'catalog-state', class: 'muted', role: 'status' }),
    h('button', { type: 'submit', class: 'primary' }, 'Provision dev environment'));
  view.replaceChildren(h('section', { 'aria-labelledby': 'provision-title' },
    h('p', { class: 'crumbs' }, h('a', { href: '/', 'data-nav': 'yes' }, '← All containers')),
    h('h2', { id: 'provision-title' }, 'Provision'),
    h('div', { id: 'credential', hidden: true }),
    h('div', { class: 'columns' }, game, dev)));
  document.title = 'Provision · ZlhGrind';
  await Promise.all([loadTemplates(), loadCatalog()]);
}

async function loadTemplates() {
  const select = $('#game-template');
  try {
    templates = await api('GET', '/api/servers/templates');
  } catch (error) {
    select.replaceChildren(h('option', { value: '' }, 'unavailable'));
    $('#template-hint').textContent = `The template catalog could not be loaded: ${error.message}`;
    $('#template-hint').className = 'error';
    return;
  }
  select.replaceChildren(...templates.map((t) => new Option(t.name, t.name, t.name === 'generic', t.name === 'generic')));
  showTemplate();
}

// The chosen template's description, a field per variable (with its rule as the hint; the gateway checks the value),
// and the free start and stop commands only for a template that takes them (generic).
function showTemplate() {
  const template = templates.find((t) => t.name === $('#game-template').value);
  $('#template-hint').textContent = template ? `${template.description} (version ${template.version})` : '';
  const fields = [];
  if (template && template.defaultPort != null) {
    fields.push(variableField('port', 'The port the server listens on.', String(template.defaultPort),
      h('input', { type: 'number', min: '1024', max: '65535', required: true }), 'a whole number from 1024 to 65535'));
  }
  for (const variable of template ? template.variables : []) {
    fields.push(variableField(variable.name, variable.description, variable.default, input(variable), rule(variable)));
  }
  $('#template-variables').replaceChildren(...fields);
  $('#free-command').hidden = !(template && template.startCommandEditable);
}

export function input(variable) {
  if (variable.kind === 'Choice') return h('select', {}, ...variable.choices.map((c) => new Option(c, c)));
  if (variable.kind === 'WholeNumber') return h('input', { type: 'number', min: String(variable.min), max: String(variable.max), required: true });
  return h('input', { type: 'text', maxlength: '256', spellcheck: 'false' });
}

export function rule(variable) {
  if (variable.kind === 'Choice') return `one of ${variable.choices.join(', ')}`;
  if (variable.kind === 'WholeNumber') return `a whole number from ${variable.min} to ${variable.max}`;
  return `must match ${variable.pattern}`;
}

function variableField(name, description, value, control, hint) {
  const id = `game-var-${name}`;
  control.id = id;
  control.name = `var-${name}`;
  control.dataset.variable = name;
  control.value = value;
  control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'variable' },
    field(name, control),
    h('p', { id: `${id}-hint`, class: 'hint' }, `${description} — ${hint}`));
}

function field(label, input) {
  return h('label', {}, h('span', {}, label), input);
}

async function loadCatalog() {
  const select = $('#runtime');
  const state = $('#catalog-state');
  try {
    catalog = await api('GET', '/api/dev/runtimes');
  } catch (error) {
    select.replaceChildren(h('option', { value: '' }, 'unavailable'));
    state.textContent = `The runtime catalog could not be loaded: ${error.message}`;
    state.className = 'error';
    return;
  }
  const names = [...new Set(catalog.entries.map((e) => e.name))].sort();
  if (names.length === 0) {
    select.replaceChildren(h('option', { value: '' }, 'no runtimes in the catalog'));
    state.textContent = 'The catalog is empty: an operator adds runtimes (POST /api/dev/runtimes).';
    return;
  }
  select.replaceChildren(...names.map((n) => new Option(n, n)));
  fillVersions();
}

function fillVersions() {
  const name = $('#runtime').value;
  const promoted = catalog && catalog.promoted[name];
  const entries = catalog ? catalog.entries.filter((e) => e.name === name) : [];
  $('#runtime-version').replaceChildren(...entries.map((e) => {
    const text = `${e.version}${e.version === promoted ? ' (promoted)' : ''} · ${format.bytes(e.sizeBytes)}`;
    return new Option(text, e.version, e.version === promoted, e.version === promoted);
  }));
}

function submitGame(event) {
  event.preventDefault();
  const f = new FormData(event.currentTarget);
  const free = !$('#free-command').hidden;
  const variables = Object.fromEntries([...event.currentTarget.querySelectorAll('[data-variable]')].map((c) => [c.dataset.variable, c.value]));
  provision(event.currentTarget, 'game', '/api/servers', {
    template: f.get('template'),
    startCommand: free ? f.get('startCommand') || null : null,
    stopCommand: free ? f.get('stopCommand') || null : null,
    memoryMb: Number(f.get('memoryMb')),
    variables,
  });
}

function submitDev(event) {
  event.preventDefault();
  const f = new FormData(event.currentTarget);
  provision(event.currentTarget, 'dev', '/api/dev', {
    runtime: f.get('runtime'), version: f.get('version') || null, enableCodeServer: f.get('enableCodeServer') === 'on',
  });
}

async function provision(form, kind, path, body) {
  clearMessage();
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const [result, setup] = await Promise.all([api('POST', path, body), api('GET', '/api/agent-setup')]);
    showCredential(kind, result, setup);
  } catch (error) {
    showMessage(error.message);
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// Shown once: the credential lives in this element only, and is gone when the page changes.
function showCredential(kind, result, setup) {
  const command = agentCommand(setup, { containerId: result.containerId, kind, credential: result.agentCredential });
  const box = $('#credential');
  box.replaceChildren(...[
    h('h3', { tabindex: '-1', id: 'credential-title' }, `Container ${result.containerId} is provisioned`),
    h('p', {}, h('strong', {}, 'Copy the agent credential now: it is shown once and cannot be shown again. '),
      'The platform keeps only its hash. Anyone with it can act as this container\'s agent.'),
    h('div', { class: 'copy-row' },
      h('code', { id: 'credential-value' }, result.agentCredential),
      copyButton('copy-credential', 'Copy credential', () => result.agentCredential)),
    h('p', {}, 'Run this as root in the container to store the credential (mode 0600) and start the agent:'),
    h('pre', { id: 'agent-command', tabindex: '0' }, command),
    copyButton('copy-command', 'Copy command', () => command),
    setup.clusterGateways.length === 0
      ? h('p', { class: 'error' }, `Replace ${gatewayPlaceholder} with a silo's client gateway: this gateway does not know which one agents reach (an operator sets AgentSetup:ClusterGateways).`)
      : null,
    h('p', {}, h('a', { href: `/containers/${result.containerId}`, 'data-nav': 'yes', id: 'go-to-container' }, `Go to container ${result.containerId} →`))]
    .filter(Boolean));
  box.hidden = false;
  $('#credential-title').focus();
}

function copyButton(id, label, text) {
  const status = h('span', { class: 'copied', role: 'status', id: `${id}-state` });
  const button = h('button', {
    type: 'button', id,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text());
        status.textContent = 'Copied.';
      } catch {
        // No clipboard (an insecure origin, or permission refused): select the text for Ctrl+C instead.
        const target = id === 'copy-command' ? $('#agent-command') : $('#credential-value');
        window.getSelection().selectAllChildren(target);
        status.textContent = 'Selected: press Ctrl+C to copy.';
      }
    },
  }, label);
  return h('span', { class: 'copy' }, button, status);
}
