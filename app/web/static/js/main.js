// The page: navigation (hash routes, so reload and back work), status line, and the views.
import { approverToken, setToken, token } from './api.js';
import { renderApprovals, pendingCount } from './approvals.js';
import { renderAsk } from './ask.js';
import { renderCluster } from './cluster.js';
import { clear, h } from './dom.js';
import { renderHistory, renderReplay } from './history.js';
import { LANG, t } from './i18n.js';
import { installLogin } from './login.js';
import { renderRunbook, renderRunbooks } from './runbooks.js';

const ROUTES = ['ask', 'history', 'cluster', 'runbooks', 'approvals'];
const state = { health: null, runner: null };

function nav() {
  const badge = h('span', { class: 'count', id: 'approvals-count', hidden: true });
  const links = ROUTES.map((r) => h('a', { href: `#/${r}`, class: 'tab', dataset: { route: r } }, t(`nav_${r}`),
    r === 'approvals' ? badge : null));
  return { el: h('nav', { 'aria-label': t('title') }, links), links, badge };
}

async function refreshApprovals(badge) {
  try {
    const n = await pendingCount();
    badge.textContent = String(n);
    badge.hidden = n === 0;
  } catch { /* shown on the next try */ }
}

async function refreshHealth(statusLine) {
  try {
    state.health = await (await fetch('/health')).json(); // open: no token needed
  } catch {
    return;
  }
  const { llm, cluster } = state.health;
  statusLine.replaceChildren(
    h('span', { class: `badge ${llm.configured ? 'ok' : 'neutral'}` }, `${t('llm')}: ${llm.configured ? llm.model : t('no_llm')}`),
    ' ',
    h('span', { class: `badge ${cluster.reachable ? 'ok' : 'bad'}` },
      `${t('cluster')}: ${cluster.reachable ? t('reachable') : t('unreachable')}`));
}

function start() {
  document.documentElement.lang = LANG === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  const menu = nav();
  const statusLine = h('div', { class: 'status-line', id: 'status-line' });
  const signOut = h('button', { type: 'button', class: 'link', id: 'sign-out', hidden: !(token() || approverToken()) }, t('sign_out'));
  signOut.addEventListener('click', () => { setToken(null); setToken(null, 'approver'); location.reload(); });
  const view = h('main', { id: 'view', tabindex: '-1' });
  // The skip link focuses the content without touching the hash (the hash is the route).
  const skip = h('a', { href: '#view', class: 'skip' }, t('skip'));
  skip.addEventListener('click', (event) => { event.preventDefault(); view.focus(); });
  clear(document.body).append(
    skip,
    h('header', { class: 'top' }, h('a', { href: '#/ask', class: 'brand' }, t('title')), menu.el, statusLine, signOut),
    view);
  installLogin();

  const route = async () => {
    const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'ask').split('/');
    const arg = rest.length ? decodeURIComponent(rest.join('/')) : null;
    if (state.runner && state.runner.running && !(name === 'ask' && !arg)) state.runner.stop();
    for (const link of menu.links) {
      if (link.dataset.route === name) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
    }
    if (name === 'history' && arg) state.runner = await renderReplay(view, arg);
    else if (name === 'history') renderHistory(view);
    else if (name === 'cluster') renderCluster(view);
    else if (name === 'runbooks' && arg) renderRunbook(view, arg);
    else if (name === 'runbooks') renderRunbooks(view);
    else if (name === 'approvals') state.runner = await renderApprovals(view, () => refreshApprovals(menu.badge));
    else state.runner = renderAsk(view, state);
    signOut.hidden = !(token() || approverToken());
    // After following a tab, keyboard focus moves to the new view (Tab then reaches its first control).
    if (!view.contains(document.activeElement)) view.focus({ preventScroll: true });
  };
  window.addEventListener('hashchange', route);
  refreshHealth(statusLine).then(route).then(() => refreshApprovals(menu.badge));
  setInterval(() => { if (!document.hidden) refreshApprovals(menu.badge); }, 15000);
  document.addEventListener('timeline', (event) => {
    if (['approval_required', 'done'].includes(event.detail.type)) refreshApprovals(menu.badge);
  });
}

start();
