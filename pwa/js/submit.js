// Decisions go through the outbox whether or not there is signal; this
// sends them at once when there is, and says what became of them.

import * as api from './api.js';
import { ACTION, CONFLICT, FAILED } from './outbox.js';
import { queuePhotos } from './photos.js';

// submitAction queues photos and the action, sends them when there is
// signal, and reports what became of the action.
export async function submitAction(app, c, action, fields, photos) {
  await queuePhotos(app.outbox, c.id, photos);
  const item = await app.outbox.add(ACTION, c.id, { action, body: { version: c.version, ...fields }, head_name: c.household && c.household.head_name });
  if (!navigator.onLine) return { queued: true };
  await app.flush();
  const left = (await app.outbox.list()).find((i) => i.id === item.id);
  if (!left) return { sent: true, case: await api.kept('/api/cases/' + c.id) };
  if (left.status === FAILED) {
    await app.outbox.discard(left.id); // the person is looking at the form: show it there, keep nothing stale
    return { failed: left.error };
  }
  if (left.status === CONFLICT) return { conflict: left };
  return { queued: true };
}

