import { planPinning, serverCommand } from '../../bench/cpu-pinning';

describe('bench CPU pinning', () => {
  test('the load generator gets core 0 and the servers the rest', () => {
    expect(planPinning(2, true)).toEqual({ harness: '0', servers: '1' });
    expect(planPinning(8, true)).toEqual({ harness: '0', servers: '1-7' });
  });

  test('one core, or no taskset, pins nothing', () => {
    expect(planPinning(1, true)).toBeUndefined();
    expect(planPinning(2, false)).toBeUndefined();
  });

  test('a pinned server is started through taskset, which execs node with the same arguments', () => {
    expect(serverCommand(['-r', 'probe.js', 'server.js'], '1')).toEqual({ command: 'taskset', args: ['-c', '1', process.execPath, '-r', 'probe.js', 'server.js'] });
    expect(serverCommand(['server.js'], undefined)).toEqual({ command: process.execPath, args: ['server.js'] });
  });
});
