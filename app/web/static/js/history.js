// History: the audit trail, filterable by type, outcome and text; open one to replay it.
import { getJSON } from './api.js';
import { clear, formatTime, h } from './dom.js';
import { t } from './i18n.js';
import { Runner } from './runner.js';

const TYPES = ['pod_crash', 'oom_killed', 'disk_full', 'port_conflict', 'helm_install', 'image_pull', 'pod_pending',
  'node_not_ready', 'network', 'storage', 'cluster_health', 'general'];
const OUTCOMES = ['answered', 'approval_required', 'error', 'cancelled', 'interrupted', 'running'];

export function renderHistory(view) {
  const type = h('select', { id: 'filter-type', 'aria-label': t('type') }, h('option', { value: '' }, t('any_type')),
    TYPES.map((v) => h('option', { value: v }, v)));
  const outcome = h('select', { id: 'filter-outcome', 'aria-label': t('outcome') }, h('option', { value: '' }, t('any_outcome')),
    OUTCOMES.map((v) => h('option', { value: v }, v)));
  const text = h('input', { id: 'filter-text', type: 'search', placeholder: t('filter_text'), 'aria-label': t('filter_text') });
  const body = h('tbody');
  const table = h('table', { class: 'data', id: 'history-table' },
    h('thead', {}, h('tr', {}, [t('when'), t('kind'), t('question_of'), t('type'), t('outcome'), t('tools'), t('tokens'),
      t('duration')].map((c) => h('th', { scope: 'col' }, c)))), body);
  const status = h('p', { class: 'muted', role: 'status' }, t('loading'));
  clear(view).append(h('h1', {}, t('history')),
    h('div', { class: 'controls' }, type, outcome, text, h('button', { type: 'button', onclick: () => load() }, t('refresh'))),
    status, table);
  let rows = [];
  const draw = () => {
    const needle = text.value.trim().toLowerCase();
    const shown = rows.filter((r) => !needle || String(r.question).toLowerCase().includes(needle) || r.id.includes(needle));
    body.replaceChildren(...shown.map((r) => {
      const link = h('a', { href: `#/history/${r.id}` }, r.question);
      const tokens = (r.usage.prompt_tokens || 0) + (r.usage.completion_tokens || 0);
      return h('tr', { dataset: { id: r.id } }, h('td', {}, formatTime(r.started_at)), h('td', {}, r.kind),
        h('td', { class: 'question' }, link), h('td', {}, r.problem_type || '–'),
        h('td', {}, h('span', { class: `outcome outcome-${r.outcome}` }, r.outcome)), h('td', {}, String(r.tool_calls)),
        h('td', {}, String(tokens)), h('td', {}, r.duration_ms === null ? '–' : `${(r.duration_ms / 1000).toFixed(1)} s`));
    }));
    status.textContent = shown.length ? '' : t('no_history');
  };
  const load = async () => {
    const query = new URLSearchParams({ limit: '200' });
    if (type.value) query.set('problem_type', type.value);
    if (outcome.value) query.set('outcome', outcome.value);
    try {
      rows = (await getJSON(`/investigations?${query}`)).investigations;
      draw();
    } catch (error) {
      status.textContent = `${t('failed')}: ${error.message}`;
    }
  };
  type.addEventListener('change', load);
  outcome.addEventListener('change', load);
  text.addEventListener('input', draw);
  load();
}

export async function renderReplay(view, id) {
  const output = h('section', { id: 'investigation', class: 'investigation' });
  const summary = h('div', { class: 'summary' });
  clear(view).append(h('p', {}, h('a', { href: '#/history' }, `← ${t('back')}`)), h('h1', {}, t('replay')), summary, output);
  try {
    const found = (await getJSON(`/investigations/${encodeURIComponent(id)}`)).investigation;
    summary.append(h('p', { class: 'question-text' }, found.question),
      h('p', { class: 'muted' }, `${formatTime(found.started_at)} · ${found.kind} · ${found.mode} · `,
        h('span', { class: `outcome outcome-${found.outcome}` }, found.outcome)));
  } catch (error) {
    summary.append(h('p', { class: 'error-text' }, `${t('failed')}: ${error.message}`));
    return null;
  }
  const runner = new Runner(output);
  runner.replay(id);
  return runner;
}
