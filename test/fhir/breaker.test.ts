import { CircuitBreakers } from '../../src/fhir/breaker';

describe('circuit breaker per FHIR server', () => {
  let now = 0;
  const breakers = () => new CircuitBreakers({ failures: 3, windowMs: 1000, cooldownMs: 500, maxServers: 3, now: () => now });
  beforeEach(() => {
    now = 0;
  });

  test('opens after N consecutive failures, refuses during the cool-down, then lets exactly one probe through', () => {
    const b = breakers();
    for (let i = 0; i < 3; i += 1) {
      expect(b.allow('A')).toBe(true);
      b.failed('A');
    }
    expect(b.openCount()).toBe(1);
    now = 499;
    expect(b.allow('A')).toBe(false);
    expect(b.allow('B')).toBe(true);
    now = 500;
    expect(b.allow('A')).toBe(true); // the probe
    expect(b.allow('A')).toBe(false); // others wait for its result
    b.failed('A');
    now = 999;
    expect(b.allow('A')).toBe(false); // the failed probe opened it for another cool-down
    now = 1000;
    expect(b.allow('A')).toBe(true);
    b.succeeded('A');
    expect(b.openCount()).toBe(0);
    expect(b.allow('A')).toBe(true);
    expect(b.allow('A')).toBe(true);
  });

  test('failures must be consecutive and within the window', () => {
    const b = breakers();
    b.failed('A');
    b.failed('A');
    b.succeeded('A');
    b.failed('A');
    b.failed('A');
    expect(b.allow('A')).toBe(true);
    now = 1001; // the first of these two is out of the window: counting starts again
    b.failed('A');
    expect(b.allow('A')).toBe(true);
    b.failed('A');
    b.failed('A');
    expect(b.allow('A')).toBe(false);
  });

  test('a failure reported while open (a request from before) does not extend or close it', () => {
    const b = breakers();
    for (let i = 0; i < 3; i += 1) b.failed('A');
    now = 400;
    b.failed('A');
    now = 500;
    expect(b.allow('A')).toBe(true);
  });

  test('tracks a bounded number of servers, forgetting the oldest', () => {
    const b = breakers();
    for (const server of ['A', 'B', 'C', 'D', 'E']) for (let i = 0; i < 3; i += 1) b.failed(server);
    expect(b.size).toBe(3);
    expect(b.openCount()).toBe(3);
    expect(b.allow('A')).toBe(true);
    expect(b.allow('E')).toBe(false);
  });
});
