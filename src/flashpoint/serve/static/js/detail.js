// The event panel: every report of the event, its sentence with the trigger, actor, recipient,
// place and date marked, and a link to the article (shown here, with the sentence marked).
import { getJSON } from './api.js';
import { el, who, QUAD_LABELS } from './format.js';

export const ROLES = ['trigger', 'actor', 'recipient', 'place', 'date'];

// An article's URL comes from the page that was read: link it only when it is plain web.
function webUrl(url) {
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol) ? url : null;
  } catch {
    return null;
  }
}

// Cut a text at every mark boundary; each piece knows the roles that cover it, so marks that
// overlap (a recipient inside a trigger phrase) both stay visible.
export function segments(text, allMarks, roles = ROLES) {
  const marks = allMarks.filter((m) => m.end > m.start);
  const cuts = new Set([0, text.length]);
  for (const m of marks) {
    cuts.add(Math.max(0, Math.min(text.length, m.start)));
    cuts.add(Math.max(0, Math.min(text.length, m.end)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i < points.length - 1; i += 1) {
    const [a, b] = [points[i], points[i + 1]];
    if (a === b) continue;
    const covering = roles.filter((role) => marks.some((m) => m.role === role && m.start <= a && b <= m.end));
    pieces.push({ text: text.slice(a, b), roles: covering });
  }
  return pieces;
}

export function markedText(text, marks, testid) {
  const node = el('p', { class: 'sentence', dataset: { testid } });
  for (const piece of segments(text, marks)) {
    if (!piece.roles.length) {
      node.append(piece.text);
      continue;
    }
    node.append(el('mark', {
      class: piece.roles.map((r) => `hl hl-${r}`).join(' '),
      title: piece.roles.join(', '),
      dataset: { roles: piece.roles.join(' ') },
    }, piece.text));
  }
  return node;
}

function legend() {
  return el('p', { class: 'mark-legend' }, ROLES.map((r) => el('mark', { class: `hl hl-${r}` }, r)));
}

function headline(event) {
  const parts = [who(event.actor) || '—', '→', who(event.recipient) || '—'];
  return el('div', { class: 'detail-head' },
    el('h2', {}, `${event.event_type}${event.mode ? ` (${event.mode})` : ''}`),
    el('p', { class: 'dyad' }, parts.join(' ')),
    el('p', { class: 'meta' },
      `${event.date || 'undated'} · ${event.modality} · ${QUAD_LABELS[event.quad_class] || ''}`
      + ` · Goldstein ${event.goldstein} · CAMEO ${event.cameo}`
      + (event.location ? ` · ${event.location.name}` : '')));
}

function mentionBlock(mention, onArticle) {
  const article = mention.article || {};
  const ev = mention.event;
  const links = el('p', { class: 'links' },
    el('a', {
      href: `#article=${encodeURIComponent(ev.article_id)}&event=${encodeURIComponent(ev.event_id)}`,
      dataset: { testid: 'article-link' },
      onclick: (e) => { e.preventDefault(); onArticle(ev.article_id, mention); },
    }, 'Open the article'),
    webUrl(article.url) ? el('a', { href: webUrl(article.url), rel: 'noreferrer noopener', target: '_blank', class: 'external' },
      'original page') : null);
  return el('section', { class: 'mention' },
    el('p', { class: 'source' }, `${article.source || ''} · ${article.published || ''} — ${article.title || ev.article_id}`),
    markedText(ev.sentence || '', mention.marks, 'sentence'),
    links);
}

export async function showEvent(panel, eventId, onClose) {
  const body = panel.querySelector('#detail-body');
  body.replaceChildren(el('p', {}, 'loading…'));
  panel.hidden = false;
  let detail;
  try {
    detail = await getJSON(`/api/events/${encodeURIComponent(eventId)}`);
  } catch (error) {
    body.replaceChildren(el('p', { class: 'error' }, error.message));
    return;
  }
  const openArticle = (articleId, mention) => showArticle(panel, articleId, mention, () => showEvent(panel, eventId, onClose));
  body.replaceChildren(
    headline(detail.event),
    legend(),
    el('p', { class: 'hint' }, `${detail.mentions.length} report(s) from ${detail.event.num_sources ?? 1} source(s)`),
    ...detail.mentions.map((m) => mentionBlock(m, openArticle)),
  );
  panel.querySelector('#detail-close').onclick = onClose;
}

export async function showArticle(panel, articleId, mention, back) {
  const body = panel.querySelector('#detail-body');
  let article;
  try {
    article = await getJSON(`/api/articles/${encodeURIComponent(articleId)}`);
  } catch (error) {
    body.replaceChildren(el('p', { class: 'error' }, error.message));
    return;
  }
  const marks = [];
  if (mention && mention.sentence_start !== null && mention.sentence_start !== undefined) {
    const ev = mention.event;
    const start = mention.sentence_start;
    marks.push({ role: 'sentence', start, end: start + (ev.sentence || '').length });
    for (const m of mention.marks) marks.push({ ...m, start: m.start + start, end: m.end + start });
  }
  const text = el('div', { class: 'article-text', dataset: { testid: 'article-text' } });
  for (const piece of segments(article.text, marks, ['sentence', ...ROLES])) {
    if (!piece.roles.length) text.append(piece.text);
    else text.append(el('mark', { class: piece.roles.map((r) => `hl hl-${r}`).join(' ') }, piece.text));
  }
  body.replaceChildren(
    el('p', {}, el('a', { href: '#', onclick: (e) => { e.preventDefault(); back(); } }, '‹ back to the event')),
    el('h2', { dataset: { testid: 'article-title' } }, article.title || article.article_id),
    el('p', { class: 'meta' }, `${article.source || ''} · ${article.published || ''} · ${article.events.length} event mention(s)`),
    webUrl(article.url) ? el('p', {}, el('a', { href: webUrl(article.url), rel: 'noreferrer noopener', target: '_blank', class: 'external' }, article.url)) : null,
    text,
  );
  const first = text.querySelector('.hl-sentence');
  if (first) first.scrollIntoView({ block: 'center' });
}
