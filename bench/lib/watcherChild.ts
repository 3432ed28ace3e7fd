import { startBot } from '../../bot/app.js';
import { loadConfig } from '../../services/config.js';
import { resetPeakRss, serveControl } from './child.js';

/**
 * The Access Bot in a child process for the watcher bench: storage and Graph from the environment (STORAGE,
 * GRAPH_BASE_URL), no timer-driven tick. `tick` runs one watcher tick and answers its CPU time, wall time and the Graph
 * round trips it made; `resetpeak` resets the peak RSS so `rss` then reports the peak of what followed.
 */

const calls = { total: 0, batch: 0, byRoute: new Map<string, number>() };
const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, PORT: '0', WATCH_INTERVAL_SECONDS: '86400' });
const bot = await startBot(config, {
  onGraphRequest(info) {
    calls.total++;
    if (info.path.includes('$batch')) calls.batch++;
    const route = `${info.method} ${info.path.split('?')[0].replace(/[0-9a-f-]{36}/gi, '{id}')}`;
    calls.byRoute.set(route, (calls.byRoute.get(route) ?? 0) + 1);
  },
});

async function tick(): Promise<string> {
  calls.total = 0;
  calls.batch = 0;
  calls.byRoute.clear();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await bot.watcher.tickNow();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return JSON.stringify({
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    graphCalls: calls.total,
    batchCalls: calls.batch,
    byRoute: Object.fromEntries([...calls.byRoute].sort((a, b) => b[1] - a[1])),
    sources: report.sources,
  });
}

serveControl(bot.url, () => bot.close(), {
  tick,
  resetpeak: async () => String(resetPeakRss()),
  rssnow: async () => String(process.memoryUsage().rss),
});
