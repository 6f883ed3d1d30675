// Idle culling in the portal (issue 18): last IDE activity, when code-server will be stopped for idling, and the
// "Keep running" button. A self-contained ES module: the page hands it an element, the status document
// (GET /api/servers/{id}/status or a live event's status) and a function that calls the API.

// The warning window the gateway's events use (Ide:IdleWarning, 5 min by default); only styling depends on it.
const WARNING_MS = 5 * 60 * 1000;

function at(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : null;
}

function inMinutes(iso, now) {
  const minutes = Math.round((new Date(iso).getTime() - now.getTime()) / 60000);
  return minutes <= 0 ? 'now' : `in ${minutes} min`;
}

/**
 * Renders the idle facts of a dev container into `element` (its children are replaced).
 * @param {HTMLElement} element where to render
 * @param {object} status the container's status document (camelCase, as the API answers)
 * @param {(method: string, path: string) => Promise<object>} call calls the API with the user's token; answers the JSON body
 * @param {{ now?: () => Date, onStatus?: (status: object) => void, onError?: (error: Error) => void }} [options]
 */
export function renderIdle(element, status, call, options = {}) {
  const now = (options.now || (() => new Date()))();
  const dev = status && status.dev;
  element.replaceChildren();
  if (!dev) {
    element.hidden = true;
    return;
  }

  element.hidden = false;
  const activity = document.createElement('div');
  activity.className = 'idle-activity';
  activity.textContent = `Last IDE activity: ${at(dev.lastActivityAt) || 'none yet'}`;

  const deadline = document.createElement('div');
  deadline.className = 'idle-deadline';
  const running = dev.codeServerEnabled && dev.idleStopAt;
  if (running) {
    deadline.textContent = `Stops when idle: ${at(dev.idleStopAt)} (${inMinutes(dev.idleStopAt, now)})`;
    if (new Date(dev.idleStopAt).getTime() - now.getTime() <= WARNING_MS) deadline.classList.add('idle-soon');
  } else {
    deadline.textContent = 'Stops when idle: no (code-server is stopped, or its idle timeout is 0)';
  }

  const keep = document.createElement('button');
  keep.type = 'button';
  keep.textContent = 'Keep running';
  keep.disabled = !running;
  keep.addEventListener('click', async () => {
    keep.disabled = true;
    try {
      const fresh = await call('POST', `/api/dev/${status.containerId}/ide/keep-running`);
      renderIdle(element, fresh, call, options);
      if (options.onStatus) options.onStatus(fresh);
    } catch (error) {
      keep.disabled = false;
      if (options.onError) options.onError(error);
    }
  });

  element.append(activity, deadline, keep);
}
