// Map of event places on the world basemap of world-atlas (Natural Earth, installed by npm).
import { getJSON } from './api.js';

const d3 = window.d3;
let world = null;

async function basemap() {
  if (!world) {
    const topo = await getJSON('/vendor/countries-110m.json');
    world = window.topojson.feature(topo, topo.objects.countries);
  }
  return world;
}

export async function drawMap(container, places, onPick) {
  const countries = await basemap();
  container.replaceChildren();
  const width = Math.max(320, container.clientWidth || 600);
  const height = Math.round(width * 0.52);
  const projection = d3.geoNaturalEarth1().fitSize([width, height], { type: 'Sphere' });
  const path = d3.geoPath(projection);
  const svg = d3.select(container).append('svg')
    .attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height)
    .attr('role', 'img').attr('aria-label', 'map of event places');
  const layer = svg.append('g');
  layer.append('path').attr('class', 'sphere').attr('d', path({ type: 'Sphere' }));
  layer.append('g').attr('class', 'land').selectAll('path').data(countries.features).join('path')
    .attr('d', path).append('title').text((f) => f.properties.name);
  const radius = d3.scaleSqrt().domain([0, d3.max(places, (p) => p.events) || 1]).range([0, 14]);
  const colour = (p) => d3.interpolateRdYlBu(1 - p.conflict / Math.max(1, p.events));
  const dots = layer.append('g').attr('class', 'dots').selectAll('circle')
    .data([...places].sort((a, b) => b.events - a.events)).join('circle')
    .attr('data-testid', 'map-dot')
    .attr('transform', (p) => `translate(${projection([p.lon, p.lat])})`)
    .attr('r', (p) => Math.max(2.5, radius(p.events)))
    .attr('fill', colour)
    .on('click', (event, p) => onPick(p));
  dots.append('title').text((p) => `${p.name} (${p.country || '?'}): ${p.events} events, ${p.conflict} conflict, ${p.cooperation} cooperation`);
  const zoom = d3.zoom().scaleExtent([1, 40]).on('zoom', (event) => {
    layer.attr('transform', event.transform);
    dots.attr('r', (p) => Math.max(2.5, radius(p.events)) / event.transform.k);
  });
  svg.call(zoom);
  fitToPlaces(svg, zoom, projection, places, width, height);
}

// Start zoomed on the places, so a regional crisis is not a dot on a world map.
function fitToPlaces(svg, zoom, projection, places, width, height) {
  if (!places.length) return;
  const xy = places.map((p) => projection([p.lon, p.lat]));
  const [x0, x1] = d3.extent(xy, (p) => p[0]);
  const [y0, y1] = d3.extent(xy, (p) => p[1]);
  const k = Math.min(8, 0.8 / Math.max((x1 - x0 + 40) / width, (y1 - y0 + 40) / height));
  if (k < 1.5) return; // the places span the world: keep the whole map
  const scale = k;
  const transform = d3.zoomIdentity.translate(width / 2, height / 2).scale(scale)
    .translate(-(x0 + x1) / 2, -(y0 + y1) / 2);
  svg.call(zoom.transform, transform);
}
