import nock from 'nock';

// Tests never reach the network: only loopback (supertest, local test servers) is allowed.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
