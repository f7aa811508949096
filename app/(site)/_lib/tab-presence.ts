/**
 * Which other Holdfast tabs of this browser are open, and a way to tell them about booking
 * changes. All tabs share one hold (the cookie), so closing one tab must not give back seats
 * another tab is still showing, and a hold taken in one tab should show in the others' banners.
 * BroadcastChannel does both; where it does not exist every tab simply behaves as the only one.
 */
import type { Booking } from './booking-types';

type Message =
  | { type: 'hello'; id: string }
  | { type: 'here'; id: string }
  | { type: 'bye'; id: string }
  | { type: 'booking'; id: string; booking: Booking | null };

export interface TabPresence {
  /** How many other tabs said hello and have not said goodbye. */
  peers(): number;
  announce(): void;
  leave(): void;
  shareBooking(booking: Booking | null): void;
  close(): void;
}

export function joinTabs(onBooking: (booking: Booking | null) => void): TabPresence {
  const id = Math.random().toString(36).slice(2);
  const others = new Set<string>();
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('holdfast-tabs') : null;
  const post = (message: Message) => channel?.postMessage(message);

  if (channel) {
    channel.onmessage = (event: MessageEvent<Message>) => {
      const message = event.data;
      if (!message || message.id === id) return;
      switch (message.type) {
        case 'hello':
          others.add(message.id);
          post({ type: 'here', id });
          break;
        case 'here':
          others.add(message.id);
          break;
        case 'bye':
          others.delete(message.id);
          break;
        case 'booking':
          others.add(message.id);
          onBooking(message.booking);
          break;
      }
    };
  }

  return {
    peers: () => others.size,
    announce: () => post({ type: 'hello', id }),
    leave: () => post({ type: 'bye', id }),
    shareBooking: (booking) => post({ type: 'booking', id, booking }),
    close: () => channel?.close(),
  };
}
