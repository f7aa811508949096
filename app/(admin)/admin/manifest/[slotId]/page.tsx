/**
 * /admin/manifest/<slotId>: who is coming to one start time — names, people, contact, paid or
 * due — with a check-in checkbox each, and a print stylesheet for a paper copy. Any signed-in
 * staff member may see it and check parties in.
 */
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { manifest as readManifest, type Manifest } from '@/db/admin-schedules';
import { AppError } from '@/db/errors';
import { formatLocalRange, formatPeople } from '@/emails/format';
import { requireStaff } from '@/lib/current-staff';
import { Id } from '@/lib/schemas';
import { CheckInList } from '../check-in-list';
import styles from '../manifest.module.css';
import { PrintButton } from '../print-button';

export const metadata: Metadata = { title: 'Manifest' };

interface Props {
  params: Promise<{ slotId: string }>;
}

export default async function ManifestPage({ params }: Props) {
  await connection();
  const staff = await requireStaff();
  const id = Id.safeParse((await params).slotId);
  if (!id.success) notFound();
  let manifest: Manifest;
  try {
    manifest = await readManifest(id.data);
  } catch (err) {
    if (err instanceof AppError && err.code === 'slot_not_found') notFound();
    throw err;
  }
  const { slot, liveHolds } = manifest;
  return (
    <div className={styles.manifest}>
      <div className={styles.head}>
        <div>
          <h1>Manifest: {slot.experienceName}</h1>
          <p className={styles.when}>{formatLocalRange(slot.localStartsAt, slot.localEndsAt, slot.timezone)}</p>
        </div>
        <div className={styles.noPrint}>
          <PrintButton />{' '}
          {staff.role === 'owner' && <Link href={`/admin/experiences/${slot.experienceSlug}`}>Experience</Link>}{' '}
          <Link href="/admin">Live board</Link>
        </div>
      </div>
      <p className={styles.numbers}>
        <span>
          Booked <strong>{slot.booked}</strong> of <strong>{slot.capacity}</strong>
        </span>
        <span>
          Remaining <strong>{slot.remaining}</strong>
        </span>
        {!slot.open && <span className="tag">closed to new bookings</span>}
        <span data-testid="live-holds">
          {liveHolds.bookings === 0
            ? 'No live holds'
            : `${formatPeople(liveHolds.people)} held in ${liveHolds.bookings} live ${liveHolds.bookings === 1 ? 'hold' : 'holds'} (may still book)`}
        </span>
      </p>
      <section className="card" aria-label="Parties">
        <CheckInList manifest={manifest} />
      </section>
    </div>
  );
}
