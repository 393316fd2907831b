// The Ask view: question (Enter sends), namespace, mode, max steps; the live timeline below.
import { getJSON } from './api.js';
import { clear, h } from './dom.js';
import { t } from './i18n.js';
import { Runner } from './runner.js';

let namespaces = null;

export function renderAsk(view, state) {
  const question = h('textarea', { id: 'question', name: 'q', rows: 3, maxlength: 4000, required: true,
    placeholder: t('question_placeholder'), 'aria-label': t('question') });
  const namespace = h('select', { id: 'namespace', name: 'namespace' }, h('option', { value: '' }, t('all_namespaces')));
  const mode = h('select', { id: 'mode', name: 'mode' },
    h('option', { value: 'auto' }, t('mode_auto')),
    h('option', { value: 'llm', disabled: state.health && !state.health.llm.configured }, t('mode_llm')
      + (state.health && !state.health.llm.configured ? ` — ${t('llm_needed')}` : '')),
    h('option', { value: 'runbook' }, t('mode_runbook')));
  const steps = h('input', { id: 'max-steps', name: 'max_steps', type: 'number', min: 1, max: 100, placeholder: '20', inputmode: 'numeric' });
  const send = h('button', { type: 'submit', class: 'primary', id: 'ask-button' }, t('ask'));
  const stop = h('button', { type: 'button', class: 'danger', id: 'stop-button', disabled: true }, t('stop'));
  const form = h('form', { class: 'ask-form', id: 'ask-form' },
    h('label', { for: 'question', class: 'block-label' }, t('question')), question,
    h('div', { class: 'controls' },
      h('label', {}, t('namespace'), namespace), h('label', {}, t('mode'), mode),
      h('label', {}, t('max_steps'), steps), h('span', { class: 'spacer' }), send, stop));
  const output = h('section', { id: 'investigation', class: 'investigation', 'aria-label': t('investigation') });
  clear(view).append(h('h1', { class: 'visually-hidden' }, t('nav_ask')), form, output);

  const runner = new Runner(output, (running) => { send.disabled = running; stop.disabled = !running; });
  state.runner = runner;
  question.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = question.value.trim();
    if (!q || runner.running) return;
    const params = { q, mode: mode.value };
    if (namespace.value) params.namespace = namespace.value;
    if (steps.value) params.max_steps = Number(steps.value);
    runner.timeline.reset();
    runner.ask(params);
  });
  stop.addEventListener('click', () => runner.stop());
  question.focus();
  loadNamespaces(namespace);
  return runner;
}

async function loadNamespaces(select) {
  try {
    namespaces = namespaces || (await getJSON('/api/v1/overview')).namespaces.map((n) => n.name);
  } catch {
    return; // the picker stays at "all namespaces"
  }
  for (const name of namespaces) select.append(h('option', { value: name }, name));
}
