// Everything a person reads goes through here: the browser's locale (Intl), durations in words, sizes in binary
// units, and the API's enum names (written as declared in src/Grains.Abstractions, e.g. "Connected"; crash
// classifications snake_case, e.g. "mod_or_plugin_error") as labels.

const numberFormats = new Map();

function formatNumber(value, maximumFractionDigits = 0) {
  const key = maximumFractionDigits;
  if (!numberFormats.has(key)) numberFormats.set(key, new Intl.NumberFormat(undefined, { maximumFractionDigits }));
  return numberFormats.get(key).format(value);
}

/** A .NET TimeSpan as System.Text.Json writes it ("1.02:03:04.5", "00:00:04.2874410") in milliseconds; null stays null. */
export function parseTimeSpan(text) {
  if (text == null || text === '') return null;
  if (typeof text === 'number') return text;
  const match = /^(-)?(?:(\d+)\.)?(\d+):(\d+):(\d+)(?:\.(\d+))?$/.exec(String(text));
  if (!match) return null;
  const [, minus, days, hours, minutes, seconds, fraction] = match;
  const ms = (((Number(days || 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000
    + (fraction ? Number(`0.${fraction}`) * 1000 : 0);
  return minus ? -ms : ms;
}

/** "850 ms", "4.3 s", "42 s", "2 min", "2 min 5 s", "1 h 5 min", "3 d 4 h": precise when short, rounded when long. */
export function duration(value) {
  const ms = typeof value === 'number' ? value : parseTimeSpan(value);
  if (ms == null) return '—';
  if (ms < 0) return `−${duration(-ms)}`;
  if (ms < 1000) return `${formatNumber(Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 9.95) return `${formatNumber(Math.round(s * 10) / 10, 1)} s`;
  if (s < 60) return `${formatNumber(Math.max(10, Math.min(59, Math.round(s))))} s`;
  const totalMinutes = Math.floor(s / 60);
  if (totalMinutes < 60) {
    const rest = Math.floor(s - totalMinutes * 60);
    return totalMinutes < 10 && rest > 0 ? `${formatNumber(totalMinutes)} min ${formatNumber(rest)} s` : `${formatNumber(totalMinutes)} min`;
  }
  const totalHours = Math.floor(totalMinutes / 60);
  if (totalHours < 24) {
    const rest = totalMinutes - totalHours * 60;
    return rest > 0 ? `${formatNumber(totalHours)} h ${formatNumber(rest)} min` : `${formatNumber(totalHours)} h`;
  }
  const days = Math.floor(totalHours / 24);
  const rest = totalHours - days * 24;
  return rest > 0 ? `${formatNumber(days)} d ${formatNumber(rest)} h` : `${formatNumber(days)} d`;
}

const relativeUnits = [
  ['year', 365 * 24 * 3600], ['month', 30 * 24 * 3600], ['week', 7 * 24 * 3600],
  ['day', 24 * 3600], ['hour', 3600], ['minute', 60], ['second', 1],
];
let relativeFormat;

/** "5 seconds ago", "in 30 seconds", "yesterday" in the browser's language; null is "—". */
export function relative(iso, now = Date.now()) {
  if (!iso) return '—';
  relativeFormat ??= new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const seconds = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of relativeUnits) {
    if (Math.abs(seconds) >= size || unit === 'second') return relativeFormat.format(Math.round(seconds / size), unit);
  }
  return '—';
}

let exactFormat;

/** The exact date and time, for the hover title of a relative time. */
export function exact(iso) {
  if (!iso) return '';
  exactFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  return exactFormat.format(new Date(iso));
}

let clockFormat;

/** The time of day alone ("2:05:07 PM"), for what happened today. */
export function clock(iso) {
  if (!iso) return '';
  clockFormat ??= new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
  return clockFormat.format(new Date(iso));
}

const byteUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** "512 B", "1.5 MiB", "2 GiB". */
export function bytes(value) {
  if (value == null || Number.isNaN(Number(value))) return '—';
  let n = Number(value);
  let unit = 0;
  while (Math.abs(n) >= 1024 && unit < byteUnits.length - 1) {
    n /= 1024;
    unit += 1;
  }
  return `${formatNumber(n, unit === 0 ? 0 : 1)} ${byteUnits[unit]}`;
}

let percentFormat;

/** A percentage the API sends as 0–100 ("12.5 %" in the browser's own style). */
export function percent(value) {
  if (value == null) return '—';
  percentFormat ??= new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
  return percentFormat.format(value / 100);
}

export const number = (value) => (value == null ? '—' : formatNumber(value));

/** "ModOrPluginError" or "mod_or_plugin_error" → "mod or plugin error": the fallback for a value no table below names yet. */
export function words(name) {
  if (name == null || name === '') return '—';
  return String(name).replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z])([A-Z][a-z])/g, '$1 $2').toLowerCase();
}

function lookup(table) {
  return (value) => (value == null ? '—' : table[value] ?? words(value));
}

/** CrashClassification (src/Grains.Abstractions/GameServers/CrashRecord.cs), every value, as the API spells it (snake_case). */
export const classification = lookup({
  unexpected_exit: 'unexpected exit',
  nonzero_exit: 'non-zero exit',
  oom: 'out of memory',
  mod_or_plugin_error: 'mod or plugin error',
  missing_dependency: 'missing dependency',
  start_timeout: 'not ready in time',
});

/** Connectivity (src/Grains.Abstractions/Containers/Connectivity.cs). */
export const connectivity = lookup({
  Unknown: 'no agent yet',
  Connected: 'connected',
  Unreachable: 'unreachable',
});

/** ContainerKind. */
export const kind = lookup({ Game: 'game server', Dev: 'dev environment' });

/** ContainerEventKind (src/Grains.Abstractions/Events/ContainerEvent.cs), as the event stream names its frames. */
export const eventKind = lookup({
  provisioned: 'provisioned',
  stateChanged: 'state changed',
  crashed: 'crashed',
  installFinished: 'install finished',
  codeServerChanged: 'code-server changed',
  connectivityChanged: 'connectivity changed',
  specChanged: 'settings changed',
  stopForced: 'stop forced',
});

/** GameServerState, DevContainerState and CodeServerState: the enums' own words, one capital ("Running", "Ready"). */
export function state(value) {
  const text = words(value);
  return text === '—' ? text : text.charAt(0).toUpperCase() + text.slice(1);
}

/** The tone of a state or connectivity for its badge: good, busy, bad or neutral. */
export function tone(value) {
  switch (value) {
    case 'Running': case 'Ready': case 'Connected': return 'good';
    case 'Starting': case 'Stopping': case 'Installing': case 'Provisioning': return 'busy';
    case 'Crashed': case 'Error': case 'Failed': case 'Unreachable': return 'bad';
    default: return 'neutral';
  }
}

/** A crash's end: "exit code 1", "signal 9 (SIGKILL)". */
export function crashEnd(crash) {
  if (crash.signal != null) return `signal ${crash.signal}${signalNames[crash.signal] ? ` (${signalNames[crash.signal]})` : ''}`;
  if (crash.exitCode != null) return `exit code ${crash.exitCode}`;
  return 'end not seen';
}

const signalNames = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM' };
