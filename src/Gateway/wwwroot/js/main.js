// The ZlhGrind portal: plain ES modules against the gateway's API, no framework and no build step.

import { claims, session } from './api.js';
import { $, clearMessage, refreshTimes, showMessage } from './dom.js';
import { leaveContainer, showContainer } from './pages/container.js';
import { showList } from './pages/list.js';
import { showProvision } from './pages/provision.js';
import { navigate, onNavigate, parse } from './router.js';

// Relative times ("5 seconds ago") are re-rendered this often.
const timeRefreshMs = 10000;

function render(route) {
  if (!session.token) return;
  const view = $('#view');
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.page === route.page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (route.page !== 'container') leaveContainer();
  if (route.page === 'container') {
    showContainer(view, route.id, route.tab);
  } else if (route.page === 'provision') {
    showProvision(view);
  } else {
    document.title = 'Containers · ZlhGrind';
    showList(view);
  }
}

function signIn(token) {
  const who = claims(token);
  if (!who) {
    showMessage('That does not look like a portal token (a JWT with a subject).');
    return;
  }
  // The token lives in this page's memory only. In path mode the IDE is served from this origin, and any storage
  // (localStorage, sessionStorage, a readable cookie) would be readable by IDE content; a reload asks for it again
  // and then shows the same page, whose address is in the URL.
  session.set(token);
  $('#who').textContent = `Signed in as ${who.sub}${who.operator ? ' (operator)' : ''}`;
  $('#sign-in').hidden = true;
  $('#portal').hidden = false;
  $('#sign-out').hidden = false;
  $('#token').value = '';
  clearMessage();
  render(parse());
}

function signOut() {
  session.clear();
  leaveContainer();
  $('#view').replaceChildren();
  $('#portal').hidden = true;
  $('#sign-out').hidden = true;
  $('#who').textContent = '';
  $('#sign-in').hidden = false;
  $('#token').focus();
}

session.onSignedOut(signOut);
onNavigate(render);

$('#sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  signIn($('#token').value.trim());
});
$('#sign-out').addEventListener('click', signOut);

// Links inside the portal change the page without reloading it (a reload would ask for the token again).
document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-nav]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(parse(new URL(link.href).pathname));
});

setInterval(refreshTimes, timeRefreshMs);

// A sign-in link (#token=…) keeps the token out of server logs: fragments are never sent.
const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('token');
if (fromLink) history.replaceState(null, '', window.location.pathname);
if (fromLink) signIn(fromLink); else signOut();
