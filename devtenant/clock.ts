/**
 * The devtenant's clock: real time plus an offset that tests move forward, or a frozen instant.
 * Everything time-dependent in the tenant (request progress, approval timeouts, expiry) reads this clock.
 */
export class DevClock {
  private offsetMs = 0;
  private frozenAt: number | null = null;

  constructor(start?: Date, frozen = false) {
    this.reset(start, frozen);
  }

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  set(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt = ms;
    else this.offsetMs = ms - Date.now();
  }

  freeze(frozen: boolean): void {
    if (frozen && this.frozenAt === null) this.frozenAt = this.now();
    if (!frozen && this.frozenAt !== null) {
      this.offsetMs = this.frozenAt - Date.now();
      this.frozenAt = null;
    }
  }

  reset(start?: Date, frozen = false): void {
    const now = Date.now();
    this.offsetMs = start ? start.getTime() - now : 0;
    // Frozen on exactly `start`: reading Date.now() a second time could land a millisecond later.
    this.frozenAt = frozen ? now + this.offsetMs : null;
  }
}
