// Calls to this server's API; every URL is relative, so the page reaches nothing else.

export function queryString(params) {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    for (const v of Array.isArray(value) ? value : [value]) qs.append(key, String(v));
  }
  const text = qs.toString();
  return text ? `?${text}` : '';
}

export async function getJSON(path, params = {}) {
  const response = await fetch(path + queryString(params), { headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(`${body.code || response.status}: ${body.detail || response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

// The event filters of the API (GET /api/events, /api/places, /api/network) from the state.
export function eventParams(state) {
  return {
    actor: state.actor,
    recipient: state.recipient,
    country: state.country,
    since: state.since,
    until: state.until,
    type: state.types,
    modality: state.modality,
    q: state.q,
    place: state.place,
  };
}
