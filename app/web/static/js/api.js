// Calls to the service. With API_TOKEN set the token is asked for once (see login.js), kept in this tab's
// sessionStorage and sent as `Authorization: Bearer …` — never in a URL. Streams are read over fetch (not
// EventSource, which cannot send headers) and parsed as server-sent events.

const TOKEN_KEY = 'copilot.apiToken';
// With APPROVER_TOKEN set, deciding an approval needs that token (the API token may ask and read only).
const APPROVER_KEY = 'copilot.approverToken';
let loginHandler = null;

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function approverToken() { return sessionStorage.getItem(APPROVER_KEY); }
export function setToken(value, kind = 'api') {
  const key = kind === 'approver' ? APPROVER_KEY : TOKEN_KEY;
  if (value) sessionStorage.setItem(key, value); else sessionStorage.removeItem(key);
}
// `handler(kind, refused)` resolves once the user gave a token of that kind ('api' or 'approver'; login.js).
export function onLoginNeeded(handler) { loginHandler = handler; }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra = {}, approval = false) {
  const out = { ...extra };
  const current = (approval && approverToken()) || token();
  if (current) out.Authorization = `Bearer ${current}`;
  return out;
}

async function errorOf(response) {
  let code = `http_${response.status}`;
  let message = response.statusText || code;
  try {
    const body = await response.json();
    if (body && body.error) { code = body.error.code; message = body.error.message; }
  } catch { /* not JSON */ }
  return new ApiError(response.status, code, message);
}

// fetch with the token; a 401 asks for the token and tries again. Deciding an approval uses the approver
// token when there is one, and asks for it on a 401 or a 403 approver_required.
export async function request(path, options = {}) {
  const approval = options.method === 'POST' && path.startsWith('/approvals/');
  for (;;) {
    const response = await fetch(path, { ...options, headers: headers(options.headers, approval) });
    if (loginHandler && (response.status === 401 || (approval && response.status === 403))) {
      const error = await errorOf(response);
      if (approval && (response.status === 401 || error.code === 'approver_required')) {
        await loginHandler('approver', Boolean(approverToken()));
        continue;
      }
      if (response.status === 401) {
        await loginHandler('api', Boolean(token()));
        continue;
      }
      throw error;
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }
}

export async function getJSON(path) {
  return (await request(path, { headers: { Accept: 'application/json' } })).json();
}

// Read a text/event-stream body; `onEvent(type, data, id)` for each event. Resolves when the stream ends.
export async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { type: 'message', data: [], id: null };
  const dispatch = () => {
    if (event.data.length) {
      let data;
      try { data = JSON.parse(event.data.join('\n')); } catch { data = { text: event.data.join('\n') }; }
      onEvent(event.type, data, event.id);
    }
    event = { type: 'message', data: [], id: null };
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? 2 : 1));
      if (line === '') { dispatch(); continue; }
      if (line.startsWith(':')) continue; // comment / keep-alive ping
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value2 = colon < 0 ? '' : line.slice(colon + 1);
      if (value2.startsWith(' ')) value2 = value2.slice(1);
      if (field === 'event') event.type = value2;
      else if (field === 'data') event.data.push(value2);
      else if (field === 'id') event.id = value2;
    }
  }
  dispatch();
}

// Start a stream: POST `path` with a JSON body (or GET when body is null); returns the Response.
export async function openStream(path, body, signal, extraHeaders = {}) {
  const init = { signal, headers: { Accept: 'text/event-stream', ...extraHeaders } };
  if (body !== null) {
    init.method = 'POST';
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify({ ...body, format: 'sse' });
  }
  return request(path, init);
}
