// The Files tab of a game server or dev container (README: "Files"): browse the container's directory (folders first,
// links shown as links with their target, never followed), upload with a progress bar through the resumable upload
// API, download, edit small text files in place, rename, delete, make folders and extract archives. Every refusal
// shows the problem's detail on the page's message line.

import { api, problem, session, ApiError, unreachableMessage } from '../api.js';
import { $, clearMessage, h, showMessage, time } from '../dom.js';
import * as format from '../format.js';
import { Sha256 } from '../sha256.js';

// Files edited in place are read whole into a textarea: larger ones are downloaded instead.
const editableBytes = 1024 * 1024;

// Up to this size the browser's own SHA-256 hashes the whole file at once (fast); above it the file is hashed piece
// by piece so it is never read whole into memory.
const wholeHashBytes = 64 * 1024 * 1024;
const hashPieceBytes = 8 * 1024 * 1024;

const archive = /\.(zip|tar\.gz|tgz)$/i;

/** One container's file browser; `element` is placed in the tab's panel, `start()` loads it on first show. */
export class FileBrowser {
  constructor(id, kind) {
    this.base = `${kind === 'Game' ? '/api/servers' : '/api/dev'}/${id}`;
    this.id = id;
    this.path = '/';
    this.loaded = false;
    this.uploading = false;
    this.element = h('div', { class: 'files' },
      h('nav', { 'aria-label': 'Folder', class: 'files-crumbs' }, h('ol', { id: 'files-crumbs' })),
      h('div', { class: 'actions', role: 'group', 'aria-label': 'Files' },
        h('label', { class: 'button', for: 'files-upload-input' }, 'Upload file…'),
        h('input', { type: 'file', id: 'files-upload-input', class: 'visually-hidden', onchange: (e) => this.chosen(e) }),
        h('form', { class: 'files-inline', onsubmit: (e) => { e.preventDefault(); this.mkdir(); } },
          h('label', { for: 'files-mkdir-name', class: 'visually-hidden' }, 'New folder name'),
          h('input', { id: 'files-mkdir-name', placeholder: 'New folder name', autocomplete: 'off', required: true }),
          h('button', { type: 'submit', id: 'files-mkdir' }, 'Create folder')),
        h('button', { type: 'button', id: 'files-refresh', onclick: () => this.load(this.path) }, 'Refresh')),
      h('div', { id: 'files-upload', class: 'files-upload', hidden: true },
        h('label', { for: 'files-progress', id: 'files-progress-label' }, 'Upload'),
        h('progress', { id: 'files-progress', max: '100', value: '0' }),
        h('span', { id: 'files-progress-text', role: 'status' })),
      h('p', { id: 'files-state', class: 'muted', role: 'status' }, 'Loading files…'),
      h('div', { class: 'table-wrap' },
        h('table', { id: 'files-list', 'aria-labelledby': 'files-state' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Size'),
            h('th', { scope: 'col', class: 'wide' }, 'Modified'), h('th', { scope: 'col' }, 'Actions'))),
          h('tbody', {}))),
      h('form', { id: 'files-editor', class: 'files-editor', hidden: true, onsubmit: (e) => { e.preventDefault(); this.save(); } },
        h('label', { for: 'files-editor-text', id: 'files-editor-label' }, 'Editing'),
        h('textarea', { id: 'files-editor-text', rows: '16', spellcheck: 'false' }),
        h('div', { class: 'actions' },
          h('button', { type: 'submit', class: 'primary', id: 'files-editor-save' }, 'Save'),
          h('button', { type: 'button', id: 'files-editor-close', onclick: () => this.closeEditor() }, 'Close'))));
  }

  start() {
    if (!this.loaded) this.load('/');
  }

  // ---- listing ----------------------------------------------------------------------------------------

  async load(path) {
    const state = $('#files-state', this.element);
    let listing;
    try {
      listing = await this.json('GET', `/files?path=${encodeURIComponent(path)}`);
    } catch (error) {
      state.className = 'error';
      state.textContent = `The folder ${path} could not be listed: ${error.message}`;
      return;
    }
    this.loaded = true;
    this.path = path;
    this.crumbs();
    const entries = [...listing.entries].sort((a, b) =>
      (a.type === 'directory' ? 0 : 1) - (b.type === 'directory' ? 0 : 1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    state.className = 'muted';
    state.textContent = `${path}: ${entries.length === 1 ? '1 entry' : `${format.number(entries.length)} entries`}${listing.truncated ? ' (more than shown)' : ''}`;
    $('#files-list tbody', this.element).replaceChildren(...entries.map((entry) => this.row(entry)));
  }

  crumbs() {
    const parts = this.path.split('/').filter(Boolean);
    const items = [h('li', {}, this.crumb('/', 'Files', parts.length === 0))];
    parts.forEach((part, i) => items.push(h('li', {}, this.crumb(`/${parts.slice(0, i + 1).join('/')}`, part, i === parts.length - 1))));
    $('#files-crumbs', this.element).replaceChildren(...items);
  }

  crumb(path, label, current) {
    return current
      ? h('span', { 'aria-current': 'location' }, label)
      : h('button', { type: 'button', class: 'link', onclick: () => this.load(path) }, label);
  }

  row(entry) {
    const path = join(this.path, entry.name);
    const name = entry.type === 'directory'
      ? h('button', { type: 'button', class: 'link', onclick: () => this.load(path) }, `${entry.name}/`)
      : entry.type === 'link'
        ? h('span', {}, entry.name, h('span', { class: 'muted' }, ` → ${entry.linkTarget ?? '?'}`), h('span', { class: 'visually-hidden' }, ' (link)'))
        : h('span', {}, entry.name);
    const file = entry.type === 'file';
    const actions = h('div', { class: 'files-actions' },
      file ? this.action('Download', entry, () => this.download(path, entry.name)) : null,
      file && entry.size <= editableBytes ? this.action('Edit', entry, () => this.edit(path)) : null,
      file && archive.test(entry.name) ? this.action('Extract', entry, () => this.extract(path)) : null,
      this.action('Rename', entry, (event) => this.renameForm(event.currentTarget, path, entry.name)),
      this.action('Delete', entry, () => this.remove(path, entry), 'danger'));
    return h('tr', { dataset: { name: entry.name, type: entry.type } },
      h('td', { class: 'files-name' }, name),
      h('td', { dataset: { size: String(entry.size) } }, entry.type === 'directory' ? '—' : format.bytes(entry.size)),
      h('td', { class: 'wide' }, time(entry.modified)),
      h('td', {}, actions));
  }

  action(label, entry, run, tone) {
    return h('button', { type: 'button', class: `inline${tone ? ` ${tone}` : ''}`, dataset: { action: label.toLowerCase() }, 'aria-label': `${label} ${entry.name}`, onclick: run }, label);
  }

  // ---- tree operations ----------------------------------------------------------------------------------

  async mkdir() {
    const input = $('#files-mkdir-name', this.element);
    if (await this.run('POST', '/files/mkdir', { path: join(this.path, input.value) }, `Folder ${input.value} created.`)) input.value = '';
  }

  renameForm(button, path, name) {
    const cell = button.closest('tr').querySelector('.files-name');
    const input = h('input', { value: name, id: 'files-rename-name', autocomplete: 'off', required: true });
    const form = h('form', { class: 'files-inline', onsubmit: (e) => { e.preventDefault(); this.rename(path, input.value); } },
      h('label', { for: 'files-rename-name', class: 'visually-hidden' }, `New name for ${name}`),
      input,
      h('button', { type: 'submit', id: 'files-rename-save' }, 'Rename'),
      h('button', { type: 'button', onclick: () => this.load(this.path) }, 'Cancel'));
    cell.replaceChildren(form);
    input.focus();
    input.select();
  }

  rename(from, name) {
    return this.run('POST', '/files/rename', { from, to: join(this.path, name) }, `Renamed to ${name}.`);
  }

  remove(path, entry) {
    const what = entry.type === 'directory' ? `the folder ${path} and everything in it` : path;
    if (!window.confirm(`Delete ${what}? This cannot be undone.`)) return null;
    return this.run('POST', '/files/delete', { path }, `${path} deleted.`);
  }

  extract(path) {
    return this.run('POST', '/files/extract', { archive: path, destination: this.path }, `${path} extracted into ${this.path}.`);
  }

  /** One call that changes the tree; the listing is read again afterwards. */
  async run(method, route, body, done) {
    clearMessage();
    try {
      await this.json(method, route, body);
    } catch (error) {
      showMessage(error.message);
      return false;
    }
    showMessage(done, 'info');
    await this.load(this.path);
    return true;
  }

  // ---- download and edit ----------------------------------------------------------------------------------

  async download(path, name) {
    clearMessage();
    try {
      // The API takes a bearer, which a plain link cannot carry: fetched here and handed to the browser as a file.
      const response = await this.send('GET', `/files/content?path=${encodeURIComponent(path)}`);
      const url = URL.createObjectURL(await response.blob());
      h('a', { href: url, download: name }).click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      showMessage(error.message);
    }
  }

  async edit(path) {
    clearMessage();
    let text;
    try {
      text = await (await this.send('GET', `/files/content?path=${encodeURIComponent(path)}`)).text();
    } catch (error) {
      showMessage(error.message);
      return;
    }
    const editor = $('#files-editor', this.element);
    editor.dataset.path = path;
    $('#files-editor-label', this.element).textContent = `Editing ${path}`;
    const area = $('#files-editor-text', this.element);
    area.value = text;
    editor.hidden = false;
    area.focus();
  }

  async save() {
    const editor = $('#files-editor', this.element);
    const path = editor.dataset.path;
    clearMessage();
    try {
      await this.send('PUT', `/files/content?path=${encodeURIComponent(path)}`, $('#files-editor-text', this.element).value);
    } catch (error) {
      showMessage(error.message);
      return;
    }
    showMessage(`${path} saved.`, 'info');
    await this.load(this.path);
  }

  closeEditor() {
    $('#files-editor', this.element).hidden = true;
  }

  // ---- upload ---------------------------------------------------------------------------------------------

  async chosen(event) {
    const input = event.currentTarget;
    const file = input.files && input.files[0];
    input.value = '';
    if (!file || this.uploading) return;
    this.uploading = true;
    clearMessage();
    try {
      await this.upload(file, join(this.path, file.name));
      showMessage(`${file.name} uploaded.`, 'info');
      await this.load(this.path);
    } catch (error) {
      this.progress(null, `${file.name}: not finished. ${error.message} Choose the same file again to resume.`);
      showMessage(error.message);
    } finally {
      this.uploading = false;
    }
  }

  /**
   * POST uploads → PUT each missing chunk with its Content-Digest → complete. The upload's id is remembered (per
   * container, path, size and modification time) so that after a failure or a reload the same file resumes: the
   * upload's state says which chunks are in, and only the others are sent.
   */
  async upload(file, path) {
    const key = `zlh.upload:${this.base}:${path}:${file.size}:${file.lastModified}`;
    let state = null;
    const remembered = localStorage.getItem(key);
    if (remembered) {
      try {
        state = await this.json('GET', `/uploads/${encodeURIComponent(remembered)}`);
      } catch {
        localStorage.removeItem(key); // expired or completed elsewhere: start again
      }
    }
    if (!state) {
      this.progress(0, `${file.name}: computing its SHA-256…`);
      const sha256 = await hashFile(file, (done) => this.progress(0, `${file.name}: computing its SHA-256… ${Math.floor((done / Math.max(file.size, 1)) * 100)}%`));
      const started = await this.json('POST', '/uploads', { path, size: file.size, sha256 });
      state = { ...started, receivedChunks: [] };
      localStorage.setItem(key, started.uploadId);
    }
    const received = new Set(state.receivedChunks);
    let done = Math.min(file.size, [...received].reduce((sum, n) => sum + Math.min(state.chunkSize, file.size - n * state.chunkSize), 0));
    const show = (extra) => this.progress(file.size ? (done + extra) / file.size : 1, `${file.name}: ${format.bytes(done + extra)} of ${format.bytes(file.size)}`);
    show(0);
    for (let n = 0; n < state.chunkCount; n++) {
      if (received.has(n)) continue;
      const chunk = await file.slice(n * state.chunkSize, Math.min(file.size, (n + 1) * state.chunkSize)).arrayBuffer();
      const digest = base64(await crypto.subtle.digest('SHA-256', chunk));
      await this.putChunk(`/uploads/${encodeURIComponent(state.uploadId)}/chunks/${n}`, chunk, digest, show);
      done += chunk.byteLength;
      show(0);
    }
    await this.json('POST', `/uploads/${encodeURIComponent(state.uploadId)}/complete`);
    localStorage.removeItem(key);
    this.progress(1, `${file.name}: ${format.bytes(file.size)} uploaded (100%)`);
  }

  /** XMLHttpRequest rather than fetch: only it reports upload progress within a chunk. */
  putChunk(route, body, digest, onProgress) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('PUT', this.base + route);
      request.setRequestHeader('Authorization', `Bearer ${session.token}`);
      request.setRequestHeader('Content-Digest', `sha-256=:${digest}:`);
      request.setRequestHeader('Accept', 'application/json');
      request.upload.onprogress = (e) => onProgress(e.loaded);
      request.onerror = () => reject(new ApiError(unreachableMessage, { unreachable: true }));
      request.onload = () => {
        if (request.status >= 200 && request.status < 300) resolve();
        else reject(problem(request.status, parse(request.responseText)));
      };
      request.send(body);
    });
  }

  progress(fraction, text) {
    const box = $('#files-upload', this.element);
    box.hidden = false;
    const bar = $('#files-progress', this.element);
    if (fraction == null) bar.removeAttribute('value');
    else bar.value = Math.floor(fraction * 100);
    $('#files-progress-text', this.element).textContent = text;
  }

  // ---- HTTP -----------------------------------------------------------------------------------------------

  /** A call under this container's base that answers JSON (or nothing). */
  json(method, route, body) {
    return api(method, this.base + route, body);
  }

  /** A call under this container's base; a refusal becomes an ApiError carrying the problem's detail. */
  async send(method, route, body, headers = {}) {
    let response;
    try {
      response = await fetch(this.base + route, {
        method, body, cache: 'no-store', headers: { 'Authorization': `Bearer ${session.token}`, ...headers },
      });
    } catch {
      throw new ApiError(unreachableMessage, { unreachable: true });
    }
    if (!response.ok) throw problem(response.status, parse(await response.text()));
    return response;
  }
}

function join(directory, name) {
  return `${directory.replace(/\/+$/, '')}/${name}`;
}

function parse(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Bytes as base64 (a Content-Digest's value). */
export function base64(buffer) {
  let text = '';
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** A file's SHA-256 as hex, read piece by piece above wholeHashBytes. */
export async function hashFile(file, onProgress) {
  if (file.size <= wholeHashBytes) {
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  const hash = new Sha256();
  for (let at = 0; at < file.size; at += hashPieceBytes) {
    hash.update(new Uint8Array(await file.slice(at, at + hashPieceBytes).arrayBuffer()));
    onProgress(Math.min(file.size, at + hashPieceBytes));
  }
  return hash.hex();
}
