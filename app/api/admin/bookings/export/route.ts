/**
 * GET /api/admin/bookings/export?q=&status=&from=&to= — the staff booking list as a CSV file:
 * the bookings /admin/bookings shows for the same filters, every page of them (up to 10,000,
 * newest first; `X-Holdfast-Truncated: true` when there were more). Staff only.
 */
import { z } from 'zod';
import { bookingsCsv } from '@/app/(admin)/admin/bookings/csv';
import { BookingStatus, exportBookings } from '@/db/admin-bookings';
import { AppError } from '@/db/errors';
import { handler, readQuery } from '@/lib/http';
import { logger } from '@/lib/logger';
import { LocalDate } from '@/lib/schemas';
import { requireStaffRequest } from '@/lib/staff-auth';

export const dynamic = 'force-dynamic';

const ExportQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  status: BookingStatus.optional(),
  from: LocalDate.optional(),
  to: LocalDate.optional(),
});

export const GET = handler('Error exporting bookings', async (req) => {
  const staff = await requireStaffRequest(req);
  const query = readQuery(req, ExportQuery);
  if (query.from && query.to && query.to < query.from) {
    throw new AppError('invalid_request', 'to: the last day must be on or after the first', { field: 'to' });
  }
  const { rows, total, truncated } = await exportBookings({
    query: query.q || undefined,
    status: query.status,
    from: query.from,
    to: query.to,
  });
  logger.info({ event: 'bookings_exported', staffId: staff.staffId, rows: rows.length, total }, 'Bookings exported');
  const name = ['holdfast-bookings', query.from, query.to].filter(Boolean).join('-');
  return new Response(bookingsCsv(rows), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}.csv"`,
      'cache-control': 'no-store',
      'x-holdfast-total': String(total),
      'x-holdfast-truncated': String(truncated),
    },
  });
});
