// The demo page in cookie mode: tokens live in HttpOnly cookies the browser attaches by itself, so no token is
// ever visible to this script. Every request sends the CSRF header the server requires on state-changing calls.
const CSRF = { 'X-CSRF-Protection': '1' };
const REFRESH_MARGIN_MS = 30_000; // renew this long before expiry (sooner for very short lifetimes)

const $ = (selector) => document.querySelector(selector);
let refreshTimer;
let clockTimer;
let expiresAt = 0;

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? CSRF : { ...CSRF, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  return { ok: response.ok, status: response.status, data };
}

/** Calls an authenticated route; on 401 renews the session once and retries, else shows the sign-in form. */
async function authed(method, path, body) {
  let result = await api(method, path, body);
  if (result.status === 401 && (await refresh())) result = await api(method, path, body);
  if (result.status === 401) signedOut('Your session has ended. Please sign in again.');
  return result;
}

/** Swaps the refresh cookie for a new pair. False when the session is over (expired, logged out, revoked). */
async function refresh() {
  const result = await api('POST', '/auth/refresh');
  if (!result.ok) return false;
  session(result.data);
  document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes ?? 0) + 1);
  return true;
}

function session({ expires_in: expiresIn }) {
  expiresAt = Date.now() + expiresIn * 1000;
  clearTimeout(refreshTimer);
  const delay = Math.max(1000, expiresIn * 1000 - Math.min(REFRESH_MARGIN_MS, expiresIn * 200));
  refreshTimer = setTimeout(async () => {
    if (!(await refresh())) signedOut('Your session has ended. Please sign in again.');
  }, delay);
  showExpiry();
}

function showExpiry() {
  clearTimeout(clockTimer);
  const seconds = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
  const time = new Date(expiresAt).toLocaleTimeString();
  $('#expiry').textContent = `Access token expires at ${time} (in ${seconds} s)`;
  $('#expiry').dataset.expiresAt = new Date(expiresAt).toISOString();
  clockTimer = setTimeout(showExpiry, 1000);
}

function status(message) {
  $('#status').textContent = message ?? '';
}

function signedOut(message) {
  clearTimeout(refreshTimer);
  clearTimeout(clockTimer);
  $('#signed-in').hidden = true;
  $('#signed-out').hidden = false;
  $('#notes').replaceChildren();
  $('#devices').replaceChildren();
  $('#activity').replaceChildren();
  status(message);
}

async function signedIn() {
  const me = await authed('GET', '/me');
  if (!me.ok) return;
  $('#username').textContent = me.data.username;
  $('#signed-out').hidden = true;
  $('#signed-in').hidden = false;
  status('');
  await loadNotes();
  await loadDevices();
  await loadActivity();
}

async function loadNotes() {
  const result = await authed('GET', '/notes');
  if (!result.ok) return;
  $('#notes').replaceChildren(
    ...result.data.map((note) => {
      const item = document.createElement('li');
      item.dataset.noteId = String(note.id);
      const text = document.createElement('span');
      text.textContent = note.text; // text, never HTML
      const share = document.createElement('button');
      share.textContent = 'Share';
      share.className = 'share';
      share.addEventListener('click', () => shareNote(note.id));
      const remove = document.createElement('button');
      remove.textContent = 'Delete';
      remove.className = 'delete';
      remove.addEventListener('click', async () => {
        if ((await authed('DELETE', `/notes/${note.id}`)).ok) await loadNotes();
      });
      item.append(text, share, remove);
      return item;
    }),
  );
}

const ACTIVITY_TEXT = {
  signed_in: 'Signed in',
  reuse_detected: 'A refresh token was used twice: that session was signed out (a stolen copy?)',
  signed_out: 'Signed out',
  device_signed_out: 'A device was signed out',
  signed_out_by_admin: 'Signed out by an administrator',
  signed_out_everywhere: 'Signed out everywhere',
  password_changed: 'Password changed: every other session was signed out',
};

function deviceText(device) {
  if (device === undefined) return '';
  return [device.label, device.userAgent, device.ip].filter(Boolean).join(' · ');
}

async function loadActivity() {
  const result = await authed('GET', '/me/activity');
  if (!result.ok) return;
  $('#activity').replaceChildren(
    ...result.data.map((entry) => {
      const item = document.createElement('li');
      item.dataset.kind = entry.kind;
      const what = document.createElement('span');
      what.textContent = ACTIVITY_TEXT[entry.kind] ?? entry.kind; // text, never HTML
      if (entry.kind === 'reuse_detected') what.className = 'alert';
      const at = document.createElement('time');
      at.dateTime = entry.at;
      at.textContent = new Date(entry.at).toLocaleString();
      item.append(what, at);
      const device = deviceText(entry.device);
      if (device !== '') {
        const from = document.createElement('span');
        from.className = 'device';
        from.textContent = device;
        item.append(from);
      }
      return item;
    }),
  );
}

/** Makes a read-only link to one note, in this browser (share.js), and shows it. */
async function shareNote(id) {
  const parent = await authed('POST', '/sharing/token');
  if (!parent.ok) return;
  try {
    // Loaded on first use: the page works without it, only sharing needs nestjs-token-auth/client.
    const { shareLink } = await import('./share.js');
    $('#share-link').value = await shareLink(id, parent.data.access_token);
    $('#share').hidden = false;
  } catch {
    status('Could not make a share link in this browser.');
  }
}

/** "Your devices": every session of the account, this one first; each other one can be signed out. */
async function loadDevices() {
  const result = await authed('GET', '/auth/sessions');
  if (!result.ok) return;
  $('#devices').replaceChildren(
    ...result.data.map((session) => {
      const item = document.createElement('li');
      item.dataset.sessionId = session.id;
      const about = document.createElement('span');
      const name = document.createElement('span');
      name.className = 'device';
      // Text the client sent at login: set as text, never as HTML.
      name.textContent = session.label ?? session.user_agent ?? 'Unknown device';
      const details = document.createElement('small');
      const seen = new Date(session.last_active_at).toLocaleString();
      details.textContent = `${session.ip ?? 'unknown address'} · last active ${seen}`;
      about.append(name, document.createElement('br'), details);
      item.append(about);
      if (session.current) {
        const here = document.createElement('strong');
        here.textContent = 'this device';
        item.append(here);
      } else {
        const signOut = document.createElement('button');
        signOut.textContent = 'Sign out';
        signOut.className = 'sign-out';
        signOut.addEventListener('click', async () => {
          if ((await authed('DELETE', `/auth/sessions/${encodeURIComponent(session.id)}`)).ok) await loadDevices();
        });
        item.append(signOut);
      }
      return item;
    }),
  );
}

$('#auth-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const credentials = { username: form.get('username'), password: form.get('password') };
  if (event.submitter?.value === 'register') {
    const created = await api('POST', '/auth/register', credentials);
    if (!created.ok) return status(created.data?.message?.toString() ?? 'Could not create the account.');
  }
  const login = await api('POST', '/auth/login', credentials);
  if (!login.ok)
    return status(login.status === 429 ? 'Too many attempts, wait a minute.' : 'Wrong username or password.');
  event.target.reset();
  session(login.data);
  await signedIn();
});

$('#note-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = event.target.elements.text;
  if ((await authed('POST', '/notes', { text: input.value })).ok) {
    input.value = '';
    await loadNotes();
  }
});

// Through `authed`: an access token that lapsed while the page was idle is renewed first, so the session is
// really revoked and its cookies cleared.
$('#logout').addEventListener('click', async () => {
  if ((await authed('POST', '/auth/logout')).ok) signedOut('Signed out.');
});

$('#logout-others').addEventListener('click', async () => {
  if ((await authed('DELETE', '/auth/sessions')).ok) await loadDevices();
});

$('#logout-all').addEventListener('click', async () => {
  if ((await authed('POST', '/auth/logout-all')).ok) signedOut('Signed out on every device.');
});

// A reload keeps the session: the refresh cookie is still there, so renew it and learn the new expiry.
if (await refresh()) await signedIn();
else signedOut();
