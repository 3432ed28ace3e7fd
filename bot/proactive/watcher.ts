import type { Clock } from '../../services/clock.js';
import type { Logger } from '../../services/log.js';
import type { Lease } from './lease.js';
import type { WatchSource } from './types.js';

export interface WatcherOptions {
  sources: WatchSource[];
  intervalSeconds: number;
  lease: Lease;
  clock: Clock;
  log: Logger;
  /** While a tick runs, the lease is renewed this often (a long source must not outlive the lease). */
  renewEveryMs?: number;
}

export interface SourceReport {
  name: string;
  ok: boolean;
  ms: number;
}

export interface TickReport {
  /** False when another instance holds the lease (or it could not be read): nothing ran. */
  ran: boolean;
  sources: SourceReport[];
  ms: number;
}

/**
 * Runs every source once per interval, on one instance at a time (the lease), never two ticks at once. A failing
 * source is logged and the others still run.
 */
export class Watcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<TickReport>;
  private stopped = true;
  /** Set by stop(): a running tick finishes its current source and ends. */
  private stopping = false;

  constructor(private readonly options: WatcherOptions) {
    if (!(options.intervalSeconds > 0)) throw new Error('the watcher interval must be more than 0 seconds');
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    this.schedule();
  }

  /** Stops the timer, waits for a running tick to finish and gives the lease up. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.options.lease
      .release()
      .catch((err: unknown) => this.options.log.warn({ err }, 'could not release the lease'));
  }

  /** Runs a tick now, or joins the one already running. */
  tickNow(): Promise<TickReport> {
    if (!this.running) {
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tickNow()
        .catch((err: unknown) => this.options.log.error({ err }, 'watch tick failed'))
        .finally(() => this.schedule());
    }, this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  private async tick(): Promise<TickReport> {
    const { log, sources } = this.options;
    const started = Date.now();
    const reports: SourceReport[] = [];
    const heartbeat = this.heartbeat();
    try {
      await this.runSources(sources, reports);
    } finally {
      clearInterval(heartbeat);
    }
    const report = { ran: reports.length > 0, sources: reports, ms: Date.now() - started };
    if (report.ran) log.debug({ ms: report.ms, sources: reports }, 'watch tick');
    return report;
  }

  private async runSources(sources: WatchSource[], reports: SourceReport[]): Promise<void> {
    const { log, clock } = this.options;
    for (const source of sources) {
      // The lease is renewed before each source, so a long tick keeps it and a lost lease stops the tick.
      if (!(await this.holdLease())) break;
      const t0 = Date.now();
      try {
        await source.tick(clock.now());
        reports.push({ name: source.name, ok: true, ms: Date.now() - t0 });
      } catch (err) {
        log.error({ err, source: source.name }, 'watch source failed');
        reports.push({ name: source.name, ok: false, ms: Date.now() - t0 });
      }
      if (this.stopping) break;
    }
  }

  private heartbeat(): NodeJS.Timeout | undefined {
    const every = this.options.renewEveryMs;
    if (!every) return undefined;
    const timer = setInterval(() => void this.holdLease(), every);
    timer.unref();
    return timer;
  }

  private async holdLease(): Promise<boolean> {
    try {
      return await this.options.lease.acquire();
    } catch (err) {
      this.options.log.warn({ err }, 'could not read the watcher lease; skipping this tick');
      return false;
    }
  }
}

/** Runs `work` for each item; a failing item is logged and the rest still run. Returns how many failed. */
export async function eachIsolated<T>(
  items: Iterable<T>,
  work: (item: T) => Promise<void>,
  log: Logger,
  what: string,
): Promise<number> {
  let failed = 0;
  for (const item of items) {
    try {
      await work(item);
    } catch (err) {
      failed++;
      log.warn({ err, what }, 'a watched item failed; going on with the others');
    }
  }
  return failed;
}
