'use client';
/** Opens the browser's print dialog (the page has a print stylesheet). */
export function PrintButton({ className }: { className?: string }) {
  return (
    <button type="button" className={`button ${className ?? ''}`} onClick={() => window.print()}>
      Print
    </button>
  );
}
