// The gateway's API: the bearer token (kept in this page's memory only) and problem details turned into sentences.

let token = null;
let onSignedOut = () => {};

export const session = {
  get token() { return token; },
  set(value) { token = value; },
  clear() { token = null; },
  /** Called when the gateway refuses the token (401): the page signs out. */
  onSignedOut(callback) { onSignedOut = callback; },
};

/** A refused or failed call: `detail` is the sentence for a person (the problem's detail, else its title). */
export class ApiError extends Error {
  constructor(message, { status = 0, title = null, unreachable = false } = {}) {
    super(message);
    this.status = status;
    this.title = title;
    this.unreachable = unreachable;
  }
}

export const unreachableMessage = 'The gateway cannot be reached: check your connection, or whether the platform is running.';

export async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { 'Authorization': `Bearer ${token}`, 'Accept': 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(unreachableMessage, { unreachable: true });
  }
  if (response.status === 401) {
    token = null;
    onSignedOut();
    throw new ApiError('Your token was not accepted (expired, or for another gateway). Sign in again.', { status: 401 });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page, say: the status says enough.
  }
  if (!response.ok) throw problem(response.status, data);
  return data;
}

/** An RFC 7807 problem as an error whose message is what a person should read. */
export function problem(status, data) {
  const title = data && typeof data.title === 'string' ? data.title : null;
  const detail = data && typeof data.detail === 'string' ? data.detail : null;
  if (status === 502 || status === 504) return new ApiError(unreachableMessage, { status, unreachable: true });
  const message = detail || title || `The gateway answered HTTP ${status}.`;
  return new ApiError(message, { status, title });
}

/** The subject and roles of a JWT, read without checking it (the gateway checks it). */
export function claims(jwt) {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    const roles = [].concat(payload.role || payload['http://schemas.microsoft.com/ws/2008/06/identity/claims/role'] || []);
    return payload && payload.sub ? { sub: String(payload.sub), operator: roles.includes('operator') } : null;
  } catch {
    return null;
  }
}
