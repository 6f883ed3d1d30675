// A container's live events over fetch streaming (EventSource cannot send the bearer token). Frames are handled by
// their `event:` type: `status` and `resync` carry a status document, every other type a container event. A dropped
// stream reconnects by itself with growing pauses and sends the last `id:` it saw as Last-Event-ID, so the gateway
// replays what was missed (or answers `resync` when that is gone); meanwhile the page says it may be stale.

import { session } from './api.js';

export const retry = { firstDelayMs: 1000, maxDelayMs: 30000 };

// The gateway sends a keep-alive comment every Events:HeartbeatInterval (15 s by default): a stream silent for
// longer than this is dead even if no error surfaced (a half-open connection), and is dropped and reopened.
const silenceLimitMs = 45000;

/** Splits one frame ("id: 3\nevent: status\ndata: {…}") into its fields. */
export function parseFrame(text) {
  const frame = { type: 'message', id: null, data: '' };
  const data = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') frame.type = value;
    else if (field === 'id') frame.id = value;
    else if (field === 'data') data.push(value);
  }
  frame.data = data.join('\n');
  return frame;
}

/**
 * Follows one container's events until stop(). `onStatus(status)` gets every status document, `onEvent(event)` every
 * container event, `onState({state, retryInMs, since, message})` every change of the connection: `connecting`,
 * `live`, `stale` (it will retry) or `closed` (it will not: the container is gone or the token was refused).
 */
export class LiveEvents {
  constructor(containerId, { onStatus, onEvent, onState }) {
    this.path = `/api/servers/${containerId}/events`;
    this.onStatus = onStatus;
    this.onEvent = onEvent;
    this.onState = onState;
    this.controller = null;
    this.lastEventId = null;
  }

  start() {
    this.stop();
    this.controller = new AbortController();
    this.run(this.controller);
  }

  stop() {
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  async run(controller) {
    let delay = retry.firstDelayMs;
    let staleSince = null;
    this.onState({ state: 'connecting' });
    while (!controller.signal.aborted) {
      let opened = false;
      try {
        opened = await this.follow(controller, () => {
          staleSince = null;
          delay = retry.firstDelayMs;
          this.onState({ state: 'live' });
        });
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error.final) {
          this.onState({ state: 'closed', message: error.message });
          return;
        }
      }
      if (controller.signal.aborted) return;
      if (opened) delay = retry.firstDelayMs;
      staleSince ??= new Date().toISOString();
      this.onState({ state: 'stale', retryInMs: delay, since: staleSince });
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delay);
        controller.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
      delay = Math.min(delay * 2, retry.maxDelayMs);
    }
  }

  /** One connection; true when it was open before it ended. */
  async follow(controller, onOpen) {
    const headers = { 'Authorization': `Bearer ${session.token}`, 'Accept': 'text/event-stream' };
    if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    controller.signal.addEventListener('abort', abort, { once: true });
    let watchdog = null;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(abort, silenceLimitMs);
    };
    try {
      arm();
      const response = await fetch(this.path, { headers, signal: attempt.signal, cache: 'no-store' });
      if (response.status === 401 || response.status === 404) {
        const error = new Error(response.status === 404 ? 'This container does not exist (or is not yours).' : 'Your token was not accepted. Sign in again.');
        error.final = true;
        throw error;
      }
      if (!response.ok) return false;
      onOpen();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return true;
        arm();
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = parseFrame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (frame.id) this.lastEventId = frame.id;
          if (frame.data) this.dispatch(frame);
        }
      }
    } finally {
      clearTimeout(watchdog);
      controller.signal.removeEventListener('abort', abort);
    }
  }

  dispatch(frame) {
    const data = JSON.parse(frame.data);
    if (frame.type === 'status' || frame.type === 'resync') this.onStatus(data, frame.type);
    else this.onEvent(data, frame.type);
  }
}
