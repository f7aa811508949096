import { describe, expect, test } from 'vitest';
import { connect } from '../helpers/fixtures';

describe('test database', () => {
  test('is migrated', async () => {
    const sql = connect(1);
    const [row] = await sql`select count(*)::int as n from data.experiences`;
    expect(row!.n).toBe(0);
  });
});
