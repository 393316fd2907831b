// Runs one investigation stream into a Timeline: a Stop that aborts the fetch (the service then cancels the
// investigation), resume with Last-Event-ID through /investigations/{id}/events after a network blip, and
// approval decisions whose resumed stream continues in the same timeline.
import { ApiError, openStream, readEvents } from './api.js';
import { t } from './i18n.js';
import { Timeline } from './timeline.js';

const MAX_RESUMES = 8;
const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

export class Runner {
  constructor(container, onState = () => {}) {
    this.timeline = new Timeline(container, (id, approve, reason) => this.decide(id, approve, reason));
    this.onState = onState;
    this.controller = null;
  }

  get running() { return this.controller !== null; }

  stop() {
    if (!this.controller) return;
    this.controller.abort();
    this.timeline.notice(t('stopped'), 'stopped');
  }

  ask(params) { return this.stream('/ask', params, t('investigation')); }

  decide(approvalId, approve, reason) {
    const body = { approve };
    if (reason) body.feedback = reason;
    return this.stream(`/approvals/${encodeURIComponent(approvalId)}`, body, approve ? t('approved') : t('declined'));
  }

  replay(investigationId) {
    return this.stream(`/investigations/${encodeURIComponent(investigationId)}/events`, null, t('replay'),
      investigationId);
  }

  async stream(path, body, label, knownId = null) {
    const controller = new AbortController();
    this.controller = controller;
    this.onState(true);
    const { signal } = controller;
    let investigationId = knownId;
    let lastSeq = 0;
    let done = false;
    const onEvent = (type, data, id) => {
      const seq = Number(id);
      if (id && Number.isFinite(seq)) {
        if (seq <= lastSeq) return; // already shown before a reconnect
        lastSeq = seq;
      }
      if (type === 'done') done = true;
      this.timeline.handle(type, data);
    };
    const replaying = body === null;
    let resume = false; // only after a network failure, or an /ask stream the service closed before `done`
    try {
      try {
        const response = await openStream(path, body, signal);
        investigationId = response.headers.get('X-Investigation-Id') || investigationId;
        if (investigationId) this.timeline.header(investigationId, label);
        await readEvents(response, onEvent);
        resume = !done && !replaying;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ApiError || !investigationId) {
          this.timeline.handle('error', { code: error.code || 'network', message: error.message });
          return;
        }
        resume = true;
      }
      for (let attempt = 1; resume && !done && !signal.aborted && attempt <= MAX_RESUMES; attempt += 1) {
        this.timeline.notice(t('reconnecting'), 'reconnect');
        await sleep(Math.min(250 * 2 ** attempt, 4000), signal);
        if (signal.aborted) return;
        try {
          const response = await openStream(`/investigations/${encodeURIComponent(investigationId)}/events`, null,
            signal, { 'Last-Event-ID': String(lastSeq) });
          this.timeline.notice(`${t('resumed')} ${lastSeq}`, 'resumed');
          await readEvents(response, onEvent);
          resume = false; // the service ended the replay: the investigation is over
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof ApiError && error.status < 500) break;
        }
      }
      if (!done && !signal.aborted) this.timeline.notice(t(resume ? 'gave_up' : 'ended_early'), 'ended');
    } finally {
      if (this.controller === controller) {
        this.controller = null;
        this.onState(false);
      }
    }
  }
}
