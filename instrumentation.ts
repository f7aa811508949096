/** Runs once when the Next.js server boots; the Node.js work lives in lib/server-boot.ts. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { bootServer } = await import('./lib/server-boot');
    await bootServer();
  }
}
