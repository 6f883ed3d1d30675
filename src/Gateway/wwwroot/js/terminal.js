// The dev container's terminal: a login shell on a PTY in the container, through the same console socket as the game
// console (see console.js). Keystrokes go to the shell as typed; the screen's size follows the panel. The session id
// the gateway names is kept for this tab (sessionStorage), so a reconnect or a reload resumes the same shell.

import { ConsoleConnection } from './console.js';
import { api } from './api.js';
import { h } from './dom.js';

// Characters per input frame: the gateway takes 4096 UTF-8 bytes per frame, at most 3 per UTF-16 unit.
const inputChunk = 1024;

export class DevTerminal extends ConsoleConnection {
  constructor(id) {
    super(id, { prefix: 'terminal', label: 'Terminal', terminal: { cursorBlink: true } });
    this.storageKey = `zlh-terminal-${id}`;
    this.session = window.sessionStorage.getItem(this.storageKey);
    this.element = h('div', { class: 'console' }, this.state, this.screen);
    this.terminal.onData((data) => this.type(data));
    this.terminal.onResize(({ cols, rows }) => this.sendFrame({ type: 'resize', cols, rows }));
  }

  what() {
    return 'terminal';
  }

  ticket() {
    return api('POST', `/api/dev/${this.id}/terminal/ticket`);
  }

  resumeParameters(query) {
    if (this.session === null) return;
    query.set('session', this.session);
    super.resumeParameters(query);
  }

  opening() {
    this.sendFrame({ type: 'resize', cols: this.terminal.cols, rows: this.terminal.rows });
    this.terminal.focus();
  }

  onSession(id) {
    if (id !== this.session) {
      // Another shell than the one asked for (it had ended): its output starts anew.
      this.session = id;
      this.next = null;
      this.terminal.reset();
    }
    window.sessionStorage.setItem(this.storageKey, id);
  }

  type(data) {
    let at = 0;
    while (at < data.length) {
      // A surrogate pair is never split between two frames.
      let end = Math.min(data.length, at + inputChunk);
      if (end < data.length && /[\uD800-\uDBFF]/.test(data[end - 1])) end--;
      if (!this.sendFrame({ type: 'input', data: data.slice(at, end) })) {
        this.say('Not connected: the keys were not sent.', 'error');
        return;
      }
      at = end;
    }
  }
}
