// 安居 service worker: the app shell from a cache named by the build, so a
// deploy rolls it over; the API always goes to the network (the page keeps
// its own offline copies and outbox in IndexedDB). The server fills in
// VERSION and SHELL when it serves this file.
const VERSION = '__ANJU_VERSION__';
const SHELL = __ANJU_SHELL__;
const CACHE = 'anju-shell-' + VERSION;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // 'no-cache' revalidates with the server: files the page just loaded
    // cost a 304, and a deploy's new files are never taken from a stale
    // HTTP cache.
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'no-cache' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('anju-shell-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  // Pages are the shell (hash routes): answer every navigation with '/'.
  const key = req.mode === 'navigate' ? '/' : url.pathname;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(key, { ignoreSearch: true });
    if (hit) return hit;
    return fetch(req);
  })());
});
