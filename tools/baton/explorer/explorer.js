// baton explorer: a small single-page app over the JSON API of `baton explorer` (no framework,
// nothing loaded from the network but this server). Pages are URL fragments:
//   #/                                  resource types and file summary
//   #/resources?type=T&q=S&token=X      resources, search and paging
//   #/resource/T/ID                     one resource: details, entitlements, grants
//   #/access/T/ID                       a principal's effective access
//   #/path/T/ID?entitlement=E           why the principal holds E: the expansion graph
// A "go" parameter makes a page follow its first result: go=access,path on a search opens the
// first match's access, then the path of its first expanded entitlement (used by the tests).
'use strict';

const main = document.getElementById('main');
const crumbs = document.getElementById('crumbs');
const SVGNS = 'http://www.w3.org/2000/svg';

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'onclick' || k === 'onsubmit') el[k] = v; else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const kid of kids) el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return el;
}

const enc = encodeURIComponent;
const link = (hash, text, attrs) => h('a', Object.assign({ href: hash }, attrs || {}), text);
const rid = (r) => (r && r.id) || {};
const name = (r) => (r && (r.display_name || rid(r).resource)) || '';

async function api(path) {
  const resp = await fetch('/api/' + path, { headers: { Accept: 'application/json' } });
  let body;
  try { body = await resp.json(); } catch (e) { throw new Error('HTTP ' + resp.status); }
  if (!resp.ok) throw new Error(body.error || ('HTTP ' + resp.status));
  return body;
}

function setCrumbs(...items) {
  crumbs.replaceChildren();
  items.forEach((it, i) => {
    if (i) crumbs.append(h('span', { class: 'sep' }, '›'));
    crumbs.append(typeof it === 'string' ? h('span', {}, it) : it);
  });
}

function show(...nodes) { main.replaceChildren(...nodes); }
function fail(err) { show(h('p', { class: 'error', id: 'error' }, String(err.message || err))); }
function go(hash) { location.hash = hash; }

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query || '');
  return { parts, params };
}

// Remaining automatic steps after this one.
function nextGo(params) {
  const steps = (params.get('go') || '').split(',').filter(Boolean);
  return { step: steps[0], rest: steps.slice(1).join(',') };
}

async function pageHome() {
  setCrumbs('Resource types');
  const [info, types] = await Promise.all([api('info'), api('resourceTypes?page_size=1000')]);
  const c = info.data.counts;
  const list = types.data.resource_types || [];
  show(
    h('h1', {}, 'Resource types'),
    h('div', { class: 'cards', id: 'types' }, list.map((o) => {
      const rt = o.resource_type;
      return h('div', { class: 'card type-card', 'data-id': rt.id },
        h('div', { class: 'big' }, link('#/resources?type=' + enc(rt.id), rt.display_name || rt.id)),
        h('div', { class: 'muted' }, rt.id));
    })),
    h('h2', {}, 'This file'),
    h('div', { class: 'kv', id: 'summary' },
      h('span', {}, 'Sync'), h('span', {}, info.data.sync_id || '-'),
      h('span', {}, 'Resources'), h('span', {}, c.resources),
      h('span', {}, 'Entitlements'), h('span', {}, c.entitlements),
      h('span', {}, 'Grants'), h('span', {}, c.grants),
      h('span', {}, 'Expansion edges'), h('span', {}, info.data.expansion_edges)));
}

async function pageResources(params) {
  const type = params.get('type') || '';
  const q = params.get('q') || '';
  const token = params.get('token') || '';
  setCrumbs(link('#/', 'Resource types'), type || 'all resources');
  let url = 'resources?page_size=50';
  if (type) url += '&resource_type_id=' + enc(type);
  if (q) url += '&q=' + enc(q);
  if (token) url += '&page_token=' + enc(token);
  const res = await api(url);
  const list = res.data.resources || [];
  const { step, rest } = nextGo(params);
  if (step === 'access' && list.length) {
    const id = rid(list[0].resource);
    return go('#/access/' + enc(id.resource_type) + '/' + enc(id.resource) + (rest ? '?go=' + rest : ''));
  }
  const input = h('input', { type: 'search', name: 'q', id: 'q', placeholder: 'Search by name or id', value: q });
  const form = h('form', { class: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    go('#/resources?type=' + enc(type) + '&q=' + enc(input.value));
  } }, input, h('button', { type: 'submit' }, 'Search'));
  const rows = list.map((o) => {
    const r = o.resource, id = rid(r);
    const base = enc(id.resource_type) + '/' + enc(id.resource);
    return h('tr', { class: 'res-row', 'data-id': id.resource },
      h('td', {}, link('#/resource/' + base, name(r))),
      h('td', {}, id.resource),
      h('td', {}, (o.resource_type && o.resource_type.display_name) || id.resource_type),
      h('td', {}, o.parent ? name(o.parent) : ''),
      h('td', {}, link('#/access/' + base, 'access')));
  });
  const total = res.total_count;
  const back = params.get('back') || '';
  const pageLink = (tok, b) => '#/resources?type=' + enc(type) + (q ? '&q=' + enc(q) : '') +
    (tok ? '&token=' + enc(tok) : '') + (b ? '&back=' + enc(b) : '');
  const prevStack = back ? back.split('|') : [];
  show(
    h('h1', {}, type ? 'Resources of type ' + type : 'Resources'),
    form,
    h('p', { class: 'muted', id: 'result-count' },
      total !== undefined ? total + (q ? ' matching' : '') + ' resource' + (total === 1 ? '' : 's') : list.length + ' shown'),
    list.length ? h('table', { id: 'resources' },
      h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'ID'), h('th', {}, 'Type'), h('th', {}, 'Parent'), h('th', {}, '')),
      rows) : h('p', { class: 'muted' }, 'Nothing found.'),
    h('div', { class: 'pager' },
      h('button', { id: 'prev', disabled: !token, onclick: () => {
        const b = prevStack.slice(0, -1);
        go(pageLink(prevStack[prevStack.length - 1] || '', b.join('|')));
      } }, 'Previous'),
      h('button', { id: 'next', disabled: !res.next_page_token, onclick: () => {
        go(pageLink(res.next_page_token, prevStack.concat([token]).join('|')));
      } }, 'Next')));
  input.focus();
}

async function pageResource(type, id) {
  const base = enc(type) + '/' + enc(id);
  const [det, ents, grants] = await Promise.all([
    api(base),
    api('entitlements?page_size=1000&resource_type_id=' + enc(type) + '&resource_id=' + enc(id)),
    api('grants/' + base + '?page_size=200'),
  ]);
  const r = det.data.resource;
  setCrumbs(link('#/', 'Resource types'), link('#/resources?type=' + enc(type), type), name(r));
  const profile = det.data.profile || {};
  const entList = ents.data.entitlements || [];
  const acc = grants.data.access || [];
  const byType = grants.counts_by_type || {};
  show(
    h('h1', {}, name(r), h('span', { class: 'muted' }, ' (' + type + ')')),
    h('div', { class: 'kv', id: 'details' },
      h('span', {}, 'ID'), h('span', {}, id),
      h('span', {}, 'Type'), h('span', {}, det.data.resource_type.display_name || type),
      det.data.parent ? [h('span', {}, 'Parent'), h('span', {}, name(det.data.parent))] : [],
      r.description ? [h('span', {}, 'Description'), h('span', {}, r.description)] : [],
      Object.entries(profile).map(([k, v]) => [h('span', {}, k), h('span', {}, v)]),
      h('span', {}, 'Access'), h('span', {}, link('#/access/' + base, 'effective access of this principal'))),
    h('h2', {}, 'Entitlements (' + entList.length + ')'),
    entList.length ? h('table', { id: 'entitlements' },
      h('tr', {}, h('th', {}, 'Entitlement'), h('th', {}, 'Slug'), h('th', {}, 'ID')),
      entList.map((o) => h('tr', {}, h('td', {}, o.entitlement.display_name || ''),
        h('td', {}, o.entitlement.slug || ''), h('td', {}, o.entitlement.id)))) : h('p', { class: 'muted' }, 'None.'),
    h('h2', { id: 'grants-title' }, 'Principals with grants (' + (grants.total_count || 0) + ')',
      h('span', { class: 'muted' }, ' ' + Object.entries(byType).map(([k, v]) => k + ': ' + v).join(', '))),
    acc.length ? h('table', { id: 'grants' },
      h('tr', {}, h('th', {}, 'Principal'), h('th', {}, 'Type'), h('th', {}, 'Entitlements')),
      acc.map((a) => {
        const pid = rid(a.resource);
        return h('tr', {},
          h('td', {}, link('#/access/' + enc(pid.resource_type) + '/' + enc(pid.resource), name(a.resource))),
          h('td', {}, (a.resource_type && a.resource_type.display_name) || pid.resource_type),
          h('td', {}, (a.grants || []).map((g, i) => {
            const en = (a.entitlements || [])[i] || {};
            const expanded = g.sources && g.sources.sources && !Object.keys(g.sources.sources).includes(en.id);
            const why = '#/path/' + enc(pid.resource_type) + '/' + enc(pid.resource) + '?entitlement=' + enc(en.id);
            return h('div', {}, en.display_name || en.slug || en.id,
              expanded ? [h('span', { class: 'badge expanded' }, 'expanded'), ' ', link(why, 'why?', { class: 'why' })] : null);
          })));
      })) : h('p', { class: 'muted' }, 'None.'),
    grants.next_page_token ? h('p', { class: 'muted' }, 'First 200 principals shown.') : null);
}

async function pageAccess(type, id, params) {
  const base = enc(type) + '/' + enc(id);
  const res = await api('access/' + base);
  const d = res.data;
  const groups = d.access || [];
  let count = 0;
  groups.forEach((g) => { count += (g.entitlements || []).length; });
  const { step, rest } = nextGo(params);
  if (step === 'path') {
    // Prefer a stored expanded grant that came through more than one group (a source not held
    // directly), then any stored one (it has sources), then any expanded one.
    const rank = (w) => (w.stored ? 1 : 0) + ((w.sources || []).some((x) => !x.is_direct) ? 2 : 0);
    let pick = null;
    for (const g of groups) for (const w of g.how || []) {
      if (w.expanded && (!pick || rank(w) > rank(pick))) pick = w;
    }
    if (pick) return go('#/path/' + base + '?entitlement=' + enc(pick.entitlement_id) + (rest ? '&go=' + rest : ''));
  }
  setCrumbs(link('#/', 'Resource types'), link('#/resources?type=' + enc(type), type),
    link('#/resource/' + base, name(d.principal)), 'access');
  show(
    h('h1', { id: 'access-title' }, 'Effective access of ', h('span', { id: 'principal-name' }, name(d.principal))),
    h('p', { class: 'muted', id: 'access-count' }, count + ' entitlement' + (count === 1 ? '' : 's') + ' on ' +
      groups.length + ' resource' + (groups.length === 1 ? '' : 's')),
    groups.length ? h('table', { id: 'access' },
      h('tr', {}, h('th', {}, 'Resource'), h('th', {}, 'Type'), h('th', {}, 'Entitlement'), h('th', {}, 'How')),
      groups.map((g) => (g.entitlements || []).map((en, i) => {
        const w = (g.how || [])[i] || {};
        const gid = rid(g.resource);
        return h('tr', { class: 'acc-ent', 'data-entitlement': en.id },
          h('td', {}, link('#/resource/' + enc(gid.resource_type) + '/' + enc(gid.resource), name(g.resource))),
          h('td', {}, (g.resource_type && g.resource_type.display_name) || gid.resource_type),
          h('td', {}, en.display_name || en.slug || en.id),
          h('td', {},
            w.direct ? h('span', { class: 'badge direct' }, 'direct') : null,
            w.expanded ? h('span', { class: 'badge expanded' }, 'expanded') : null,
            w.expanded && !w.stored ? h('span', { class: 'badge computed' }, 'not yet in file') : null,
            w.expanded ? [' ', link('#/path/' + base + '?entitlement=' + enc(en.id), 'why?', { class: 'why' })] : null));
      }))) : h('p', { class: 'muted' }, 'No access.'));
}

// Layers by longest distance from the principal (bounded, so a cycle cannot loop); nodes stacked
// in each layer.
function layout(nodes, edges) {
  const layer = new Map(nodes.map((n) => [n.id, n.kind === 'principal' ? 0 : 1]));
  for (let round = 0; round < nodes.length; round++) {
    let changed = false;
    for (const e of edges) {
      if (!layer.has(e.from) || !layer.has(e.to)) continue;
      const want = layer.get(e.from) + 1;
      if (want > layer.get(e.to) && want <= nodes.length) { layer.set(e.to, want); changed = true; }
    }
    if (!changed) break;
  }
  let maxLayer = 0;
  nodes.forEach((n) => { if (!layer.has(n.id)) layer.set(n.id, 1); maxLayer = Math.max(maxLayer, layer.get(n.id)); });
  // the target goes last
  const target = nodes.find((n) => n.target);
  if (target && layer.get(target.id) < maxLayer) layer.set(target.id, maxLayer);
  const W = 190, H = 46, GX = 120, GY = 22;
  // room above the rows for the arcs of edges that skip columns
  const TOP = edges.some((e) => layer.has(e.from) && layer.has(e.to) && layer.get(e.to) - layer.get(e.from) !== 1) ? 70 : 20;
  const rows = new Map();
  const pos = new Map();
  nodes.forEach((n) => {
    const l = layer.get(n.id);
    const r = rows.get(l) || 0;
    rows.set(l, r + 1);
    pos.set(n.id, { x: 20 + l * (W + GX), y: TOP + r * (H + GY) });
  });
  const height = TOP + 20 + Math.max(...rows.values()) * (H + GY);
  const width = 40 + (maxLayer + 1) * (W + GX) - GX;
  return { pos, W, H, GX, width, height };
}

function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + '…' : text; }

function drawGraph(d) {
  const nodes = d.nodes, edges = d.edges;
  const { pos, W, H, GX, width, height } = layout(nodes, edges);
  const svg = s('svg', { id: 'path-graph', width, height, viewBox: `0 0 ${width} ${height}`, 'data-entitlement': d.entitlement.id,
    'data-nodes': nodes.length, 'data-edges': edges.length, role: 'img' });
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8793b5' }))));
  edges.forEach((e) => {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) return;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    // Edges to the next column go straight across; longer ones (and backward ones, in a cycle)
    // arc above the rows so they do not run through the boxes between.
    const back = x2 <= x1;
    const long = back || x2 - x1 > GX + 1;
    const dx = back ? 80 : (x2 - x1) / 2;
    const top = Math.max(4, Math.min(y1, y2) - 40 - 6 * Math.min(6, Math.round(Math.abs(x2 - x1) / (W + GX))));
    const path = long
      ? `M${x1},${y1} C${x1 + dx / 2},${top} ${x2 - dx / 2},${top} ${x2},${y2}`
      : `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
    const lx = (x1 + x2) / 2, ly = long ? top + 18 : (y1 + y2) / 2 - 6;
    const label = e.kind === 'direct' ? 'direct grant'
      : 'via ' + ((e.via && (e.via.display_name || e.via.resource)) || '') + (e.shallow ? ' (shallow)' : '');
    svg.append(s('g', { class: 'edge ' + e.kind, 'data-from': e.from, 'data-to': e.to },
      s('title', {}, e.grant_id ? 'grant ' + e.grant_id : ''),
      s('path', { d: path, 'marker-end': 'url(#arrow)' }),
      // long direct edges stay unlabelled (green says it): their labels would pile up
      long && e.kind === 'direct' ? s('g', {}) : s('text', { x: lx, y: ly, 'text-anchor': 'middle' }, clip(label, 20))));
  });
  nodes.forEach((n) => {
    const p = pos.get(n.id);
    const cls = 'node ' + n.kind + (n.target ? ' target' : '') + (n.source ? ' source' : '');
    const line2 = n.kind === 'principal' ? n.resource_type : (n.resource + ' (' + n.resource_type + ')');
    svg.append(s('g', { class: cls, 'data-id': n.id, transform: `translate(${p.x},${p.y})` },
      s('title', {}, n.id),
      s('rect', { width: W, height: H }),
      s('text', { x: 10, y: 20, 'font-weight': 600 }, clip(n.label || n.id, 26)),
      s('text', { x: 10, y: 38, fill: '#6b7385' }, clip(line2 || '', 28))));
  });
  return svg;
}

async function pagePath(type, id, params) {
  const base = enc(type) + '/' + enc(id);
  const ent = params.get('entitlement') || '';
  const res = await api('path/' + base + '?entitlement_id=' + enc(ent));
  const d = res.data;
  setCrumbs(link('#/', 'Resource types'), link('#/resource/' + base, name(d.principal)),
    link('#/access/' + base, 'access'), 'why');
  const en = d.entitlement;
  const sources = d.sources || [];
  show(
    h('h1', { id: 'path-title' }, 'Why ', name(d.principal), ' has ', en.display_name || en.slug || en.id),
    h('p', { class: 'muted', id: 'path-summary' },
      (d.direct ? 'Granted directly' : 'Inherited through grant expansion') +
      (d.stored ? '' : ' (not yet stored in the file: the sync is not expanded)') +
      ' — ' + d.nodes.length + ' nodes, ' + d.edges.length + ' edges' + (d.truncated ? ' (truncated)' : '')),
    h('div', { class: 'graph' }, drawGraph(d)),
    h('p', { class: 'muted legend' }, 'Green: a grant the principal holds directly. Grey: grant expansion — the members of the group named on the arrow get the entitlement it points to. Dashed: a source recorded on the stored grant. Orange: the entitlement explained.'),
    h('h2', {}, 'Sources of the stored grant'),
    sources.length ? h('ul', { class: 'sources', id: 'sources' }, sources.map((src) =>
      h('li', { 'data-id': src.entitlement_id }, src.entitlement_id,
        h('span', { class: 'badge ' + (src.is_direct ? 'direct' : 'expanded') }, src.is_direct ? 'held directly' : 'inherited'))))
      : h('p', { class: 'muted' }, d.grant_id ? 'None: the grant is direct.' : 'No stored grant.'),
    d.grant_id ? h('p', { class: 'muted' }, 'Grant ' + d.grant_id) : null);
}

async function route() {
  const { parts, params } = parseHash();
  try {
    if (!parts.length) await pageHome();
    else if (parts[0] === 'resources') await pageResources(params);
    else if (parts[0] === 'resource' && parts.length === 3) await pageResource(parts[1], parts[2]);
    else if (parts[0] === 'access' && parts.length === 3) await pageAccess(parts[1], parts[2], params);
    else if (parts[0] === 'path' && parts.length === 3) await pagePath(parts[1], parts[2], params);
    else throw new Error('No such page: ' + location.hash);
    document.body.setAttribute('data-page', parts[0] || 'home');
  } catch (err) {
    fail(err);
  }
}

async function start() {
  try {
    const info = await api('info');
    document.getElementById('fileinfo').textContent = info.data.file.split('/').pop() + ' · sync ' + (info.data.sync_id || '-');
  } catch (err) { /* the page shows errors itself */ }
  window.addEventListener('hashchange', route);
  route();
}

start();
