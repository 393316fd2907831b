// The runbooks browser: the loaded runbooks, their load errors, and one runbook rendered with its steps.
import { getJSON } from './api.js';
import { clear, copyButton, h } from './dom.js';
import { t } from './i18n.js';
import { renderMarkdown } from './markdown.js';

export async function renderRunbooks(view) {
  const status = h('p', { class: 'muted', role: 'status' }, t('loading'));
  clear(view).append(h('h1', {}, t('runbooks_title')), status);
  let data;
  try {
    data = await getJSON('/runbooks');
  } catch (error) {
    status.textContent = `${t('failed')}: ${error.message}`;
    return;
  }
  status.textContent = '';
  view.append(h('ul', { class: 'runbook-list', id: 'runbook-list' }, data.runbooks.map((r) => h('li', {},
    h('a', { href: `#/runbooks/${encodeURIComponent(r.id)}` }, r.title), ' ', h('code', { class: 'muted' }, r.id),
    h('div', { class: 'chips' }, r.problem_types.map((p) => h('span', { class: 'chip' }, p))),
    r.description ? h('p', { class: 'muted' }, r.description) : null))));
  if (data.errors.length) {
    view.append(h('section', { class: 'panel', id: 'runbook-errors' }, h('h2', {}, t('load_errors')),
      h('ul', {}, data.errors.map((e) => h('li', { class: 'error-text' }, h('code', {}, e.file), `: ${e.error}`)))));
  }
}

function step(s, withSafety) {
  const command = s.command || s.promql || '';
  return h('li', {}, h('span', {}, s.title), withSafety ? [' ', h('strong', { class: `safety safety-${s.safety}` }, s.safety)] : null,
    command ? h('div', { class: 'code-block' }, h('pre', { class: 'mono' }, command), copyButton(command, t('copy'), t('copied'))) : null);
}

export async function renderRunbook(view, id) {
  const status = h('p', { class: 'muted', role: 'status' }, t('loading'));
  clear(view).append(h('p', {}, h('a', { href: '#/runbooks' }, `← ${t('back')}`)), status);
  let r;
  try {
    r = await getJSON(`/runbooks/${encodeURIComponent(id)}`);
  } catch (error) {
    status.textContent = `${t('failed')}: ${error.message}`;
    return;
  }
  status.remove();
  view.append(h('article', { class: 'runbook', id: 'runbook' }, h('h1', {}, r.title),
    h('p', { class: 'muted' }, h('code', {}, r.id), ` · ${t('source')}: `, h('code', {}, r.source)),
    h('p', {}, h('span', { class: 'label' }, `${t('problem_types')}: `), r.problem_types.map((p) => h('span', { class: 'chip' }, p))),
    r.keywords.length ? h('p', {}, h('span', { class: 'label' }, `${t('keywords')}: `), r.keywords.join(', ')) : null,
    r.description ? h('p', {}, r.description) : null,
    h('h2', {}, t('diagnostics')), h('ol', { class: 'steps' }, r.diagnostics.map((s) => step(s, false))),
    h('h2', {}, t('remediation')), h('ol', { class: 'steps' }, r.remediation.map((s) => step(s, true))),
    h('hr'), renderMarkdown(r.body)));
}
