// IndexedDB, promised: the outbox, the photos waiting in it (kept apart so
// listing the outbox stays cheap on a phone holding dozens of photos), and
// a key-value store for what the app must show without signal.

let dbp = null;

function open() {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      const req = indexedDB.open('anju', 2);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains('outbox')) db.createObjectStore('outbox', { keyPath: 'id' });
        if (!db.objectStoreNames.contains('kv')) db.createObjectStore('kv');
        if (!db.objectStoreNames.contains('blobs')) db.createObjectStore('blobs');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbp;
}

async function run(stores, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(stores, mode);
    const req = fn(tx);
    tx.oncomplete = () => resolve(req && req.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

// outboxStore is the Outbox's persistent store. Deleting a photo item
// deletes its bytes in the same transaction.
export const outboxStore = {
  getAll: () => run('outbox', 'readonly', (tx) => tx.objectStore('outbox').getAll()),
  put: (item) => run('outbox', 'readwrite', (tx) => tx.objectStore('outbox').put(item)),
  delete: (id) => run(['outbox', 'blobs'], 'readwrite', (tx) => {
    const items = tx.objectStore('outbox');
    const get = items.get(id);
    get.onsuccess = () => {
      const item = get.result;
      if (item && item.kind === 'photo') tx.objectStore('blobs').delete(item.payload.id);
      items.delete(id);
    };
    return null;
  }),
};

// blobs holds the bytes of photos waiting in the outbox, by photo id.
export const blobs = {
  put: (id, data) => run('blobs', 'readwrite', (tx) => tx.objectStore('blobs').put(data, id)),
  get: (id) => run('blobs', 'readonly', (tx) => tx.objectStore('blobs').get(id)),
};

export const kv = {
  get: (key) => run('kv', 'readonly', (tx) => tx.objectStore('kv').get(key)),
  set: (key, value) => run('kv', 'readwrite', (tx) => tx.objectStore('kv').put(value, key)),
  del: (key) => run('kv', 'readwrite', (tx) => tx.objectStore('kv').delete(key)),
  clear: () => run('kv', 'readwrite', (tx) => tx.objectStore('kv').clear()),
};
