/** Whose live holds a reservation counts against: the address the outermost trusted proxy saw. */
import { describe, expect, test } from 'vitest';
import { clientAddress, clientKey } from '@/lib/client-key';

const headers = (h: Record<string, string>) => new Headers(h);

describe('clientAddress', () => {
  test('one proxy: the entry it appended, whatever the client put before it', () => {
    expect(clientAddress(headers({ 'x-forwarded-for': '203.0.113.9' }), '10.0.0.1', 1)).toBe('203.0.113.9');
    expect(clientAddress(headers({ 'x-forwarded-for': 'forged, 1.2.3.4 , 203.0.113.9' }), '10.0.0.1', 1)).toBe('203.0.113.9');
  });

  test('two proxies: the second entry from the right; fewer entries than proxies: the leftmost', () => {
    expect(clientAddress(headers({ 'x-forwarded-for': 'forged, 203.0.113.9, 10.1.1.1' }), undefined, 2)).toBe('203.0.113.9');
    expect(clientAddress(headers({ 'x-forwarded-for': '203.0.113.9' }), undefined, 2)).toBe('203.0.113.9');
  });

  test('no header: X-Real-IP, then the connection; no proxy: the connection, the header ignored', () => {
    expect(clientAddress(headers({ 'x-real-ip': ' 203.0.113.5 ' }), '10.0.0.1', 1)).toBe('203.0.113.5');
    expect(clientAddress(headers({}), '10.0.0.1', 1)).toBe('10.0.0.1');
    expect(clientAddress(headers({ 'x-forwarded-for': '203.0.113.9' }), '10.0.0.1', 0)).toBe('10.0.0.1');
    expect(clientAddress(headers({}), undefined, 0)).toBe('unknown');
  });

  test('the key is a hash: the same for one address, different for two, no address in it', () => {
    const a = clientKey(headers({ 'x-forwarded-for': 'x, 203.0.113.9' }));
    expect(a).toBe(clientKey(headers({ 'x-forwarded-for': 'y, 203.0.113.9' })));
    expect(a).not.toBe(clientKey(headers({ 'x-forwarded-for': '203.0.113.10' })));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });
});
