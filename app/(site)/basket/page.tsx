import type { Metadata } from 'next';
import { connection } from 'next/server';
import { BasketView } from './basket-view';

export const metadata: Metadata = { title: 'Basket' };

/*
 * The basket reads the visitor's booking from the shared booking context (seeded from the hold
 * cookie by the layout), so a change made here shows in the banner at once and vice versa.
 */
export default async function BasketPage() {
  await connection();
  return (
    <>
      <h1>Basket</h1>
      <BasketView />
    </>
  );
}
