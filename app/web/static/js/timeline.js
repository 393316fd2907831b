// One investigation's events as a timeline. Every string from the stream goes in as text; only the answer
// is Markdown, rendered through the sanitiser (markdown.js).
import { getJSON } from './api.js';
import { copyButton, h } from './dom.js';
import { t } from './i18n.js';
import { renderMarkdown } from './markdown.js';

const KNOWN_USAGE = ['prompt_tokens', 'completion_tokens', 'llm_calls'];

// The command (when there is one) in monospace; the other arguments beside it.
function argsNodes(args) {
  const rest = { ...(args ?? {}) };
  const command = typeof rest.command === 'string' ? rest.command : null;
  delete rest.command;
  const other = Object.keys(rest).length ? JSON.stringify(rest) : '';
  return [command !== null ? h('code', { class: 'args' }, command) : null,
    other ? h('code', { class: command !== null ? 'args-extra muted' : 'args' }, other) : null];
}

export class Timeline {
  // `decide(approvalId, approve, reason)` runs a decision (runner.js); the resumed stream lands here too.
  constructor(root, decide) {
    this.root = root;
    this.decide = decide;
    this.list = h('ol', { class: 'timeline', 'aria-live': 'polite' });
    this.calls = new Map();
    root.append(this.list);
  }

  reset() {
    this.list.replaceChildren();
    this.calls.clear();
  }

  add(kind, ...children) {
    const item = h('li', { class: `item item-${kind}` }, ...children);
    this.list.append(item);
    return item;
  }

  notice(text, kind = 'notice') { return this.add(kind, h('p', {}, text)); }

  header(investigationId, label) {
    const link = h('a', { href: `#/history/${encodeURIComponent(investigationId)}`, class: 'inv-id' }, investigationId);
    this.add('header', h('span', { class: 'muted' }, `${label || t('investigation')} `), link);
  }

  handle(type, data) {
    const handler = {
      classification: () => this.add('classification', h('span', { class: 'label' }, t('classification')),
        h('strong', { class: 'problem-type' }, data.problem_type),
        h('span', { class: 'muted' }, ` ${t('confidence')} ${Number(data.confidence).toFixed(2)} · ${t('by')} ${data.method}`)),
      runbooks: () => this.add('runbooks', h('span', { class: 'label' }, t('runbooks')),
        (data.ids || []).length ? (data.ids || []).map((id) => h('a', { href: `#/runbooks/${encodeURIComponent(id)}`, class: 'chip' }, id))
          : h('span', { class: 'muted' }, t('none'))),
      tool_call: () => this.toolCall(data),
      tool_result: () => this.toolResult(data),
      message: () => this.add('message', h('p', { class: 'text' }, data.text)),
      answer: () => this.add('answer', h('h3', {}, t('answer')), renderMarkdown(data.text)),
      usage: () => this.usage(data),
      approval_required: () => this.approval(data),
      error: () => this.add('error', h('strong', {}, `${t('error')} ${data.code}: `), h('span', {}, data.message)),
      done: () => this.add('done', h('span', { class: 'label' }, t('done')),
        h('span', { class: 'muted' }, ` ${t('elapsed')} ${(Number(data.elapsed_ms) / 1000).toFixed(1)} s · ${data.steps} ${t('steps')}`)),
    }[type];
    if (handler) handler();
    else this.add('other', h('span', { class: 'label' }, type), h('code', {}, JSON.stringify(data)));
    this.root.dispatchEvent(new CustomEvent('timeline', { bubbles: true, detail: { type, data } }));
  }

  toolCall(data) {
    const status = h('span', { class: 'status status-running' }, t('running'));
    const output = h('div', { class: 'output-slot' });
    const item = this.add('tool', h('div', { class: 'row' },
      h('span', { class: 'tool-name' }, data.tool), ...argsNodes(data.args), status), output);
    item.dataset.call = data.id;
    this.calls.set(data.id, { item, status, output });
  }

  toolResult(data) {
    let call = this.calls.get(data.id);
    if (!call) {
      this.toolCall({ id: data.id, tool: '?', args: {} });
      call = this.calls.get(data.id);
    }
    call.status.textContent = data.status;
    call.status.className = `status status-${String(data.status).replace(/[^a-z_]/gi, '')}`;
    const text = String(data.summary ?? '');
    const lines = text ? text.split('\n').length : 0;
    // Shortened for the stream ("… (N more lines)") or cut for the model (`truncated`): say so.
    const more = /… \((\d+) more lines\)$/.exec(text);
    const cut = data.truncated || more;
    const summary = h('summary', {}, `${t('output')} · ${lines} ${t('lines')}`,
      cut ? h('span', { class: 'truncated' }, ` · ${t('truncated')}${more ? ` (+${more[1]} ${t('lines')})` : ''}`) : null);
    call.output.append(h('details', { class: 'output', open: data.status === 'error' },
      summary, h('pre', { class: 'mono' }, text)));
    if (cut) call.item.classList.add('is-truncated');
  }

  usage(data) {
    const parts = KNOWN_USAGE.filter((k) => k in data).map((k) => `${data[k]} ${t(k)}`);
    for (const [key, value] of Object.entries(data)) if (!KNOWN_USAGE.includes(key)) parts.push(`${key} ${value}`);
    this.add('usage', h('span', { class: 'label' }, t('usage')), h('span', { class: 'muted' }, ` ${parts.join(' · ')}`));
  }

  approval(data) {
    const reason = h('input', { type: 'text', class: 'reason', maxlength: 2000, 'aria-label': t('reason'), placeholder: t('reason') });
    const outcome = h('p', { class: 'decision', role: 'status' });
    const extra = Object.entries(data).filter(([k]) => !['id', 'tool', 'command', 'why'].includes(k));
    const buttons = [];
    const choose = async (approve) => {
      for (const b of buttons) b.disabled = true;
      reason.disabled = true;
      outcome.textContent = approve ? t('approved') : t('declined');
      await this.decide(data.id, approve, reason.value.trim());
    };
    buttons.push(h('button', { type: 'button', class: 'primary approve', onclick: () => choose(true) }, t('approve')));
    buttons.push(h('button', { type: 'button', class: 'danger decline', onclick: () => choose(false) }, t('decline')));
    const item = this.add('approval',
      h('h3', {}, t('approval_required')),
      h('div', { class: 'row' }, h('span', { class: 'tool-name' }, data.tool), h('code', { class: 'mono' }, data.command),
        copyButton(String(data.command ?? ''), t('copy'), t('copied'))),
      h('p', {}, h('span', { class: 'label' }, `${t('why')}: `), data.why),
      extra.map(([k, v]) => h('div', {}, h('span', { class: 'label' }, `${k}: `),
        h('pre', { class: 'mono' }, typeof v === 'string' ? v : JSON.stringify(v, null, 2)))),
      h('div', { class: 'actions' }, reason, ...buttons), outcome);
    item.dataset.approval = data.id;
    item.setAttribute('role', 'group');
    item.setAttribute('aria-label', t('approval_required'));
    // Replayed from history, the approval may be decided or expired already: then it is no longer a choice.
    getJSON(`/approvals/${encodeURIComponent(data.id)}`).then((found) => found.status, (error) => error.code)
      .then((status) => {
        if (status === 'pending' || buttons[0].disabled) return;
        for (const b of buttons) b.disabled = true;
        reason.disabled = true;
        outcome.textContent = String(status);
      });
  }
}
