// Small DOM helpers: elements are built with text nodes only (never innerHTML), so nothing the API returns is markup.

import { exact, relative } from './format.js';

/** h('button', { class: 'x', onclick: f }, 'text', child…) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name in element && typeof value !== 'string') element[name] = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.flat().filter((c) => c != null && c !== false).map((c) => (c instanceof Node ? c : String(c))));
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** A relative time with the exact one on hover; kept current by refreshTimes(). */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: exact(iso), dataset: { relative: 'yes' } }, relative(iso));
}

/** Re-renders every relative time on the page ("5 seconds ago" becomes "1 minute ago"). */
export function refreshTimes() {
  for (const element of document.querySelectorAll('time[data-relative]')) element.textContent = relative(element.dateTime);
}

/** A badge for a state or connectivity; the tone is a colour and a word, never a colour alone. */
export function badge(text, tone, id) {
  return h('span', { class: `badge ${tone}`, id }, text);
}

// ---- the page's one message line ------------------------------------------------------------------

export function showMessage(text, kind = 'error') {
  const box = $('#message');
  box.replaceChildren(h('span', {}, text), h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss message', onclick: clearMessage }, '×'));
  box.className = kind;
  box.hidden = false;
}

export function clearMessage() {
  const box = $('#message');
  box.hidden = true;
  box.replaceChildren();
}
