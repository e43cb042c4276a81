// Dyad network: countries as nodes, arrows from actor to recipient weighted by event counts.
import { el } from './format.js';

const d3 = window.d3;

export function drawNetwork(container, data, { onCountry, onDyad }) {
  container.replaceChildren();
  if (!data.edges.length) {
    container.append(el('p', { class: 'empty' }, 'No events between two countries match the filters.'));
    return;
  }
  const width = Math.max(320, container.clientWidth || 600);
  const height = 320;
  const nodes = data.nodes.map((n) => ({ ...n }));
  const links = data.edges.map((e) => ({ ...e }));
  const size = d3.scaleSqrt().domain([0, d3.max(nodes, (n) => n.events)]).range([4, 22]);
  const thick = d3.scaleSqrt().domain([0, d3.max(links, (l) => l.events)]).range([0.8, 7]);
  const colour = (l) => d3.interpolateRdYlBu(1 - l.conflict / Math.max(1, l.events));
  // A fixed number of ticks, run before drawing: the same data gives the same picture.
  const simulation = d3.forceSimulation(nodes)
    .force('link', d3.forceLink(links).id((n) => n.id).distance(95))
    .force('charge', d3.forceManyBody().strength(-260))
    .force('collide', d3.forceCollide((n) => size(n.events) + 10))
    .force('x', d3.forceX(width / 2).strength(0.06))
    .force('y', d3.forceY(height / 2).strength(0.1))
    .stop();
  for (let i = 0; i < 300; i += 1) simulation.tick();
  for (const n of nodes) {
    const r = size(n.events) + 14;
    n.x = Math.max(r, Math.min(width - r, n.x));
    n.y = Math.max(r, Math.min(height - r, n.y));
  }
  const svg = d3.select(container).append('svg')
    .attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height)
    .attr('role', 'img').attr('aria-label', 'dyad network');
  svg.append('defs').append('marker').attr('id', 'arrow').attr('viewBox', '0 -4 8 8')
    .attr('refX', 7).attr('refY', 0).attr('markerWidth', 9).attr('markerHeight', 9)
    .attr('markerUnits', 'userSpaceOnUse')
    .attr('orient', 'auto').append('path').attr('d', 'M0,-4L8,0L0,4').attr('class', 'arrowhead');
  const edge = svg.append('g').attr('class', 'edges').selectAll('path').data(links).join('path')
    .attr('data-testid', 'network-edge')
    .attr('d', (l) => arc(l, size))
    .attr('stroke', colour).attr('stroke-width', (l) => thick(l.events))
    .attr('marker-end', 'url(#arrow)')
    .on('click', (event, l) => onDyad(l.source.id, l.target.id));
  edge.append('title').text((l) => `${l.source.id} → ${l.target.id}: ${l.events} events (${l.conflict} conflict, ${l.cooperation} cooperation)`);
  const node = svg.append('g').attr('class', 'nodes').selectAll('g').data(nodes).join('g')
    .attr('data-testid', 'network-node')
    .attr('transform', (n) => `translate(${n.x},${n.y})`)
    .on('click', (event, n) => onCountry(n.id));
  node.append('circle').attr('r', (n) => size(n.events));
  node.append('text').attr('dy', (n) => -size(n.events) - 3).text((n) => n.id);
  node.append('title').text((n) => `${n.id}: ${n.events} events with other countries`);
}

// A slight curve, so the arrows of A→B and B→A do not overlap; stops at the target's rim.
function arc(l, size) {
  const [sx, sy, tx, ty] = [l.source.x, l.source.y, l.target.x, l.target.y];
  const dist = Math.hypot(tx - sx, ty - sy) || 1;
  const r = size(l.target.events) + 3;
  const ex = tx - ((tx - sx) / dist) * r;
  const ey = ty - ((ty - sy) / dist) * r;
  const bend = dist * 0.6;
  return `M${sx},${sy}A${bend},${bend} 0 0,1 ${ex},${ey}`;
}
