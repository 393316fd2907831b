// Markdown → sanitised DOM. marked parses (raw HTML in the source is shown as text, not passed through);
// DOMPurify sanitises what marked produced; then commands get copy buttons and safety classes a badge.
import { Marked } from '/ui/vendor/marked/marked.esm.js';
import DOMPurify from '/ui/vendor/dompurify/purify.es.js';
import { copyButton, h } from './dom.js';
import { t } from './i18n.js';

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    // Raw HTML in an answer (or in cluster text quoted by it) is text, never markup.
    html(token) { return escapeHtml(token.text || token.raw || ''); },
  },
});

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('rel', 'noopener noreferrer');
    node.setAttribute('target', '_blank');
  }
});

const COMMAND = /^(kubectl|helm|k9s|crictl|journalctl|systemctl|docker|curl)\s/;
const SAFETY = new Set(['safe', 'needs-approval', 'manual']);

export function renderMarkdown(text) {
  const html = marked.parse(String(text ?? ''));
  const fragment = DOMPurify.sanitize(html, {
    RETURN_DOM_FRAGMENT: true,
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
    FORBID_ATTR: ['style'],
  });
  const root = h('div', { class: 'markdown' });
  root.append(fragment);
  decorate(root);
  return root;
}

function decorate(root) {
  for (const pre of root.querySelectorAll('pre')) {
    const code = pre.textContent.replace(/\n$/, '');
    const wrapper = h('div', { class: 'code-block' });
    pre.replaceWith(wrapper);
    wrapper.append(pre, copyButton(code, t('copy'), t('copied')));
  }
  for (const code of root.querySelectorAll('code')) {
    if (code.parentElement.tagName === 'PRE') continue;
    const text = code.textContent;
    if (COMMAND.test(text)) {
      const box = h('span', { class: 'command' });
      code.replaceWith(box);
      box.append(code, copyButton(text, t('copy'), t('copied')));
    }
  }
  for (const strong of root.querySelectorAll('strong')) {
    const value = strong.textContent.trim();
    if (SAFETY.has(value)) strong.classList.add('safety', `safety-${value}`);
  }
}
