/**
 * A process that starts an embedded PostgreSQL and then does nothing, for tests/db/embedded.test.ts:
 * `node --import tsx tests/helpers/embedded-child.ts <dataDir> <port> own|shared`. It prints
 * "ready" once the server accepts connections and exits on SIGINT without stopping the server, so
 * that only the signal decides whether the server survives.
 */
import exitHook from 'async-exit-hook';
import { startEmbeddedPostgres } from '@/db/embedded';

const [dataDir, port, group] = process.argv.slice(2);
exitHook.unhookEvent('SIGINT');
await startEmbeddedPostgres({ dataDir: dataDir!, persistent: true, port: Number(port), ownProcessGroup: group === 'own' });
process.on('SIGINT', () => process.exit(0));
console.log('ready');
setInterval(() => {}, 60_000);
