import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'Holdfast',
  description: 'Book tours, classes and rentals with live availability.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <a href="/" className="brand">Holdfast</a>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
