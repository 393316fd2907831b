// The token dialog: shown when the service answers 401 (or 403 approver_required when deciding an approval);
// the token stays in this tab's sessionStorage.
import { onLoginNeeded, setToken } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const pending = new Map(); // kind → { promise, resolve }

export function installLogin() {
  const title = h('h2', { id: 'login-title' });
  const text = h('p');
  const label = h('label', { for: 'token-input' });
  const input = h('input', { type: 'password', id: 'token-input', autocomplete: 'off', required: true });
  const error = h('p', { class: 'error-text', role: 'alert' });
  const form = h('form', { method: 'dialog', class: 'login-form' }, title, text, label, input, error,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('login'))));
  const dialog = h('dialog', { id: 'login', 'aria-labelledby': 'login-title' }, form);
  document.body.append(dialog);
  let current = 'api';
  dialog.addEventListener('cancel', (event) => event.preventDefault()); // nothing works without it
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input.value.trim()) return;
    setToken(input.value.trim(), current);
    input.value = '';
    dialog.close();
    const waiting = pending.get(current);
    pending.delete(current);
    if (waiting) waiting.resolve();
  });
  onLoginNeeded((kind, refused) => {
    if (!pending.has(kind)) {
      let resolve;
      const promise = new Promise((r) => { resolve = r; });
      pending.set(kind, { promise, resolve });
      if (refused) setToken(null, kind);
      current = kind;
      dialog.dataset.kind = kind;
      title.textContent = t(kind === 'approver' ? 'approver_title' : 'login_title');
      text.textContent = t(kind === 'approver' ? 'approver_text' : 'login_text');
      label.textContent = title.textContent;
      error.textContent = refused ? t('login_bad') : '';
      if (!dialog.open) dialog.showModal();
      input.focus();
    }
    return pending.get(kind).promise;
  });
}
