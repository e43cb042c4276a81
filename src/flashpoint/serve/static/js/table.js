// The event table: one row per event; a click opens the event panel.
import { el, who } from './format.js';

export function drawTable(tbody, events, { onOpen, selected }) {
  tbody.replaceChildren();
  if (!events.length) {
    tbody.append(el('tr', {}, el('td', { colspan: 8, class: 'empty' }, 'No events match the filters.')));
    return;
  }
  for (const e of events) {
    const row = el('tr', {
      class: `quad-${e.quad_class}${e.event_id === selected ? ' selected' : ''}`,
      tabindex: 0,
      dataset: { testid: 'event-row', eventId: e.event_id },
      onclick: () => onOpen(e.event_id),
      onkeydown: (k) => { if (k.key === 'Enter') onOpen(e.event_id); },
    },
    el('td', { class: 'date' }, e.date || ''),
    el('td', {}, el('span', { class: `type q${e.quad_class}` }, e.event_type)),
    el('td', { title: e.actor ? e.actor.text : '' }, who(e.actor)),
    el('td', { title: e.recipient ? e.recipient.text : '' }, who(e.recipient)),
    el('td', { class: `modality ${e.modality}` }, e.modality),
    el('td', {}, e.location ? e.location.name : ''),
    el('td', { class: 'trigger', title: e.sentence || '' }, e.trigger.text),
    el('td', { class: 'num' }, e.num_sources ?? (e.sources || []).length));
    tbody.append(row);
  }
}
