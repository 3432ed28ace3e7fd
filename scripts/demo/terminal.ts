import type { DestinationStream } from 'pino';
import type { DemoNames } from './names.js';
import { actionLine, activationEndLine, changeLine, type LogRecord, sentLine, unreachableLine } from './narration.js';

export interface DemoTerminalOptions {
  names: DemoNames;
  /** Where the lines go (process.stdout in `npm start`). */
  write: (text: string) => void;
  /** LOG_LEVEL debug or trace: every other log line too, one short line each. */
  verbose: boolean;
  /** How long "cannot reach" lines are gathered into one (they come in a burst at the first watcher tick). */
  gatherMs?: number;
}

/**
 * The bot's log as `npm start` shows it: one line per thing a person did or the bot pushed, one line naming the
 * people the bot cannot reach yet, warnings and errors in one short line each, and nothing for the watcher's ticks.
 * Production (`npm run bot`) keeps pino's JSON lines.
 */
export class DemoTerminal implements DestinationStream {
  private readonly unreachable = new Map<string, string>();
  private readonly announced = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: DemoTerminalOptions) {}

  write(line: string): void {
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return;
    }
    const shown = this.narrate(record);
    if (shown) this.print(record, shown);
  }

  /** Prints the people gathered so far now (and stops the gathering timer). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const byReason = new Map<string, string[]>();
    for (const [user, reason] of this.unreachable) {
      byReason.set(reason, [...(byReason.get(reason) ?? []), this.options.names.person(user)]);
      this.announced.add(user);
    }
    this.unreachable.clear();
    for (const [reason, people] of byReason) this.print({ time: Date.now() }, unreachableLine(people, reason));
  }

  private narrate(r: LogRecord): string | undefined {
    const { names, verbose } = this.options;
    if (r.msg === 'approval change shown') return changeLine(r, names);
    if (r.msg === 'activation end shown') return activationEndLine(r, names);
    const action = actionLine(r, names);
    if (action) return action;
    if (r.msg === 'card sent') {
      if (typeof r.user === 'string') this.announced.delete(r.user);
      return sentLine(r, names);
    }
    if (typeof r.msg === 'string' && r.msg.startsWith('cannot reach ') && typeof r.user === 'string') {
      this.gather(r.user, String(r.reason ?? 'unknown'));
      return undefined;
    }
    if (r.level === 'warn' || r.level === 'error' || r.level === 'fatal') return `${r.level}: ${summary(r)}`;
    return verbose ? `${r.level}: ${summary(r)}` : undefined;
  }

  private gather(user: string, reason: string): void {
    if (this.announced.has(user) || this.unreachable.has(user)) return;
    this.unreachable.set(user, reason);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.options.gatherMs ?? 1000);
    this.timer.unref();
  }

  private print(r: LogRecord, text: string): void {
    const at = new Date(typeof r.time === 'number' ? r.time : Date.now());
    const clock = [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    this.options.write(`${clock}  ${text}\n`);
  }
}

const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** "could not send an approval card (err: timeout, kind: em)": the message and its (already redacted) fields. */
function summary(r: LogRecord): string {
  const fields = Object.entries(r)
    .filter(([k]) => !HIDDEN.has(k))
    .map(
      ([k, v]) =>
        `${k}: ${k === 'err' && v && typeof v === 'object' ? (v as { message?: unknown }).message : JSON.stringify(v)}`,
    );
  return fields.length > 0 ? `${r.msg} (${fields.join(', ')})` : String(r.msg);
}

/** Keeps what is written until `release()` (the bot may speak before the banner is printed), then passes it on. */
export function heldOutput(write: (text: string) => void): { write: (text: string) => void; release: () => void } {
  let held: string[] | undefined = [];
  return {
    write: (text) => (held ? held.push(text) : write(text)),
    release() {
      const lines = held ?? [];
      held = undefined;
      for (const text of lines) write(text);
    },
  };
}
