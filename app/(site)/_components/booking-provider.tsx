'use client';
/**
 * The visitor's booking, shared by every customer page: the banner, the start-time buttons, the
 * basket and the confirmation page all read and update it here. It is seeded by the (site)
 * layout from the hold cookie on the server, then updated from every API answer that returns a
 * Booking, so a new hold restarts the banner's countdown without a reload.
 *
 * It also gives an abandoned hold back: when the page goes away (`pagehide`) with a live,
 * editable hold, a beacon releases it — unless the page is leaving on purpose (Stripe Checkout)
 * or another Holdfast tab of this browser is still open and showing the same hold. A reload
 * unloads the page too; the next page in the tab then takes the same booking up again, or holds
 * the same seats as a new one when that cannot be had (unload-recovery).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError, beaconRelease, fetchBooking, resumeHold } from '../_lib/api-client';
import type { Booking } from '../_lib/booking-types';
import { isEditable, isPending } from '../_lib/hold-summary';
import { clearLeaving, isLeaving } from '../_lib/leaving';
import { reholdItems } from '../_lib/rehold';
import { joinTabs, type TabPresence } from '../_lib/tab-presence';
import { claimRelease, recentRelease, rememberRelease, type ReleaseNote } from '../_lib/unload-recovery';

interface BookingContextValue {
  booking: Booking | null;
  /** Use the booking an API call answered with (shared with the other tabs). */
  setBooking: (booking: Booking | null) => void;
  /** Ask the server for the current state of the visitor's booking. */
  refresh: () => Promise<Booking | null>;
  /**
   * The booking once any background work on it is done (holding seats again after a reload):
   * what an action that adds to the booking must start from.
   */
  settled: () => Promise<Booking | null>;
  /** This tab is taking up the hold it gave back on a reload: the page should say so, not "released". */
  restoring: boolean;
  /** A message that must outlive the component that produced it (shown by the hold banner). */
  notice: Notice | null;
  setNotice: (notice: Notice | null) => void;
}

export interface Notice {
  text: string;
  /** The booking the notice speaks of: it is no longer shown once that hold has ended. */
  bookingNumber?: string;
  /** One line per start time that could not be held again. */
  details?: string[];
}

const BookingContext = createContext<BookingContextValue | null>(null);

export function useBooking(): BookingContextValue {
  const value = useContext(BookingContext);
  if (!value) throw new Error('useBooking must be used inside <BookingProvider>');
  return value;
}

/*
 * The server answering "no booking" while we knew a pending one means its cookie was cleared,
 * which only a release does (a beacon from a page that was closed or reloaded, or the button).
 * Keep what it held, marked released, so the page can say so and offer to hold it again.
 */
function reconcile(previous: Booking | null, next: Booking | null): Booking | null {
  if (next === null && previous && isPending(previous)) return { ...previous, status: 'released', availabilityReserved: false };
  return next;
}

export function BookingProvider({ initialBooking, children }: { initialBooking: Booking | null; children: ReactNode }) {
  const [booking, setState] = useState<Booking | null>(initialBooking);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [restoring, setRestoring] = useState(false);
  const bookingRef = useRef(booking);
  bookingRef.current = booking;
  const tabs = useRef<TabPresence | null>(null);
  const recovering = useRef<Promise<unknown>>(Promise.resolve());

  const setBooking = useCallback((next: Booking | null) => {
    setState(next);
    bookingRef.current = next;
    tabs.current?.shareBooking(next);
  }, []);

  const refresh = useCallback(async () => {
    try {
      const next = reconcile(bookingRef.current, await fetchBooking());
      setBooking(next);
      return next;
    } catch {
      return bookingRef.current; // offline: keep what we know; the countdown still runs
    }
  }, [setBooking]);

  const settled = useCallback(async () => {
    await recovering.current.catch(() => undefined);
    return bookingRef.current;
  }, []);

  /*
   * This tab released its hold on the way out a moment ago (a reload, or an address typed in the
   * same tab). What the server says decides:
   *   - the hold is still live (the beacon never left, or another tab took it up): show it;
   *   - the beacon gave it back: take the same booking up again, with its number, seats and
   *     expiry (POST /api/booking/resume);
   *   - it was paid, cancelled or has expired meanwhile: show it as it stands; nothing is held;
   *   - its seats went to someone else in the moment they were free, or the browser no longer
   *     holds that booking at all: hold the same seats as a new booking, and say so.
   */
  const recover = useCallback(
    async ({ bookingNumber: previous, items }: ReleaseNote) => {
      let server: Booking | null;
      try {
        server = await fetchBooking();
      } catch {
        return; // offline: the page shows what it knows; the visitor can hold again by hand
      }
      if (server && isEditable(server)) {
        setBooking(server);
        return;
      }
      if (server?.bookingNumber === previous) {
        if (server.status !== 'released') {
          setBooking(server);
          return;
        }
        try {
          setBooking(await resumeHold(previous));
          return;
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 'sold_out')) {
            // Offline, or no longer to be taken up (given back too long ago, its time up): as it stands.
            setBooking(server);
            return;
          }
        }
      }
      const { booking: again, failures } = await reholdItems(items);
      if (again) {
        setBooking(again);
        const bookingNumber = again.bookingNumber;
        setNotice(
          failures.length
            ? { bookingNumber, text: `Leaving the page gave your seats back. Held again as booking ${bookingNumber}, except:`, details: failures }
            : { bookingNumber, text: `Leaving the page gave your seats back; they are held again as booking ${bookingNumber}.` },
        );
      } else {
        setBooking(reconcile(bookingRef.current, server));
        setNotice({ text: 'Leaving the page gave your seats back, and they could not be held again:', details: failures });
      }
    },
    [setBooking],
  );

  // A server render (router.refresh) brings a newer booking from the cookie: take it.
  const seeded = useRef(JSON.stringify(initialBooking));
  useEffect(() => {
    const key = JSON.stringify(initialBooking);
    if (key === seeded.current) return;
    seeded.current = key;
    setState((previous) => reconcile(previous, initialBooking));
  }, [initialBooking]);

  useEffect(() => {
    const presence = joinTabs((shared) => {
      setState(shared);
      bookingRef.current = shared;
    });
    tabs.current = presence;
    presence.announce();

    const onPageHide = () => {
      presence.leave();
      const current = bookingRef.current;
      if (!current || isLeaving() || !isEditable(current) || presence.peers() > 0) return;
      if (beaconRelease(current.bookingNumber)) rememberRelease(current);
    };
    const onPageShow = (event: PageTransitionEvent) => {
      if (!event.persisted) return;
      // Back from the back/forward cache: the beacon may have released the hold meanwhile.
      clearLeaving();
      presence.announce();
      void refresh();
    };
    window.addEventListener('pagehide', onPageHide);
    window.addEventListener('pageshow', onPageShow);

    // A reload sends the previous page's beacon while this page is being rendered: re-read
    // shortly after, so a hold released meanwhile is not shown as held — and hold the seats
    // again when it was this very tab that let them go a moment ago. Until that is done,
    // settled() makes new holds wait, so they join the recovered booking instead of racing it.
    const released = recentRelease();
    let recheck: number | undefined;
    let done: () => void = () => {};
    if (released) {
      setRestoring(true);
      recovering.current = new Promise<void>((resolve) => {
        done = () => {
          setRestoring(false);
          resolve();
        };
      });
      recheck = window.setTimeout(() => {
        if (!claimRelease()) return done();
        void recover(released).finally(done);
      }, 500);
    } else if (initialBooking) {
      recheck = window.setTimeout(() => void refresh(), 400);
    }
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      window.removeEventListener('pageshow', onPageShow);
      window.clearTimeout(recheck);
      done();
      presence.leave();
      presence.close();
      tabs.current = null;
    };
    // Mount once: the handlers read the booking through the ref.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const value = useMemo(
    () => ({ booking, setBooking, refresh, settled, restoring, notice, setNotice }),
    [booking, setBooking, refresh, settled, restoring, notice],
  );
  return <BookingContext.Provider value={value}>{children}</BookingContext.Provider>;
}
