/** GET /api/live, through the real pages/api route behind an HTTP server: liveness without the database. */
import { describe, expect, test } from 'vitest';
import liveRoute from '@/pages/api/live';
import { json, nodeRoute, request } from '../helpers/http';

const live = nodeRoute(liveRoute);

describe('GET /api/live', () => {
  test('200 { ok: true }, as JSON', async () => {
    const res = await json(await live(request('GET', '/api/live')));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  test('HEAD: 200 without a body', async () => {
    const res = await live(request('HEAD', '/api/live'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  test('other methods: 405 method_not_allowed, naming GET', async () => {
    const res = await json(await live(request('POST', '/api/live', { body: {} })));
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 405, code: 'method_not_allowed' });
    expect(res.body.message).toBe('Use GET.');
    expect(res.headers.get('allow')).toBe('GET');
  });
});
