import { actionTable } from '../bot/actions/index.js';
import { commandTable } from '../bot/commands/index.js';
import { ALEX, cardActionActivity, messageActivity } from './lib/activities.js';
import { BENCH_DIR, type ReadyChild, spawnReady } from './lib/child.js';
import { startConnectorSink } from './lib/connectorSink.js';
import { type LoadResult, runLoad } from './lib/loader.js';
import { isMain, runAlone } from './lib/main.js';
import type { BenchResult, Figure } from './lib/results.js';
import { summarize } from './lib/stats.js';

/**
 * Turn overhead: the Access Bot against a bare botbuilder echo bot on the same restify + CloudAdapter stack. Each bot
 * runs in its own child process, the devtenant (zero latency) in a third, and this process drives both with the same
 * keep-alive loader and answers their replies as the connector. Rounds alternate which bot goes first. Latency is
 * measured one request at a time (what one person feels); requests/s with 16 in flight (what one instance can take).
 */

const ROUNDS = 3;
const LATENCY = { connections: 1, maxRequests: 300, maxDurationMs: 2_000 };
const THROUGHPUT = { connections: 16, maxRequests: 4_000, maxDurationMs: 2_500 };
const WARMUP = { connections: 4, maxRequests: 300, maxDurationMs: 3_000 };
const P50_RATIO_TARGET = 1.5;
const P99_RATIO_TARGET = 2;

interface Scenario {
  key: 'text' | 'card';
  /** What was measured, as printed (it says when a stand-in was used). */
  label: string;
  /** A fresh activity body per request (new activity id each time). */
  body(serviceUrl: string): string;
}

/** `my access` once the requester journey registers it, else `help`; `approve` once the approver journey has it. */
export function scenarios(): Scenario[] {
  const hasMyAccess = commandTable().resolve('my access').command.name !== 'notUnderstood';
  const text = hasMyAccess ? 'my access' : 'help';
  const approveVerb = actionTable().verbs().includes('approve');
  return [
    {
      key: 'text',
      label: `text turn "${text}"`,
      body: (serviceUrl) => JSON.stringify(messageActivity(ALEX, serviceUrl, text)),
    },
    {
      key: 'card',
      label: approveVerb ? 'card action "approve"' : 'card action "help" (stand-in: no approve verb registered yet)',
      body: (serviceUrl) => JSON.stringify(cardActionActivity(ALEX, serviceUrl, 'help', {})),
    },
  ];
}

interface Samples {
  latency: number[];
  requests: number;
  seconds: number;
  non200: number;
  errors: number;
}

const empty = (): Samples => ({ latency: [], requests: 0, seconds: 0, non200: 0, errors: 0 });

function non200(result: LoadResult): number {
  return Object.entries(result.statuses)
    .filter(([status]) => status !== '200')
    .reduce((sum, [, n]) => sum + n, 0);
}

async function measure(url: string, scenario: Scenario, sinkUrl: string, into: Samples): Promise<void> {
  const body = () => scenario.body(sinkUrl);
  const latency = await runLoad({ url: `${url}/api/messages`, body, ...LATENCY });
  const throughput = await runLoad({ url: `${url}/api/messages`, body, ...THROUGHPUT });
  into.latency.push(...latency.latenciesMs);
  into.requests += throughput.latenciesMs.length;
  into.seconds += throughput.durationMs / 1000;
  into.non200 += non200(latency) + non200(throughput);
  into.errors += latency.errors + throughput.errors;
}

function figuresFor(scenario: Scenario, echo: Samples, bot: Samples): Figure[] {
  const e = summarize(echo.latency);
  const b = summarize(bot.latency);
  const name = (what: string) => `${scenario.label}: ${what}`;
  return [
    { name: name('p50 echo / bot'), value: b.p50, unit: 'ms', note: `echo ${e.p50.toFixed(2)} ms` },
    {
      name: name('p50 ratio bot/echo'),
      value: b.p50 / e.p50,
      unit: '×',
      target: { kind: 'max', value: P50_RATIO_TARGET },
    },
    { name: name('p99 echo / bot'), value: b.p99, unit: 'ms', note: `echo ${e.p99.toFixed(2)} ms` },
    {
      name: name('p99 ratio bot/echo'),
      value: b.p99 / e.p99,
      unit: '×',
      target: { kind: 'max', value: P99_RATIO_TARGET },
    },
    {
      name: name('requests/s bot'),
      value: bot.requests / bot.seconds,
      unit: '/s',
      note: `echo ${Math.round(echo.requests / echo.seconds)}/s; ${THROUGHPUT.connections} in flight`,
    },
    {
      name: name('non-200 answers or errors (bot)'),
      value: bot.non200 + bot.errors,
      unit: '',
      target: { kind: 'equal', value: 0 },
    },
  ];
}

export async function run(): Promise<BenchResult> {
  const sink = await startConnectorSink();
  const children: ReadyChild[] = [];
  try {
    const devtenant = await spawnReady(`${BENCH_DIR}lib/devtenantChild.ts`);
    children.push(devtenant);
    const echo = await spawnReady(`${BENCH_DIR}lib/echoBot.ts`);
    children.push(echo);
    const bot = await spawnReady(`${BENCH_DIR}lib/botChild.ts`, { env: { GRAPH_BASE_URL: devtenant.url } });
    children.push(bot);
    const list = scenarios();
    const samples = new Map(list.map((s) => [s.key, { echo: empty(), bot: empty() }]));
    const targets = [
      { key: 'echo' as const, url: echo.url },
      { key: 'bot' as const, url: bot.url },
    ];
    for (const target of targets) {
      for (const s of list)
        await runLoad({ url: `${target.url}/api/messages`, body: () => s.body(sink.url), ...WARMUP });
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const s of list) {
        for (const target of order) await measure(target.url, s, sink.url, samples.get(s.key)![target.key]);
      }
    }
    const figures = list.flatMap((s) => figuresFor(s, samples.get(s.key)!.echo, samples.get(s.key)!.bot));
    return {
      name: 'turnOverhead',
      method: `Access Bot vs bare echo bot, child processes, ${ROUNDS} alternating rounds; latency 1 in flight, requests/s ${THROUGHPUT.connections} in flight; devtenant with zero latency`,
      figures,
      details: Object.fromEntries(
        list.map((s) => [
          s.label,
          {
            echo: { ...summarize(samples.get(s.key)!.echo.latency), ...counts(samples.get(s.key)!.echo) },
            bot: { ...summarize(samples.get(s.key)!.bot.latency), ...counts(samples.get(s.key)!.bot) },
          },
        ]),
      ),
    };
  } finally {
    for (const child of children.reverse()) await child.stop();
    await sink.close();
  }
}

function counts(s: Samples) {
  return { throughputRequests: s.requests, throughputSeconds: s.seconds, non200: s.non200, errors: s.errors };
}

if (isMain(import.meta.url)) runAlone(run);
