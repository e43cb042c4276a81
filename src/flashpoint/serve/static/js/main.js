// The dashboard: filters in the URL hash drive every view; each view asks the API for itself.
import { eventParams, getJSON, queryString } from './api.js';
import { drawAlerts } from './alerts.js';
import { showEvent } from './detail.js';
import { el } from './format.js';
import { drawMap } from './map.js';
import { drawNetwork } from './network.js';
import { emptyState, readHash, scope, writeHash } from './state.js';
import { drawTable } from './table.js';
import { drawTimeline } from './timeline.js';

const PAGE = 50;
const $ = (id) => document.getElementById(id);
let state = readHash();
let busiest = null; // the dyad with most events: the timeline's subject until one is picked

function setStatus(text, error = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

function fillSelect(select, options) {
  for (const [value, label] of options) select.append(el('option', { value }, label));
}

function setupFilters(meta) {
  const countries = meta.countries.map((c) => [c.code, `${c.code}${c.name ? ` — ${c.name}` : ''} (${c.events})`]);
  fillSelect($('f-actor'), countries);
  fillSelect($('f-recipient'), countries);
  fillSelect($('f-country'), countries);
  fillSelect($('f-dyad'), meta.top_dyads.map((d) => [`${d.actor}>${d.recipient}`, `${d.actor} → ${d.recipient} (${d.events})`]));
  fillSelect($('f-modality'), meta.modalities.map((m) => [m, m]));
  busiest = meta.top_dyads[0] || null;
  const types = $('f-types');
  for (const t of meta.event_types) {
    types.append(el('label', { class: `q${t.quad_class}`, title: t.description },
      el('input', { type: 'checkbox', value: t.name, name: 'type' }), t.name));
  }
  $('store-info').textContent = `${meta.first_date || '?'} to ${meta.last_date || '?'} · ${meta.countries.length} countries`;
  $('f-dyad').addEventListener('change', () => {
    const [a, r] = $('f-dyad').value.split('>');
    $('f-actor').value = a || '';
    $('f-recipient').value = r || '';
    $('f-country').value = '';
  });
}

function ensureOption(select, value) {
  if (value && ![...select.options].some((o) => o.value === value)) select.append(el('option', { value }, value));
}

function stateToControls() {
  for (const key of ['actor', 'recipient', 'country']) ensureOption($(`f-${key}`), state[key]);
  $('f-actor').value = state.actor || '';
  $('f-recipient').value = state.recipient || '';
  $('f-country').value = state.country || '';
  $('f-dyad').value = state.actor && state.recipient ? `${state.actor}>${state.recipient}` : '';
  $('f-since').value = state.since || '';
  $('f-until').value = state.until || '';
  $('f-modality').value = state.modality || '';
  $('f-q').value = state.q || '';
  $('f-place').value = state.place || '';
  $('f-freq').value = state.freq || 'day';
  $('f-oldest').checked = Boolean(state.oldest);
  $('f-mentions').checked = Boolean(state.mentions);
  for (const box of $('f-types').querySelectorAll('input')) box.checked = state.types.includes(box.value);
  $('f-types-count').textContent = state.types.length ? `(${state.types.length})` : '';
}

function controlsToState() {
  return {
    ...emptyState(),
    actor: $('f-actor').value || undefined,
    recipient: $('f-recipient').value || undefined,
    country: $('f-country').value || undefined,
    since: $('f-since').value || undefined,
    until: $('f-until').value || undefined,
    modality: $('f-modality').value || undefined,
    q: $('f-q').value.trim() || undefined,
    place: $('f-place').value.trim() || undefined,
    types: [...$('f-types').querySelectorAll('input:checked')].map((b) => b.value),
    freq: $('f-freq').value,
    oldest: $('f-oldest').checked,
    mentions: $('f-mentions').checked,
  };
}

function apply(next) {
  state = next;
  writeHash(state);
  stateToControls();
  return refresh();
}

async function loadTimeline() {
  const picked = scope(state);
  const target = picked || (busiest && scope({ actor: busiest.actor, recipient: busiest.recipient }));
  const [series, alerts] = target
    ? await Promise.all([
      getJSON(target.path, { freq: state.freq, since: state.since, until: state.until, type: state.types }),
      getJSON('/api/alerts', { level: target.level === 'dyad' ? 'dyad' : undefined, key: target.key, limit: 200 }),
    ])
    : [null, { alerts: [] }];
  const subject = target && target.level === 'dyad' ? target.key.replace('>', ' → ') : `${target ? target.key : ''} (as actor or recipient)`;
  const source = series && series.source === 'monitor' ? "the monitor's series" : 'counted from the events';
  $('timeline-title').textContent = target
    ? `${picked ? '' : 'Busiest dyad, '}${subject}: asserted events per ${state.freq} (${source})${picked ? '' : '; pick a dyad or a country above'}`
    : '';
  const inRange = (a) => (!state.since || a.day >= state.since) && (!state.until || a.day <= state.until);
  drawTimeline($('timeline'), series, alerts.alerts.filter(inRange));
}

async function loadEvents() {
  const params = { ...eventParams(state), offset: state.offset || 0, limit: PAGE, sort: state.oldest ? 'date' : '-date', mentions: state.mentions };
  const page = await getJSON('/api/events', params);
  drawTable($('events-body'), page.events, { onOpen: openEvent, selected: state.event });
  const first = page.events.length ? page.offset + 1 : 0;
  $('page-info').textContent = `${first}–${page.offset + page.events.length}${page.next_offset !== null ? ' +' : ''}`;
  $('prev').disabled = page.offset === 0;
  $('next').disabled = page.next_offset === null;
  const file = { ...eventParams(state), sort: state.oldest ? 'date' : '-date', mentions: state.mentions };
  $('download-csv').href = `/api/events${queryString({ ...file, format: 'csv' })}`;
  $('download-parquet').href = `/api/events${queryString({ ...file, format: 'parquet' })}`;
  return page;
}

async function refresh() {
  document.body.dataset.ready = 'false'; // tests and scripts wait for 'true'
  setStatus('loading…');
  const filters = eventParams(state);
  const jobs = {
    events: loadEvents(),
    timeline: loadTimeline(),
    alerts: getJSON('/api/alerts', { limit: 50 }).then((a) => drawAlerts($('alerts'), a, pickAlert)),
    map: getJSON('/api/places', { ...filters, limit: 1500 }).then((p) => drawMap($('map'), p.places, pickPlace)),
    network: getJSON('/api/network', { ...filters, limit: 120 }).then((n) => drawNetwork($('network'), n, { onCountry: pickCountry, onDyad: pickDyad })),
  };
  const results = await Promise.allSettled(Object.values(jobs));
  const failed = results.map((r, i) => [Object.keys(jobs)[i], r]).filter(([, r]) => r.status === 'rejected');
  const page = results[0].status === 'fulfilled' ? results[0].value : null;
  if (failed.length) setStatus(failed.map(([name, r]) => `${name}: ${r.reason.message}`).join(' · '), true);
  else setStatus(`${page.events.length}${page.next_offset !== null ? '+' : ''} events on this page`);
  document.body.dataset.ready = 'true';
  if (state.event) openEvent(state.event, false);
}

function openEvent(eventId, remember = true) {
  state.event = eventId;
  if (remember) writeHash(state);
  for (const row of document.querySelectorAll('#events-body tr')) row.classList.toggle('selected', row.dataset.eventId === eventId);
  showEvent($('detail'), eventId, closeEvent);
}

function closeEvent() {
  state.event = undefined;
  writeHash(state);
  $('detail').hidden = true;
}

const pickCountry = (code) => apply({ ...state, actor: undefined, recipient: undefined, country: code, offset: 0, event: undefined });
const pickDyad = (a, r) => apply({ ...state, actor: a, recipient: r, country: undefined, offset: 0, event: undefined });
const pickPlace = (p) => apply({ ...state, place: p.name, offset: 0, event: undefined });

function pickAlert(alert) {
  const [a, r] = alert.key.split('>');
  if (alert.level === 'dyad' && r) return pickDyad(a, r);
  if (alert.level === 'country') return pickCountry(a);
  return undefined;
}

function wire() {
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); apply(controlsToState()); });
  $('reset').addEventListener('click', () => apply(emptyState()));
  $('f-freq').addEventListener('change', () => { state.freq = $('f-freq').value; writeHash(state); loadTimeline(); });
  $('f-oldest').addEventListener('change', () => apply({ ...state, oldest: $('f-oldest').checked, offset: 0 }));
  $('f-mentions').addEventListener('change', () => apply({ ...state, mentions: $('f-mentions').checked, offset: 0 }));
  $('prev').addEventListener('click', () => apply({ ...state, offset: Math.max(0, (state.offset || 0) - PAGE) }));
  $('next').addEventListener('click', () => apply({ ...state, offset: (state.offset || 0) + PAGE }));
  $('f-types').addEventListener('change', () => {
    const n = $('f-types').querySelectorAll('input:checked').length;
    $('f-types-count').textContent = n ? `(${n})` : '';
  });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !$('detail').hidden) closeEvent(); });
}

async function start() {
  try {
    setupFilters(await getJSON('/api/meta'));
  } catch (error) {
    setStatus(`cannot reach the API: ${error.message}`, true);
    return;
  }
  wire();
  stateToControls();
  await refresh();
}

start();
