import nock from 'nock';

// Tests never reach the network: only loopback (supertest, local test servers) is allowed.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);

// nock's request interceptor registers itself on globalThis, which jest soft-deletes when a test
// file ends while node's http module (shared by every file of a worker) stays patched; the next
// file then reuses the deleted interceptor and jest warns (JEST-01) once per file. Disposing it at
// the end of each file unpatches http and removes the global, so every file starts clean.
afterAll(() => {
  nock.restore();
});
