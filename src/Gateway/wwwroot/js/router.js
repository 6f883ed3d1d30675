// Portal URLs: the gateway answers each of them with this page (so they survive a reload and can be bookmarked).
//   /                              the container list
//   /provision                     provisioning
//   /containers/{id}[/{tab}]       one container, one of its tabs

export const tabs = ['overview', 'console', 'terminal', 'files', 'mods', 'crashes', 'settings'];

export function parse(pathname = window.location.pathname) {
  // The gateway matches these paths without regard to case, and so does the page.
  if (/^\/provision\/?$/i.test(pathname)) return { page: 'provision' };
  const match = /^\/containers\/(\d+)(?:\/([a-z]+))?\/?$/i.exec(pathname);
  const tab = match && match[2] ? match[2].toLowerCase() : 'overview';
  if (match && tabs.includes(tab)) return { page: 'container', id: match[1], tab };
  return { page: 'list' };
}

export function pathOf(route) {
  if (route.page === 'provision') return '/provision';
  if (route.page === 'container') return route.tab && route.tab !== 'overview' ? `/containers/${route.id}/${route.tab}` : `/containers/${route.id}`;
  return '/';
}

let listener = () => {};

export function onNavigate(callback) {
  listener = callback;
  window.addEventListener('popstate', () => listener(parse()));
}

/** Goes to a route; `replace` when the change should not become a step of the back button (a tab's default). */
export function navigate(route, { replace = false } = {}) {
  const path = pathOf(route);
  if (path !== window.location.pathname) history[replace ? 'replaceState' : 'pushState'](null, '', path);
  listener(parse());
}
