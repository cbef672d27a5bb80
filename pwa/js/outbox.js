// The outbox keeps everything filed or decided on the phone until the server
// has it: a new case, then its photos, then actions, in the order they were
// made. Storage and transport are injected so the logic runs in Node tests.
//
// store:     { getAll(): Promise<item[]>, put(item): Promise, delete(id): Promise }
// transport: { send(item, onProgress): Promise<{status, body}> } — throws when
//            the network is unreachable; may offer applied(item): Promise<bool>
//            to tell whether an action whose answer was lost already landed.
//
// An item leaves the outbox only when the server said yes. A conflict (409)
// or a refusal (4xx) stays, visible, until the person resolves it.

// uuid returns a random RFC 4122 v4 id (crypto.randomUUID where present:
// older WebViews lack it, and it needs a secure context).
export function uuid() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// Item kinds.
export const CREATE = 'create_case';
export const PHOTO = 'photo';
export const ACTION = 'action';

// Item states.
export const PENDING = 'pending';   // waiting to be sent (maybe after a backoff)
export const CONFLICT = 'conflict'; // 409: the case moved on; the person decides
export const FAILED = 'failed';     // refused (400/403/404/413/422): the person decides

// backoffDelay is the wait before attempt n+1 after n failed attempts:
// doubling from base, capped, with up to 20 % jitter so phones that regain
// signal together do not all call at once.
export function backoffDelay(attempts, { base = 2000, max = 5 * 60 * 1000, random = Math.random } = {}) {
  const d = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(d * (1 + 0.2 * random()));
}

export class Outbox {
  constructor({ store, transport, now = () => Date.now(), random = Math.random, base = 2000, max = 5 * 60 * 1000, onChange = () => {}, onSent = () => {} }) {
    Object.assign(this, { store, transport, now, random, base, max, onChange, onSent });
    this.progress = new Map(); // item id → fraction uploaded (not persisted)
    this.running = null;
  }

  // list returns the unsent items in the order they will be sent: new
  // cases first (a case re-sent after a correction still goes before its
  // photos), then photos and actions in the order they were made.
  async list() {
    const items = await this.store.getAll();
    const rank = (it) => (it.kind === CREATE ? 0 : 1);
    return items.sort((a, b) => rank(a) - rank(b) || a.seq - b.seq);
  }

  // count is the number of unsent items, shown on every screen.
  async count() {
    return (await this.store.getAll()).length;
  }

  // add queues one item: kind CREATE {body}, PHOTO {file fields}, ACTION {action, body}.
  // A photo is queued once by its client id: queued again (a refused step
  // sent again with the same photos) while it still waits, the waiting
  // item stays the only one — made due again if it was refused — so the
  // photo is sent once and its kept bytes, shared by id, are not dropped
  // with a twin that landed first.
  async add(kind, caseId, payload) {
    const items = await this.store.getAll();
    if (kind === PHOTO) {
      const twin = items.find((it) => it.kind === PHOTO && it.case_id === caseId && it.payload.id === payload.id);
      if (twin) {
        if (twin.status !== PENDING) Object.assign(twin, { status: PENDING, attempts: 0, next_at: 0, error: null });
        await this.store.put(twin);
        this.onChange();
        return twin;
      }
    }
    const seq = items.reduce((m, it) => Math.max(m, it.seq), 0) + 1;
    const item = {
      id: uuid(), seq, kind, case_id: caseId, payload,
      status: PENDING, attempts: 0, next_at: 0, created_at: this.now(),
      error: null, sent_once: false,
    };
    await this.store.put(item);
    this.onChange();
    return item;
  }

  // waitsFor says whether an unsent earlier item must land before it: a
  // photo waits only for its case to exist; an action waits for everything
  // of its case queued before it.
  static waitsFor(item, earlier) {
    if (earlier.case_id !== item.case_id) return false;
    if (item.kind === PHOTO) return earlier.kind === CREATE;
    return true;
  }

  // flush sends every due item once, in order. Only one flush runs at a
  // time; a second call joins the running one.
  flush() {
    if (!this.running) {
      this.running = this._flush().finally(() => { this.running = null; });
    }
    return this.running;
  }

  async _flush() {
    const result = { sent: 0, conflicts: 0, failed: 0, offline: false, waiting: 0 };
    const items = await this.list();
    const held = []; // unsent items that later items of the same case may wait for
    for (const item of items) {
      if (held.some((e) => Outbox.waitsFor(item, e))) { held.push(item); result.waiting++; continue; }
      if (item.status !== PENDING || item.next_at > this.now()) {
        held.push(item);
        if (item.status === PENDING) result.waiting++;
        continue;
      }
      const outcome = await this._send(item);
      if (outcome === 'sent') { result.sent++; continue; }
      held.push(item);
      if (outcome === 'conflict') result.conflicts++;
      else if (outcome === 'failed') result.failed++;
      else { result.offline = outcome === 'offline'; result.waiting++; break; } // network or server trouble: stop for now
    }
    this.onChange();
    return result;
  }

  async _send(item) {
    let res;
    const wasSent = item.sent_once;
    item.sent_once = true;
    await this.store.put(item);
    try {
      res = await this.transport.send(item, (f) => { this.progress.set(item.id, f); this.onChange(); });
    } catch (err) {
      this.progress.delete(item.id);
      await this._retryLater(item, '网络不通，恢复信号后自动重发');
      return 'offline';
    }
    this.progress.delete(item.id);
    const status = res.status;
    if (status >= 200 && status < 300) {
      await this.store.delete(item.id);
      this.onSent(item, res.body);
      return 'sent';
    }
    const err = (res.body && res.body.error) || {};
    if (status === 409) {
      // An action re-sent after its answer was lost meets its own effect.
      if (item.kind === ACTION && wasSent && err.code === 'stale_version' && this.transport.applied && await this.transport.applied(item)) {
        await this.store.delete(item.id);
        this.onSent(item, null);
        return 'sent';
      }
      item.status = CONFLICT;
      item.error = { code: err.code || 'conflict', message: err.message || '案件已被他人更新', details: err.details || null };
      await this.store.put(item);
      return 'conflict';
    }
    if (status === 401) {
      await this._retryLater(item, '登录已过期，请重新登录后自动重发');
      return 'unauthorized';
    }
    if (status === 408 || status === 429 || status >= 500 || status === 0) {
      await this._retryLater(item, '服务器暂时不可用，稍后自动重发');
      return 'retry';
    }
    item.status = FAILED;
    item.error = { code: err.code || String(status), message: err.message || '提交被拒绝', fields: err.fields || null, details: err.details || null };
    await this.store.put(item);
    return 'failed';
  }

  async _retryLater(item, message) {
    item.attempts += 1;
    item.next_at = this.now() + backoffDelay(item.attempts, { base: this.base, max: this.max, random: this.random });
    item.error = { code: 'retry', message };
    item.status = PENDING;
    await this.store.put(item);
  }

  // retryNow makes every waiting item due at once (the person pressed 立即发送).
  async retryNow() {
    for (const item of await this.store.getAll()) {
      if (item.status === PENDING && item.next_at > 0) { item.next_at = 0; await this.store.put(item); }
    }
    return this.flush();
  }

  // reapply sends a conflicted or refused item again, moved to the end of
  // the queue, with changes (e.g. {version} of the latest case) merged into
  // its body.
  async reapply(id, bodyChanges = {}) {
    const items = await this.store.getAll();
    const item = items.find((it) => it.id === id);
    if (!item) return null;
    if (item.payload.body) item.payload.body = { ...item.payload.body, ...bodyChanges };
    item.seq = items.reduce((m, it) => Math.max(m, it.seq), 0) + 1;
    Object.assign(item, { status: PENDING, attempts: 0, next_at: 0, error: null, sent_once: false });
    await this.store.put(item);
    this.onChange();
    return item;
  }

  // discard removes an item the person chose to drop; dropping a new case
  // drops its photos and actions too (they cannot land without it).
  async discard(id) {
    const items = await this.store.getAll();
    const item = items.find((it) => it.id === id);
    if (!item) return [];
    const gone = item.kind === CREATE ? items.filter((it) => it.case_id === item.case_id) : [item];
    for (const it of gone) await this.store.delete(it.id);
    this.onChange();
    return gone;
  }
}

// memoryStore is an in-memory store (tests, and browsers without IndexedDB).
export function memoryStore() {
  const m = new Map();
  const clone = (x) => structuredClone(x);
  return {
    async getAll() { return [...m.values()].map(clone); },
    async put(item) { m.set(item.id, clone(item)); },
    async delete(id) { m.delete(id); },
  };
}
