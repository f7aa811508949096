/**
 * The metrics page's period (app/(admin)/admin/metrics/period.ts): presets count back from
 * today's date on the metrics' clock, given by the database; chosen dates are taken as they are;
 * nonsense falls back to the last 7 days with a reason. Calendar arithmetic only.
 */
import { describe, expect, test } from 'vitest';
import { periodFromParams, presetPeriod } from '@/app/(admin)/admin/metrics/period';

describe('metrics period', () => {
  test('presets end today, on the clock the database says, across month and year ends', () => {
    expect(presetPeriod('today', '2027-01-01')).toEqual({ from: '2027-01-01', to: '2027-01-01', preset: 'today', days: 1, problem: null });
    expect(presetPeriod('7d', '2027-01-03')).toMatchObject({ from: '2026-12-28', to: '2027-01-03', days: 7 });
    expect(presetPeriod('30d', '2028-03-01')).toMatchObject({ from: '2028-02-01', to: '2028-03-01', days: 30 }); // 2028 is a leap year
    // A day with a daylight-saving change is one calendar day like any other.
    expect(presetPeriod('7d', '2027-03-16')).toMatchObject({ from: '2027-03-10', days: 7 });
  });

  test('chosen days are kept as they are; one of the two stands for both', () => {
    expect(periodFromParams({ from: '2027-03-14', to: '2027-03-15' }, '2027-06-01')).toEqual({
      from: '2027-03-14', to: '2027-03-15', preset: null, days: 2, problem: null,
    });
    expect(periodFromParams({ to: '2027-03-15' }, '2027-06-01')).toMatchObject({ from: '2027-03-15', to: '2027-03-15', days: 1 });
    expect(periodFromParams({ preset: 'today' }, '2027-06-01')).toMatchObject({ from: '2027-06-01', preset: 'today' });
    expect(periodFromParams({}, '2027-06-01')).toMatchObject({ from: '2027-05-26', to: '2027-06-01', preset: '7d', problem: null });
  });

  test('nonsense falls back to the last 7 days and says why', () => {
    const today = '2027-06-01';
    expect(periodFromParams({ from: '1 June' }, today)).toMatchObject({ preset: '7d', problem: expect.stringContaining('YYYY-MM-DD') });
    expect(periodFromParams({ from: '2027-06-02', to: '2027-06-01' }, today)).toMatchObject({ preset: '7d', problem: expect.stringContaining('end on or after') });
    expect(periodFromParams({ from: '2026-01-01', to: '2027-02-05' }, today)).toMatchObject({ preset: '7d', problem: expect.stringContaining('400 days') });
    expect(periodFromParams({ from: '2026-01-01', to: '2027-02-04' }, today)).toMatchObject({ days: 400, problem: null });
  });
});
