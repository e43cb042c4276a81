// The dashboard's state lives in the URL hash, so a view can be bookmarked and shared:
// #actor=CHN&recipient=PHL&since=2026-09-01&type=ASSAULT&event=ID

const LISTS = new Set(['types']);
const KEYS = ['actor', 'recipient', 'country', 'since', 'until', 'types', 'modality', 'q', 'place',
  'freq', 'offset', 'oldest', 'mentions', 'event', 'article'];

export function emptyState() {
  return { types: [], freq: 'day', offset: 0, oldest: false, mentions: false };
}

export function readHash() {
  const state = emptyState();
  const params = new URLSearchParams(window.location.hash.slice(1));
  for (const key of KEYS) {
    const name = key === 'types' ? 'type' : key;
    if (!params.has(name)) continue;
    if (LISTS.has(key)) state[key] = params.getAll(name);
    else if (key === 'offset') state.offset = Math.max(0, parseInt(params.get(name), 10) || 0);
    else if (key === 'oldest' || key === 'mentions') state[key] = params.get(name) === '1';
    else state[key] = params.get(name);
  }
  return state;
}

export function writeHash(state) {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = state[key];
    const name = key === 'types' ? 'type' : key;
    if (value === undefined || value === null || value === '' || value === false) continue;
    if (key === 'offset' && !value) continue;
    if (key === 'freq' && value === 'day') continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(name, v));
    else params.set(name, value === true ? '1' : String(value));
  }
  const hash = params.toString();
  if (window.location.hash.slice(1) !== hash) {
    window.history.replaceState(null, '', hash ? `#${hash}` : window.location.pathname);
  }
}

// What the timeline shows: a dyad when both sides are countries, else a country.
export function scope(state) {
  const iso = (code) => (code && /^[A-Z]{3}$/.test(code) ? code : null);
  if (iso(state.actor) && iso(state.recipient)) {
    return { level: 'dyad', key: `${state.actor}>${state.recipient}`,
      path: `/api/series/dyads/${state.actor}/${state.recipient}` };
  }
  const one = iso(state.country) || iso(state.actor) || iso(state.recipient);
  if (one) return { level: 'country', key: one, path: `/api/series/countries/${one}` };
  return null;
}
