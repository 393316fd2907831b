// The token dialog: shown when the service answers 401; the token stays in this tab's sessionStorage.
import { onLoginNeeded, setToken } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

let pending = null;

export function installLogin() {
  const input = h('input', { type: 'password', id: 'token-input', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error-text', role: 'alert' });
  const form = h('form', { method: 'dialog', class: 'login-form' },
    h('h2', {}, t('login_title')), h('p', {}, t('login_text')),
    h('label', { for: 'token-input' }, t('login_title')), input, error,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('login'))));
  const dialog = h('dialog', { id: 'login', 'aria-labelledby': 'login-title' }, form);
  document.body.append(dialog);
  dialog.addEventListener('cancel', (event) => event.preventDefault()); // nothing works without it
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input.value.trim()) return;
    setToken(input.value.trim());
    input.value = '';
    dialog.close();
    const resolve = pending;
    pending = null;
    if (resolve) resolve.resolve();
  });
  onLoginNeeded((refused) => {
    if (!pending) {
      let resolve;
      const promise = new Promise((r) => { resolve = r; });
      pending = { promise, resolve };
      if (refused) setToken(null);
      error.textContent = refused ? t('login_bad') : '';
      dialog.showModal();
      input.focus();
    }
    return pending.promise;
  });
}
