// The alert feed: what the monitor raised, newest first; a click shows that dyad or country.
import { el } from './format.js';

export function drawAlerts(list, payload, onPick) {
  list.replaceChildren();
  if (payload.monitoring !== 'ok') {
    list.append(el('li', { class: 'empty' }, `Monitoring is ${payload.monitoring}.`));
    return;
  }
  if (!payload.alerts.length) {
    list.append(el('li', { class: 'empty' }, 'No alerts stored. `flashpoint monitor --watchlists FILE` (or `watch`) raises and stores them; `backtest` only reports.'));
    return;
  }
  for (const a of payload.alerts) {
    list.append(el('li', {
      class: `alert ${a.detector}`,
      tabindex: 0,
      dataset: { testid: 'alert-item' },
      onclick: () => onPick(a),
      onkeydown: (k) => { if (k.key === 'Enter') onPick(a); },
    },
    el('span', { class: 'day' }, a.day),
    el('span', { class: 'key' }, a.key),
    el('span', { class: 'rule' }, `${a.rule} · ${a.detector}`),
    el('span', { class: 'message' }, a.message)));
  }
}
