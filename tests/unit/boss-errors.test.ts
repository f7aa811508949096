/** jobs/boss: a database going away or coming back is a warning; any other pg-boss error is an error. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createBoss } from '@/jobs/boss';
import { logger } from '@/lib/logger';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('createBoss: what pg-boss reports', () => {
  afterEach(() => vi.restoreAllMocks());

  test.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection because of crash of another server process'],
    ['57P03', 'the database system is shutting down'],
  ])('%s (%s) is logged as a lost connection, at warn', (code, message) => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    // Never started: it opens no connection.
    const boss = createBoss({ worker: false, connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    boss.emit('error', pgError(code, message));
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'pgboss_connection_lost', code, reason: message }), expect.any(String));
  });

  test('any other error is logged as an error, with the error', () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const boss = createBoss({ worker: false, connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    const err = pgError('42P01', 'relation "pgboss.job" does not exist');
    boss.emit('error', err);
    expect(warn).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledWith({ event: 'pgboss_error', err }, 'pg-boss error');
  });
});
