// Opens a share link: the token is in the fragment (#...), read here and sent as a bearer token, never as a cookie.
// What the token allows (one note, GET, until when) is read from the token itself; the server checks it.
import { readToken } from '/assets/lib/client/index.js';

const $ = (selector) => document.querySelector(selector);

function refused(message, code) {
  $('#shared-note').hidden = true;
  $('#status').textContent = message;
  document.body.dataset.state = 'refused';
  if (code) document.body.dataset.code = code;
}

async function open() {
  const token = decodeURIComponent(location.hash.slice(1));
  let path;
  let expiresAt;
  try {
    const summary = readToken(token);
    path = summary.caveats?.pathPrefix;
    expiresAt = summary.expiresAt;
  } catch {
    return refused('This link is not a share link.');
  }
  if (!/^\/notes\/\d+$/.test(path ?? '')) return refused('This link is not a share link.');
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, credentials: 'omit' });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) {
    return refused(
      response.status === 401 ? 'This link has expired or was revoked.' : 'This note cannot be shown.',
      body?.code,
    );
  }
  $('#shared-note').textContent = body.text; // text, never HTML
  $('#shared-note').hidden = false;
  $('#shared-expiry').textContent = `This link expires at ${new Date(expiresAt).toLocaleTimeString()}.`;
  $('#shared-expiry').dataset.expiresAt = new Date(expiresAt).toISOString();
  document.body.dataset.state = 'shown';
}

window.addEventListener('hashchange', open);
await open();
