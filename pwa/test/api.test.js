import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

// api.js in node: a localStorage, a window to hear events on, and a fetch
// that answers like the server after the person signed out on another
// phone (or changed the password there).
const store = new Map();
globalThis.localStorage = {
  getItem: (k) => (store.has(k) ? store.get(k) : null),
  setItem: (k, v) => store.set(k, String(v)),
  removeItem: (k) => store.delete(k),
};
globalThis.window = new EventTarget();
let calls = [];
let answer = () => { throw new Error('no answer scripted'); };
globalThis.fetch = async (path, init) => { calls.push(path); return answer(path, init); };

const api = await import('../js/api.js');

function reply(status, body) {
  return { status, ok: status >= 200 && status < 300, json: async () => body };
}

beforeEach(() => {
  store.clear();
  calls = [];
  store.set('anju.tokens', JSON.stringify({ access_token: 'a1', refresh_token: 'r1', user: { id: 'u1', name: '李伟' } }));
});

test('a session ended elsewhere lands on the sign-in screen once, saying why, without looping', async () => {
  const ended = { error: { code: 'session_ended', message: '账号密码已更改，请用新密码重新登录' } };
  answer = (path) => (path === '/api/auth/refresh' ? reply(401, { error: { code: 'session_ended', message: ended.error.message } }) : reply(401, ended));
  const events = [];
  window.addEventListener('anju:signedout', (e) => events.push(e.detail));

  await assert.rejects(api.json('GET', '/api/cases'), (err) => err.status === 401 && err.code === 'session_ended');
  assert.deepEqual(calls, ['/api/cases', '/api/auth/refresh'], 'one try, one refresh, no retry with a dead token');
  assert.equal(api.tokens(), null, 'the tokens are forgotten');
  assert.equal(api.currentUser(), null);
  assert.deepEqual(events, [{ message: '账号密码已更改，请用新密码重新登录' }]);

  // Signed out, the next call does not refresh at all.
  calls = [];
  answer = () => reply(401, { error: { code: 'unauthorized', message: '请先登录' } });
  await assert.rejects(api.json('GET', '/api/cases'));
  assert.deepEqual(calls, ['/api/cases']);
  assert.equal(events.length, 1);
});

test('an expired access token is refreshed quietly and the call goes through', async () => {
  answer = (path, init) => {
    if (path === '/api/auth/refresh') return reply(200, { access_token: 'a2', refresh_token: 'r2', user: { id: 'u1' } });
    return init.headers.Authorization === 'Bearer a2' ? reply(200, { items: [] }) : reply(401, { error: { code: 'token_expired' } });
  };
  assert.deepEqual(await api.json('GET', '/api/cases'), { items: [] });
  assert.deepEqual(calls, ['/api/cases', '/api/auth/refresh', '/api/cases']);
  assert.equal(api.tokens().refresh_token, 'r2');
});
