// Pending approvals: each with its command and reason, decided here; the resumed stream shows below it.
import { getJSON } from './api.js';
import { clear, h } from './dom.js';
import { t } from './i18n.js';
import { Runner } from './runner.js';

export async function pendingCount() {
  return (await getJSON('/approvals')).approvals.length;
}

export async function renderApprovals(view, onChange) {
  const status = h('p', { class: 'muted', role: 'status' }, t('loading'));
  const list = h('div', { id: 'approvals-list' });
  const output = h('section', { id: 'investigation', class: 'investigation' });
  clear(view).append(h('h1', {}, t('pending_approvals')), status, list, output);
  let approvals;
  try {
    approvals = (await getJSON('/approvals')).approvals;
  } catch (error) {
    status.textContent = `${t('failed')}: ${error.message}`;
    return null;
  }
  status.textContent = approvals.length ? '' : t('no_pending');
  const runner = new Runner(output, (running) => { if (!running) onChange(); });
  for (const approval of approvals) {
    const expires = approval.expires_at ? new Date(approval.expires_at * 1000).toLocaleString() : '–';
    const card = h('div', { class: 'panel' }, h('p', { class: 'muted' }, `${approval.id} · ${t('expires')} ${expires}`));
    list.append(card);
    // The same card the live timeline shows, deciding into this page's timeline.
    runner.timeline.list = h('ol', { class: 'timeline' });
    card.append(runner.timeline.list);
    runner.timeline.handle('approval_required', { id: approval.id, tool: approval.tool, command: approval.command, why: approval.why });
  }
  runner.timeline.list = h('ol', { class: 'timeline', 'aria-live': 'polite' });
  output.append(runner.timeline.list);
  return runner;
}
