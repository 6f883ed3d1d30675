// The Mods tab of a game server (README: "Mods"): the mods of its template's mods directory with the name and version
// each file says about itself, its size and an enabled switch (disabled mods are moved aside, never deleted); install
// from an artifact URL with its SHA-256, from a file already in the server's directory, or from a file on this computer
// (uploaded through the resumable upload API and installed from its upload id in one action); upgrade (the replaced
// version is kept), a one-step rollback, and remove. Every refusal shows the problem's detail.

import { api, problem, session, ApiError, unreachableMessage } from '../api.js';
import { $, clearMessage, h, showMessage } from '../dom.js';
import * as format from '../format.js';
import { base64, hashFile } from './files.js';

/** One game server's mods; `element` is placed in the tab's panel, `start()` loads it on first show. */
export class ModManager {
  constructor(id) {
    this.base = `/api/servers/${id}/mods`;
    this.files = `/api/servers/${id}`;
    this.loaded = false;
    this.busy = false;
    // null: the forms install a new mod; a mod's name: they upgrade that mod.
    this.target = null;
    this.element = h('div', { class: 'mods' },
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'mods-refresh', onclick: () => this.load() }, 'Refresh')),
      h('p', { id: 'mods-state', class: 'muted', role: 'status' }, 'Loading mods…'),
      h('div', { class: 'table-wrap' },
        h('table', { id: 'mods-list', 'aria-labelledby': 'mods-state' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Mod'), h('th', { scope: 'col' }, 'Version'),
            h('th', { scope: 'col', class: 'wide' }, 'Size'), h('th', { scope: 'col' }, 'Enabled'), h('th', { scope: 'col' }, 'Actions'))),
          h('tbody', {}))),
      h('section', { id: 'mods-install', class: 'mods-install', 'aria-labelledby': 'mods-install-title' },
        h('h3', { id: 'mods-install-title' }, 'Install a mod'),
        h('p', { id: 'mods-install-error', class: 'error', role: 'alert', hidden: true }),
        h('form', { id: 'mods-url-form', class: 'mods-form', onsubmit: (e) => { e.preventDefault(); this.fromUrl(); } },
          h('h4', {}, 'From a URL'),
          field('mods-url', 'Artifact URL', { type: 'url', required: true, placeholder: 'https://…/mod.jar' }),
          field('mods-sha256', 'SHA-256', { required: true, pattern: '[0-9a-fA-F]{64}', placeholder: '64 hexadecimal digits', spellcheck: 'false' }),
          field('mods-url-name', 'Install as (file name)', { placeholder: 'the URL\'s file name', class: 'mods-name' }),
          h('button', { type: 'submit', class: 'primary', id: 'mods-url-install' }, 'Install')),
        h('form', { id: 'mods-path-form', class: 'mods-form', onsubmit: (e) => { e.preventDefault(); this.fromPath(); } },
          h('h4', {}, 'From a file in the server\'s directory'),
          field('mods-path', 'Path', { required: true, placeholder: 'uploads/mod.jar' }),
          field('mods-path-name', 'Install as (file name)', { placeholder: 'the file\'s name', class: 'mods-name' }),
          h('button', { type: 'submit', id: 'mods-path-install' }, 'Install')),
        h('div', { class: 'mods-form' },
          h('h4', {}, 'From this computer'),
          h('label', { class: 'button', for: 'mods-upload-input' }, 'Upload and install…'),
          h('input', { type: 'file', id: 'mods-upload-input', class: 'visually-hidden', accept: '.jar,.zip', onchange: (e) => this.fromUpload(e) }),
          h('div', { id: 'mods-upload', class: 'files-upload', hidden: true },
            h('label', { for: 'mods-progress' }, 'Upload'),
            h('progress', { id: 'mods-progress', max: '100', value: '0' }),
            h('span', { id: 'mods-progress-text', role: 'status' }))),
        h('button', { type: 'button', id: 'mods-upgrade-cancel', hidden: true, onclick: () => this.upgrade(null) }, 'Cancel the upgrade')));
  }

  start() {
    if (!this.loaded) this.load();
  }

  // ---- listing ----------------------------------------------------------------------------------------

  async load() {
    const state = $('#mods-state', this.element);
    let listing;
    try {
      listing = await api('GET', this.base);
    } catch (error) {
      state.className = 'error';
      state.textContent = `The mods could not be listed: ${error.message}`;
      return;
    }
    this.loaded = true;
    state.className = 'muted';
    if (listing.directory == null) {
      state.textContent = 'This server\'s template has no mods directory.';
      $('#mods-install', this.element).hidden = true;
    } else {
      const count = listing.mods.length === 1 ? '1 mod' : `${format.number(listing.mods.length)} mods`;
      state.textContent = `${listing.directory}/: ${count}`;
    }
    const mods = [...listing.mods].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    $('#mods-list tbody', this.element).replaceChildren(...mods.map((mod) => this.row(mod)));
  }

  row(mod) {
    const title = mod.displayName && mod.displayName !== mod.name
      ? h('span', {}, mod.displayName, h('span', { class: 'muted' }, ` (${mod.name})`))
      : h('span', {}, mod.name);
    const toggle = h('input', {
      type: 'checkbox', role: 'switch', checked: mod.enabled, 'aria-label': `Enabled: ${mod.name}`,
      dataset: { action: 'toggle' }, onchange: (e) => this.setEnabled(mod.name, e.currentTarget),
    });
    return h('tr', { dataset: { name: mod.name, enabled: String(mod.enabled) } },
      h('td', { class: 'files-name' }, title),
      h('td', { dataset: { version: mod.version ?? '' } }, mod.version ?? h('span', { class: 'muted' }, 'unknown')),
      h('td', { class: 'wide' }, mod.kind === 'directory' ? '—' : format.bytes(mod.size)),
      h('td', {}, h('label', { class: 'switch' }, toggle, h('span', {}, mod.enabled ? 'on' : 'off'))),
      h('td', {}, h('div', { class: 'files-actions' },
        this.action('Upgrade', mod, () => this.upgrade(mod.name)),
        mod.hasPrevious ? this.action('Rollback', mod, () => this.rollback(mod.name)) : null,
        this.action('Remove', mod, () => this.remove(mod.name), 'danger'))));
  }

  action(label, mod, run, tone) {
    return h('button', { type: 'button', class: `inline${tone ? ` ${tone}` : ''}`, dataset: { action: label.toLowerCase() }, 'aria-label': `${label} ${mod.name}`, onclick: run }, label);
  }

  // ---- changes ------------------------------------------------------------------------------------------

  setEnabled(name, toggle) {
    toggle.disabled = true;
    const action = toggle.checked ? 'enable' : 'disable';
    return this.run('POST', `/${encodeURIComponent(name)}/${action}`, null, `${name} ${action}d. It takes effect at the server's next start.`);
  }

  rollback(name) {
    return this.run('POST', `/${encodeURIComponent(name)}/rollback`, null, `${name} rolled back to its previous version.`);
  }

  remove(name) {
    if (!window.confirm(`Remove the mod ${name}? Its file and any kept previous version are deleted.`)) return null;
    return this.run('DELETE', `/${encodeURIComponent(name)}`, null, `${name} removed.`);
  }

  /** Points the install forms at mod `name` (an upgrade keeps the replaced file for one rollback), or back at a new install. */
  upgrade(name) {
    this.target = name;
    $('#mods-install-title', this.element).textContent = name ? `Upgrade ${name}` : 'Install a mod';
    $('#mods-upgrade-cancel', this.element).hidden = !name;
    for (const input of this.element.querySelectorAll('.mods-name')) input.closest('.field').hidden = Boolean(name);
    for (const button of this.element.querySelectorAll('#mods-url-install, #mods-path-install')) button.textContent = name ? 'Upgrade' : 'Install';
    $('#mods-url', this.element).focus();
  }

  fromUrl() {
    const url = $('#mods-url', this.element).value.trim();
    const name = $('#mods-url-name', this.element).value.trim() || lastSegment(url);
    return this.install(name, { url, sha256: $('#mods-sha256', this.element).value.trim() }, '#mods-url-form');
  }

  fromPath() {
    const path = $('#mods-path', this.element).value.trim();
    const name = $('#mods-path-name', this.element).value.trim() || lastSegment(path);
    return this.install(name, { path }, '#mods-path-form');
  }

  /** The chosen file is uploaded chunk by chunk (never completed into the tree) and installed from its upload id. */
  async fromUpload(event) {
    const input = event.currentTarget;
    const file = input.files && input.files[0];
    input.value = '';
    if (!file || this.busy) return;
    this.busy = true;
    try {
      const uploadId = await this.upload(file);
      await this.install(this.target || file.name, { uploadId }, null);
    } catch (error) {
      this.failed(error);
    } finally {
      this.busy = false;
    }
  }

  async upload(file) {
    this.progress(0, `${file.name}: computing its SHA-256…`);
    const sha256 = await hashFile(file, () => {});
    const started = await api('POST', `${this.files}/uploads`, { path: `/${file.name}`, size: file.size, sha256 });
    let done = 0;
    for (let n = 0; n < started.chunkCount; n++) {
      const chunk = await file.slice(n * started.chunkSize, Math.min(file.size, (n + 1) * started.chunkSize)).arrayBuffer();
      const digest = base64(await crypto.subtle.digest('SHA-256', chunk));
      await putChunk(`${this.files}/uploads/${encodeURIComponent(started.uploadId)}/chunks/${n}`, chunk, digest);
      done += chunk.byteLength;
      this.progress(file.size ? done / file.size : 1, `${file.name}: ${format.bytes(done)} of ${format.bytes(file.size)}`);
    }
    return started.uploadId;
  }

  /** Installs (or upgrades the targeted mod) from `source`; the form is cleared once it worked. */
  async install(name, source, form) {
    const upgrading = this.target;
    const done = upgrading ? `${upgrading} upgraded.` : `${name} installed.`;
    const ok = upgrading
      ? await this.run('POST', `/${encodeURIComponent(upgrading)}/upgrade`, source, done)
      : await this.run('POST', '', { name, ...source }, done);
    if (ok) {
      if (form) $(form, this.element).reset();
      if (upgrading) this.upgrade(null);
    }
    return ok;
  }

  /** One call that changes the mods; the listing is read again afterwards (also after a refusal, so switches show the truth). */
  async run(method, route, body, done) {
    clearMessage();
    const error = $('#mods-install-error', this.element);
    error.hidden = true;
    try {
      await api(method, this.base + route, body);
    } catch (failure) {
      this.failed(failure);
      await this.load();
      return false;
    }
    showMessage(done, 'info');
    await this.load();
    return true;
  }

  failed(error) {
    const box = $('#mods-install-error', this.element);
    box.textContent = error.message;
    box.hidden = false;
    showMessage(error.message);
  }

  progress(fraction, text) {
    $('#mods-upload', this.element).hidden = false;
    $('#mods-progress', this.element).value = Math.floor(fraction * 100);
    $('#mods-progress-text', this.element).textContent = text;
  }
}

function field(id, label, attributes) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, autocomplete: 'off', ...attributes }));
}

function lastSegment(text) {
  const path = text.split(/[?#]/)[0];
  const last = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last; // not valid percent-encoding: the name as written (the API judges it)
  }
}

/** One chunk with its RFC 9530 Content-Digest; a refusal becomes an ApiError carrying the problem's detail. */
async function putChunk(url, body, digest) {
  let response;
  try {
    response = await fetch(url, {
      method: 'PUT', body, cache: 'no-store',
      headers: { 'Authorization': `Bearer ${session.token}`, 'Content-Digest': `sha-256=:${digest}:`, 'Accept': 'application/json' },
    });
  } catch {
    throw new ApiError(unreachableMessage, { unreachable: true });
  }
  if (!response.ok) {
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      // not a problem document: the status says enough
    }
    throw problem(response.status, data);
  }
}
