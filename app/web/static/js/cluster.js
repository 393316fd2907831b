// The cluster overview (GET /api/v1/overview): counts, pods by phase, requests / limits against allocatable
// per node as bars, nodes and namespaces tables, and the analyzers' problems.
import { getJSON } from './api.js';
import { append, clear, formatBytes, formatCpu, formatTime, h } from './dom.js';
import { LANG, t } from './i18n.js';

const COUNT_KEYS = ['nodes', 'namespaces', 'pods', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs',
  'services', 'persistentvolumeclaims', 'secrets'];
const FORMAT = { cpu: formatCpu, memory: formatBytes };

function bar(used, total, kind) {
  const share = total ? Math.min(used / total, 1) : 0;
  const fill = h('div', { class: `fill fill-${kind}${used > total && total ? ' over' : ''}` });
  fill.style.width = `${(share * 100).toFixed(1)}%`; // CSSOM, allowed by the CSP (no style attribute)
  return h('div', { class: 'bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100,
    'aria-valuenow': Math.round((total ? used / total : 0) * 100), 'aria-label': kind }, fill);
}

function usage(resource, values) {
  const fmt = FORMAT[resource];
  return h('div', { class: 'usage' },
    ['requests', 'limits'].map((key) => h('div', { class: 'usage-row' },
      h('span', { class: 'usage-label' }, t(key)), bar(values[key], values.allocatable, key),
      h('span', { class: 'usage-value' }, `${fmt(values[key])} / ${fmt(values.allocatable)}`,
        values.allocatable ? ` (${Math.round((values[key] / values.allocatable) * 100)}%)` : ''))));
}

function table(id, columns, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data', id },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c)))))));
}

export async function renderCluster(view) {
  const status = h('p', { class: 'muted', role: 'status' }, t('loading'));
  clear(view).append(h('h1', {}, t('overview')), status);
  let data;
  try {
    data = await getJSON('/api/v1/overview');
  } catch (error) {
    status.textContent = `${t('failed')}: ${error.message}`;
    return;
  }
  status.textContent = `${t('measured')} ${formatTime(data.measured_at)}`;
  const counts = h('div', { class: 'cards', id: 'counts' }, COUNT_KEYS.map((key) => {
    const value = data.counts[key];
    const extra = key === 'nodes' ? ` (${data.counts.nodes_ready} ${t('ready')})` : '';
    return h('div', { class: 'card', dataset: { count: key } }, h('div', { class: 'card-value' }, value ?? '–'),
      h('div', { class: 'card-label' }, t(key), extra));
  }));
  const totalPods = Object.values(data.pods_by_phase).reduce((a, b) => a + b, 0) || 1;
  const phaseBar = h('div', { class: 'stacked', role: 'img', 'aria-label': t('pods_by_phase') },
    Object.entries(data.pods_by_phase).map(([phase, n]) => {
      const seg = h('div', { class: `seg phase-${phase.toLowerCase()}`, title: `${phase}: ${n}` });
      seg.style.width = `${(n / totalPods) * 100}%`;
      return seg;
    }));
  const phases = h('section', { class: 'panel', id: 'phases' }, h('h2', {}, t('pods_by_phase')), phaseBar,
    h('ul', { class: 'legend' }, Object.entries(data.pods_by_phase).map(([phase, n]) =>
      h('li', {}, h('span', { class: `dot phase-${phase.toLowerCase()}` }), `${phase} ${n}`))),
    Object.keys(data.pods_by_problem).length ? [h('h3', {}, t('pods_by_problem')),
      h('ul', { class: 'chips' }, Object.entries(data.pods_by_problem).map(([reason, n]) =>
        h('li', { class: 'chip chip-warn' }, `${reason} ${n}`)))] : null);
  const capacity = h('section', { class: 'panel', id: 'capacity' }, h('h2', {}, t('capacity')),
    h('div', { class: 'node-usage cluster-wide' }, h('h3', {}, t('cluster')),
      h('div', { class: 'pair' }, h('div', {}, h('h4', {}, t('cpu')), usage('cpu', data.resources.cpu)),
        h('div', {}, h('h4', {}, t('memory')), usage('memory', data.resources.memory)))),
    data.nodes.map((node) => h('div', { class: 'node-usage', dataset: { node: node.name } },
      h('h3', {}, node.name, ' ', h('span', { class: `badge ${node.ready ? 'ok' : 'bad'}` }, node.status)),
      h('div', { class: 'pair' }, h('div', {}, h('h4', {}, t('cpu')), usage('cpu', node.cpu)),
        h('div', {}, h('h4', {}, t('memory')), usage('memory', node.memory))))));
  const nodes = h('section', { class: 'panel' }, h('h2', {}, t('nodes')), table('nodes-table',
    [t('name'), t('status'), t('roles'), t('version'), t('os'), t('runtime'), t('pods'), t('pressure')],
    data.nodes.map((n) => [n.name, h('span', { class: `badge ${n.ready ? 'ok' : 'bad'}` }, n.status), n.roles.join(', '),
      n.kubelet_version || '–', `${n.os_image || '–'} / ${n.kernel_version || '–'}`, n.container_runtime || '–',
      `${n.pods}${n.pods_allocatable ? ` / ${n.pods_allocatable}` : ''}`,
      n.pressure.length ? h('span', { class: 'badge bad' }, n.pressure.join(', ')) : '–'])));
  const namespaces = h('section', { class: 'panel' }, h('h2', {}, t('namespaces')), table('namespaces-table',
    [t('name'), t('status'), t('pods'), t('workloads'), t('services'), t('created')],
    data.namespaces.map((n) => [n.name, n.status || '–', String(n.pods), String(n.workloads), String(n.services),
      formatTime(n.created)])));
  const problems = h('section', { class: 'panel', id: 'problems' },
    h('h2', {}, `${t('problems')} (${data.problems_total})`),
    data.problems.length ? h('ul', { class: 'problems' }, data.problems.map((p) => h('li', { class: `problem sev-${p.severity}` },
      h('span', { class: `badge sev-${p.severity}` }, p.severity), ' ', h('strong', {}, p.reason), ' ',
      h('code', {}, `${p.object.kind} ${p.object.namespace ? `${p.object.namespace}/` : ''}${p.object.name}`),
      h('p', {}, LANG === 'zh' && p.message_zh ? p.message_zh : p.message),
      p.runbook ? h('a', { href: `#/runbooks/${encodeURIComponent(p.runbook)}`, class: 'chip' }, p.runbook) : null)))
      : h('p', { class: 'muted' }, t('no_problems')));
  const unavailable = Object.entries(data.unavailable || {});
  append(view, [counts, phases, capacity, nodes, namespaces, problems,
    unavailable.length ? h('section', { class: 'panel' }, h('h2', {}, t('unavailable')),
      h('ul', {}, unavailable.map(([k, v]) => h('li', {}, `${k}: ${v}`)))) : null]);
}
