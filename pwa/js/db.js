// IndexedDB, promised: one database with the outbox and a key-value store
// for what the app must show without signal (user, lists, case files).

let dbp = null;

function open() {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      const req = indexedDB.open('anju', 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains('outbox')) db.createObjectStore('outbox', { keyPath: 'id' });
        if (!db.objectStoreNames.contains('kv')) db.createObjectStore('kv');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbp;
}

async function run(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const req = fn(tx.objectStore(store));
    tx.oncomplete = () => resolve(req && req.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

// outboxStore is the Outbox's persistent store.
export const outboxStore = {
  getAll: () => run('outbox', 'readonly', (s) => s.getAll()),
  put: (item) => run('outbox', 'readwrite', (s) => s.put(item)),
  delete: (id) => run('outbox', 'readwrite', (s) => s.delete(id)),
};

export const kv = {
  get: (key) => run('kv', 'readonly', (s) => s.get(key)),
  set: (key, value) => run('kv', 'readwrite', (s) => s.put(value, key)),
  del: (key) => run('kv', 'readwrite', (s) => s.delete(key)),
  clear: () => run('kv', 'readwrite', (s) => s.clear()),
};
