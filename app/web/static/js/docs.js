// /docs: Swagger UI from the vendored swagger-ui-dist (no CDN). The spec is fetched with the web UI's token
// (this tab's sessionStorage) when the service has one, and "Try it out" requests carry it as a header.
import { token } from './api.js';

async function start() {
  const status = document.getElementById('docs-status');
  const headers = token() ? { Authorization: `Bearer ${token()}` } : {};
  const response = await fetch('/openapi.json', { headers });
  if (!response.ok) {
    const link = document.createElement('a');
    link.href = '/';
    link.textContent = 'sign in on the main page';
    status.append(`The API description needs the API token (HTTP ${response.status}): `, link, ', then reload.');
    return;
  }
  window.SwaggerUIBundle({
    spec: await response.json(),
    dom_id: '#swagger-ui',
    deepLinking: true,
    requestInterceptor: (request) => {
      if (token()) request.headers.Authorization = `Bearer ${token()}`;
      return request;
    },
  });
}

start();
