import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox, memoryStore, backoffDelay, uuid, CREATE, PHOTO, ACTION, CONFLICT, FAILED, PENDING } from '../js/outbox.js';

// fakeServer answers like the API: it keeps what it received, answers
// 201/200 by client id, and can be told to drop the line or answer a status.
function fakeServer() {
  const s = {
    online: true, calls: [], cases: new Map(), photos: new Map(), actions: [], script: [],
    loseAnswer: false,
    async send(item) {
      s.calls.push(item.kind + ':' + (item.payload.body?.id || item.payload.id || item.payload.action));
      if (!s.online) throw new TypeError('Failed to fetch');
      const scripted = s.script.shift();
      if (scripted) return scripted;
      let res;
      if (item.kind === CREATE) {
        const had = s.cases.has(item.case_id);
        if (!had) s.cases.set(item.case_id, { version: 1 });
        res = { status: had ? 200 : 201, body: { id: item.case_id } };
      } else if (item.kind === PHOTO) {
        if (!s.cases.has(item.case_id)) return { status: 404, body: { error: { code: 'not_found', message: '案件不存在' } } };
        const had = s.photos.has(item.payload.id);
        s.photos.set(item.payload.id, item.case_id);
        res = { status: had ? 200 : 201, body: {} };
      } else {
        const c = s.cases.get(item.case_id);
        if (c.version !== item.payload.body.version) {
          return { status: 409, body: { error: { code: 'stale_version', message: '案件已更新', details: { current_version: String(c.version) } } } };
        }
        c.version++;
        s.actions.push(item.payload.action);
        res = { status: 200, body: { id: item.case_id, version: c.version } };
      }
      if (s.loseAnswer) { s.loseAnswer = false; throw new TypeError('connection reset'); }
      return res;
    },
  };
  return s;
}

function setup(extra = {}) {
  const server = fakeServer();
  let t = 1000;
  const clock = { now: () => t, advance: (ms) => { t += ms; } };
  const ob = new Outbox({ store: memoryStore(), transport: server, now: clock.now, random: () => 0, base: 1000, max: 60000, ...extra });
  return { server, clock, ob };
}

async function fileCase(ob, caseId = uuid()) {
  await ob.add(CREATE, caseId, { body: { id: caseId, program_year: 2024 } });
  await ob.add(PHOTO, caseId, { id: uuid(), kind: 'hukou' });
  await ob.add(PHOTO, caseId, { id: uuid(), kind: 'house_before' });
  await ob.add(ACTION, caseId, { action: 'village_review', body: { version: 1, result: 'pass' } });
  return caseId;
}

test('sends a case, then its photos, then its actions, in the order made', async () => {
  const { server, ob } = setup();
  const id = await fileCase(ob);
  const r = await ob.flush();
  assert.equal(r.sent, 4);
  assert.deepEqual(server.calls.map((c) => c.split(':')[0]), [CREATE, PHOTO, PHOTO, ACTION]);
  assert.equal(server.cases.size, 1);
  assert.equal(server.photos.size, 2);
  assert.deepEqual(server.actions, ['village_review']);
  assert.equal(await ob.count(), 0);
  assert.ok(server.cases.has(id));
});

test('offline: nothing is lost, the count stays visible, and backoff doubles', async () => {
  const { server, clock, ob } = setup();
  server.online = false;
  await fileCase(ob);
  let r = await ob.flush();
  assert.equal(r.offline, true);
  assert.equal(r.sent, 0);
  assert.equal(await ob.count(), 4);
  const [first] = await ob.list();
  assert.equal(first.attempts, 1);
  assert.equal(first.next_at, clock.now() + 1000);

  // Not yet due: the flush does not call the server at all.
  const calls = server.calls.length;
  await ob.flush();
  assert.equal(server.calls.length, calls);

  clock.advance(1000);
  await ob.flush();
  assert.equal((await ob.list())[0].next_at, clock.now() + 2000);
  clock.advance(2000);
  await ob.flush();
  assert.equal((await ob.list())[0].next_at, clock.now() + 4000);

  server.online = true;
  clock.advance(4000);
  r = await ob.flush();
  assert.equal(r.sent, 4);
  assert.equal(await ob.count(), 0);
  assert.equal(server.cases.size, 1);
  assert.equal(server.photos.size, 2);
});

test('backoffDelay doubles from the base up to the cap, jitter at most 20 %', () => {
  const o = { base: 2000, max: 60000, random: () => 0 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, o)), [2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  assert.equal(backoffDelay(1, { ...o, random: () => 1 }), 2400);
});

test('a lost answer is retried with the same client ids: nothing is stored twice', async () => {
  const { server, clock, ob } = setup();
  const caseId = uuid();
  await ob.add(CREATE, caseId, { body: { id: caseId } });
  await ob.add(PHOTO, caseId, { id: 'p1', kind: 'hukou' });
  server.loseAnswer = true; // the server stores the case but the answer never arrives
  let r = await ob.flush();
  assert.equal(r.sent, 0);
  assert.equal(await ob.count(), 2);
  clock.advance(5000);
  r = await ob.flush();
  assert.equal(r.sent, 2);
  const creates = server.calls.filter((c) => c.startsWith(CREATE));
  assert.deepEqual(creates, [CREATE + ':' + caseId, CREATE + ':' + caseId]); // same id both times
  assert.equal(server.cases.size, 1);
  assert.equal(server.photos.size, 1);
});

test('concurrent flushes (online event + timer) send each item once', async () => {
  const { server, ob } = setup();
  await fileCase(ob);
  await Promise.all([ob.flush(), ob.flush(), ob.flush()]);
  assert.equal(server.calls.length, 4);
});

test('a conflict is kept for the person, blocks later actions of that case only, and can be re-applied', async () => {
  const { server, ob } = setup();
  const a = await fileCase(ob);
  const b = uuid();
  await ob.flush();
  server.cases.get(a).version = 5; // someone else moved case a on
  await ob.add(ACTION, a, { action: 'record_objection', body: { version: 2, text: '有人反映' } });
  await ob.add(ACTION, a, { action: 'withdraw', body: { version: 3, reason: '户主撤回' } });
  await ob.add(CREATE, b, { body: { id: b } });
  const r = await ob.flush();
  assert.equal(r.conflicts, 1);
  assert.equal(r.sent, 1); // case b went through
  const left = await ob.list();
  assert.equal(left.length, 2);
  assert.equal(left[0].status, CONFLICT);
  assert.equal(left[0].error.code, 'stale_version');
  assert.equal(left[1].status, PENDING); // waits behind the conflict, not sent
  assert.ok(!server.calls.includes(ACTION + ':withdraw'));

  // Flushing again never drops it.
  await ob.flush();
  assert.equal((await ob.list())[0].status, CONFLICT);

  await ob.reapply(left[0].id, { version: 5 });
  const r2 = await ob.flush();
  // withdraw (version 3) now meets the moved-on case; the re-applied objection goes after it.
  assert.equal(r2.conflicts, 1);
  const after = await ob.list();
  assert.equal(after.length, 2);
  assert.equal(after[0].payload.action, 'withdraw');
  assert.equal(after[0].status, CONFLICT);
  await ob.discard(after[0].id);
  await ob.flush();
  assert.deepEqual(server.actions, ['village_review', 'record_objection']);
  assert.equal(await ob.count(), 0);
});

test('a refusal (422) stays visible; photos still go; discarding a new case drops its items', async () => {
  const { server, ob } = setup();
  const a = uuid();
  await ob.add(CREATE, a, { body: { id: a } });
  server.script.push({ status: 409, body: { error: { code: 'duplicate_application', message: '该身份证号已有申请', details: { case_id: 'x' } } } });
  await ob.add(PHOTO, a, { id: 'p', kind: 'hukou' });
  let r = await ob.flush();
  assert.equal(r.conflicts, 1);
  assert.equal(server.photos.size, 0); // a photo never goes before its case
  let items = await ob.list();
  assert.equal(items[0].error.details.case_id, 'x');
  await ob.discard(items[0].id);
  assert.equal(await ob.count(), 0);

  const c = uuid();
  await ob.add(CREATE, c, { body: { id: c } });
  await ob.flush();
  await ob.add(ACTION, c, { action: 'village_review', body: { version: 1, result: 'pass' } });
  server.script.push({ status: 422, body: { error: { code: 'missing_evidence', message: '缺少户口簿照片' } } });
  r = await ob.flush();
  assert.equal(r.failed, 1);
  await ob.add(PHOTO, c, { id: 'hk', kind: 'hukou' });
  r = await ob.flush();
  assert.equal(r.sent, 1); // the photo is not held behind the refused action
  items = await ob.list();
  assert.equal(items.length, 1);
  assert.equal(items[0].status, FAILED);
  await ob.reapply(items[0].id);
  r = await ob.flush();
  assert.equal(r.sent, 1);
  assert.deepEqual(server.actions, ['village_review']);
});

test('an action re-sent after a lost answer is recognised as landed, not shown as a conflict', async () => {
  const { server, clock, ob } = setup();
  const a = uuid();
  await ob.add(CREATE, a, { body: { id: a } });
  await ob.flush();
  server.applied = async (item) => server.actions.includes(item.payload.action);
  await ob.add(ACTION, a, { action: 'village_review', body: { version: 1, result: 'pass' } });
  server.loseAnswer = true;
  await ob.flush();
  clock.advance(5000);
  const r = await ob.flush();
  assert.equal(r.sent, 1);
  assert.equal(r.conflicts, 0);
  assert.deepEqual(server.actions, ['village_review']);
  assert.equal(await ob.count(), 0);
});

test('server trouble (5xx) backs off; 401 waits for sign-in; neither drops the item', async () => {
  const { server, clock, ob } = setup();
  const a = uuid();
  await ob.add(CREATE, a, { body: { id: a } });
  server.script.push({ status: 503, body: null });
  await ob.flush();
  let [it] = await ob.list();
  assert.equal(it.status, PENDING);
  assert.equal(it.attempts, 1);
  clock.advance(1000);
  server.script.push({ status: 401, body: { error: { code: 'unauthorized' } } });
  await ob.flush();
  [it] = await ob.list();
  assert.equal(it.attempts, 2);
  clock.advance(2000);
  await ob.flush();
  assert.equal(await ob.count(), 0);
});

test('uuid is a v4 UUID, also without crypto.randomUUID', () => {
  const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(uuid(), re);
  const saved = globalThis.crypto.randomUUID;
  globalThis.crypto.randomUUID = undefined;
  try {
    const a = uuid(), b = uuid();
    assert.match(a, re);
    assert.notEqual(a, b);
  } finally {
    globalThis.crypto.randomUUID = saved;
  }
});

test('a new case corrected after a refusal still goes before the photos that waited for it', async () => {
  const { server, ob } = setup();
  const a = uuid();
  await ob.add(CREATE, a, { body: { id: a, head: 'typo' } });
  await ob.add(PHOTO, a, { id: 'p1', kind: 'hukou' });
  await ob.add(PHOTO, a, { id: 'p2', kind: 'house_before' });
  server.script.push({ status: 409, body: { error: { code: 'duplicate_application', message: '该身份证号已有申请' } } });
  await ob.flush();
  const [create] = await ob.list();
  assert.equal(create.status, CONFLICT);
  await ob.reapply(create.id, { head: 'fixed' }); // moved to the end of the queue
  const r = await ob.flush();
  assert.equal(r.sent, 3);
  assert.deepEqual(server.calls.slice(1).map((c) => c.split(':')[0]), [CREATE, PHOTO, PHOTO]);
  assert.equal(server.photos.size, 2);
});

// photoStore is memoryStore with the photo bytes kept apart by photo id,
// as db.js keeps them: deleting a photo item deletes its bytes.
function photoStore() {
  const items = memoryStore();
  const bytes = new Set();
  return {
    bytes,
    getAll: items.getAll,
    put: items.put,
    async delete(id) {
      const it = (await items.getAll()).find((x) => x.id === id);
      if (it && it.kind === PHOTO) bytes.delete(it.payload.id);
      await items.delete(id);
    },
  };
}

test('a step sent again with its photos (a refusal, a second tap offline) sends each photo once, by its client id', async () => {
  const server = fakeServer();
  const store = photoStore();
  const send = server.send;
  // The transport reads the kept bytes, as api.js does.
  server.send = async (item) => (item.kind === PHOTO && !store.bytes.has(item.payload.id)
    ? { status: 422, body: { error: { code: 'photo_missing', message: '本机保存的照片数据已丢失' } } }
    : send(item));
  const ob = new Outbox({ store, transport: server, now: () => 1000, random: () => 0, base: 1000, max: 60000 });
  const caseId = uuid();
  server.cases.set(caseId, { version: 3 });
  const notice = { id: uuid(), kind: 'notice_township' };
  const queue = async (body) => {
    store.bytes.add(notice.id);
    await ob.add(PHOTO, caseId, notice);
    return ob.add(ACTION, caseId, { action: 'township_review', body });
  };

  // Offline, the officer taps 提交 twice: one photo item, two actions.
  server.online = false;
  await queue({ version: 3, result: 'pass', publicity_start: '2024-05-01' });
  await queue({ version: 3, result: 'pass', publicity_start: '2024-05-01' });
  assert.equal((await ob.list()).filter((i) => i.kind === PHOTO).length, 1);

  // The refused photo (e.g. taken before its posting date) is sent again
  // when the step is: the same item, made due again, not a twin.
  server.online = true;
  server.script.push({ status: 400, body: { error: { code: 'invalid_input', message: '拍摄日期早于公示张贴日期' } } });
  await ob.flush();
  let photos = (await ob.list()).filter((i) => i.kind === PHOTO);
  assert.equal(photos.length, 1);
  assert.equal(photos[0].status, FAILED);
  await queue({ version: 3, result: 'pass', publicity_start: '2024-05-02' });
  photos = (await ob.list()).filter((i) => i.kind === PHOTO);
  assert.equal(photos.length, 1, 'still one item for the photo');
  assert.equal(photos[0].status, PENDING);
  await ob.flush();
  const sends = server.calls.filter((c) => c === PHOTO + ':' + notice.id);
  assert.equal(sends.length, 2, 'the refused try and the accepted one: never a twin');
  assert.equal(server.photos.size, 1);
  assert.ok(!(await ob.list()).some((i) => i.kind === PHOTO), 'the photo landed; nothing says its bytes were lost');
});
