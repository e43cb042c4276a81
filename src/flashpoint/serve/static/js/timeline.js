// Timeline of one dyad or country: cooperation counts up, conflict counts down, per period,
// with the days the monitor raised an alert marked.
import { el } from './format.js';

const d3 = window.d3;
const STEP = { day: d3.timeDay, week: d3.timeMonday, month: d3.timeMonth };

function parseDay(text) {
  const [y, m, d] = text.split('-').map(Number);
  return new Date(y, m - 1, d);
}

export function drawTimeline(container, series, alerts) {
  container.replaceChildren();
  if (!series) {
    container.append(el('p', { class: 'empty' }, 'Pick a dyad or a country to see its timeline.'));
    return;
  }
  if (!series.rows.length) {
    container.append(el('p', { class: 'empty' }, `No asserted events for ${series.key} in this period.`));
    return;
  }
  const width = Math.max(320, container.clientWidth || 800);
  const height = 230;
  const margin = { top: 18, right: 12, bottom: 24, left: 34 };
  const step = STEP[series.freq] || d3.timeDay;
  const rows = series.rows.map((r) => ({ ...r, t: parseDay(r.period) }));
  const days = alerts.map((a) => ({ ...a, t: parseDay(a.day) }));
  const times = [...rows.map((r) => r.t), ...days.map((a) => step.floor(a.t))];
  const x = d3.scaleTime()
    .domain([d3.min(times), step.offset(d3.max(times), 1)])
    .range([margin.left, width - margin.right]);
  const top = d3.max(rows, (r) => r.cooperation) || 1;
  const bottom = d3.max(rows, (r) => r.conflict) || 1;
  const y = d3.scaleLinear().domain([-bottom, top]).nice().range([height - margin.bottom, margin.top]);
  const svg = d3.select(container).append('svg')
    .attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height)
    .attr('role', 'img').attr('aria-label', `events per ${series.freq} for ${series.key}`);
  const barWidth = (r) => Math.max(1.5, x(step.offset(r.t, 1)) - x(r.t) - 1);
  svg.append('g').attr('class', 'bars coop').selectAll('rect').data(rows).join('rect')
    .attr('x', (r) => x(r.t)).attr('width', barWidth)
    .attr('y', (r) => y(r.cooperation)).attr('height', (r) => y(0) - y(r.cooperation))
    .append('title').text((r) => `${r.period}: ${r.cooperation} cooperative of ${r.events} events`);
  svg.append('g').attr('class', 'bars conflict').selectAll('rect').data(rows).join('rect')
    .attr('x', (r) => x(r.t)).attr('width', barWidth)
    .attr('y', y(0)).attr('height', (r) => y(-r.conflict) - y(0))
    .append('title').text((r) => `${r.period}: ${r.conflict} conflictual of ${r.events} events`);
  svg.append('line').attr('class', 'zero').attr('x1', margin.left).attr('x2', width - margin.right)
    .attr('y1', y(0)).attr('y2', y(0));
  const marker = svg.append('g').attr('class', 'alert-markers').selectAll('g').data(days).join('g')
    .attr('class', 'alert-marker').attr('data-testid', 'alert-marker')
    .attr('transform', (a) => `translate(${x(a.t) + 1},0)`);
  marker.append('line').attr('y1', margin.top).attr('y2', height - margin.bottom);
  marker.append('path').attr('d', `M-5,${margin.top - 10}L5,${margin.top - 10}L0,${margin.top - 2}Z`);
  marker.append('title').text((a) => `${a.day} ${a.rule}: ${a.message}`);
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - margin.bottom})`)
    .call(d3.axisBottom(x).ticks(Math.max(2, Math.floor(width / 110))).tickSizeOuter(0));
  svg.append('g').attr('class', 'axis').attr('transform', `translate(${margin.left},0)`)
    .call(d3.axisLeft(y).ticks(5).tickFormat((v) => Math.abs(v)));
}
