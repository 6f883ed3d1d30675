// The console WebSocket in the browser, shared by the game server's console and the dev terminal: xterm.js shows the
// output; the gateway's frames are in src/Gateway/README.md. A single-use ticket from the API opens the socket, a
// fresh ticket renews it when the gateway asks (`reauth`), and after a dropped connection it resumes from the byte
// offset after the last output it showed, so nothing is shown twice and nothing is missed.

import { FitAddon } from '/lib/addon-fit.mjs';
import { Terminal } from '/lib/xterm.mjs';
import { api } from './api.js';
import { h } from './dom.js';

// Waits between reconnection attempts; the last one repeats.
const retryMs = [1000, 2000, 5000, 10000];

// Commands the gateway takes (longer ones are refused there too; the field says so before sending).
const maxCommandLength = 1024;

/** One console socket on an xterm.js screen; subclasses say where its ticket comes from and what the user sends. */
export class ConsoleConnection {
  constructor(id, { prefix, label, terminal }) {
    this.id = id;
    this.next = null;
    this.socket = null;
    this.stopped = true;
    this.retries = 0;
    this.retryTimer = null;
    this.terminal = new Terminal({ scrollback: 5000, fontSize: 13, ...terminal });
    this.fit = new FitAddon();
    this.terminal.loadAddon(this.fit);
    this.screen = h('div', { id: `${prefix}-screen`, class: 'console-screen', role: 'log', 'aria-label': `${label} of container ${id}` });
    this.state = h('p', { id: `${prefix}-state`, class: 'muted', role: 'status' }, 'Not connected.');
    this.opened = false;
    this.onResize = () => this.fitNow();
  }

  /** Connects (once the panel is shown: xterm measures its box). */
  start() {
    if (!this.opened) {
      this.terminal.open(this.screen);
      this.opened = true;
    }
    this.fitNow();
    window.addEventListener('resize', this.onResize);
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Disconnects for good (the page is left). */
  stop() {
    this.stopped = true;
    window.removeEventListener('resize', this.onResize);
    clearTimeout(this.retryTimer);
    if (this.socket) this.socket.close(1000, 'page left');
    this.socket = null;
    this.terminal.dispose();
  }

  fitNow() {
    if (this.opened && this.screen.offsetParent !== null) this.fit.fit();
  }

  async connect() {
    this.say(this.next === null ? 'Connecting…' : 'Reconnecting…');
    let ticket;
    try {
      ticket = await this.ticket();
    } catch (error) {
      if (this.stopped) return;
      if (error.status === 404 || error.status === 403) {
        this.say(`The ${this.what()} cannot be opened: ${error.message}`, 'error');
        this.stopped = true;
        return;
      }
      this.retry(error.message);
      return;
    }
    if (this.stopped) return;
    const url = new URL(ticket.url, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.resumeParameters(url.searchParams);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.retries = 0;
      this.say('Connected.');
      this.opening();
    };
    socket.onmessage = (message) => socket === this.socket && this.onFrame(message.data);
    socket.onclose = (close) => {
      if (socket !== this.socket || this.stopped) return;
      this.socket = null;
      this.retry(close.reason || 'the connection closed');
    };
  }

  /** What the status line calls this. */
  what() {
    return 'console';
  }

  /** Adds what a reconnect resumes from to the socket's query. */
  resumeParameters(query) {
    if (this.next !== null) query.set('since', String(this.next));
  }

  /** Called once the socket is open. */
  opening() {}

  /** A `session` frame (terminals only). */
  onSession() {}

  /** A fresh single-use ticket: { url, expiresAt }. */
  ticket() {
    throw new Error('ticket() is a subclass\'s');
  }

  /** Sends a frame; false when not connected. */
  sendFrame(frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  retry(why) {
    const wait = retryMs[Math.min(this.retries, retryMs.length - 1)];
    this.retries++;
    this.say(`Disconnected (${why}); reconnecting in ${Math.round(wait / 1000)} s…`, 'error');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), wait);
  }

  async onFrame(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    switch (frame.type) {
      case 'output':
        // `end` is where the frame's bytes end (its text may be shorter: bytes that are not UTF-8 arrive as U+FFFD);
        // a frame the screen already shows (a resumed connection's overlap) is not shown again.
        if (this.next !== null && frame.end <= this.next) return;
        this.terminal.write(frame.data);
        this.next = frame.end;
        break;
      case 'truncated':
        this.terminal.write('\x1b[2m[older output is no longer kept]\x1b[0m\r\n');
        this.next = Math.max(this.next ?? 0, frame.offset);
        break;
      case 'session':
        this.onSession(frame.id);
        break;
      case 'state':
        this.say(`Connected. The server is ${frame.state}.`);
        break;
      case 'error':
        this.say(frame.message, 'error');
        break;
      case 'reauth':
        try {
          const ticket = await this.ticket();
          const fresh = new URL(ticket.url, window.location.href).searchParams.get('ticket');
          this.sendFrame({ type: 'auth', ticket: fresh });
        } catch (error) {
          this.say(`The ${this.what()} could not be renewed: ${error.message}`, 'error');
        }
        break;
      default:
        break;
    }
  }

  say(text, kind = 'muted') {
    this.state.textContent = text;
    this.state.className = kind;
  }
}

/** The game server's console: output on screen, a line below sends commands. */
export class GameConsole extends ConsoleConnection {
  constructor(id) {
    super(id, { prefix: 'console', label: 'Console output', terminal: { convertEol: true, disableStdin: true, cursorBlink: false } });
    this.history = [];
    this.historyAt = 0;
    this.input = h('input', {
      id: 'console-command', type: 'text', maxlength: String(maxCommandLength), autocomplete: 'off', spellcheck: 'false',
      placeholder: 'A command for the server, e.g. say hello', 'aria-label': 'Command', onkeydown: (event) => this.onKey(event),
    });
    this.element = h('div', { class: 'console' },
      this.state,
      this.screen,
      h('form', { id: 'console-form', class: 'console-form', onsubmit: (event) => { event.preventDefault(); this.send(); } },
        this.input, h('button', { type: 'submit' }, 'Send')));
  }

  ticket() {
    return api('POST', `/api/servers/${this.id}/console/ticket`);
  }

  send() {
    const command = this.input.value;
    if (!command.trim()) return;
    if (!this.sendFrame({ type: 'command', data: command })) {
      this.say('Not connected: the command was not sent.', 'error');
      return;
    }
    this.history.push(command);
    this.historyAt = this.history.length;
    this.input.value = '';
  }

  /** Up and Down walk through the commands sent from this page. */
  onKey(event) {
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
    event.preventDefault();
    this.historyAt = Math.max(0, Math.min(this.history.length, this.historyAt + (event.key === 'ArrowUp' ? -1 : 1)));
    this.input.value = this.history[this.historyAt] ?? '';
  }
}
