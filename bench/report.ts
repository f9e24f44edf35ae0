import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Variant } from './variants';

export interface Measurement {
  readonly variant: Variant;
  readonly scenario: string;
  readonly round: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly cpuMicrosPerRequest: number;
}

export interface Report {
  readonly when: string;
  readonly quick: boolean;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly pinned: boolean;
  };
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly argon2: {
    readonly memoryCost: number;
    readonly timeCost: number;
    readonly parallelism: number;
    readonly hashCpuMs: number;
    readonly serverCores: number;
  };
  readonly measurements: readonly Measurement[];
  readonly peakRssKb: Partial<Record<Variant, number>>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};
const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

interface Summary {
  readonly rps: number;
  readonly rpsMin: number;
  readonly rpsMax: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly cpu: number;
}

function summarize(report: Report): Map<string, Summary> {
  const groups = new Map<string, Measurement[]>();
  for (const m of report.measurements) {
    const key = `${m.scenario}|${m.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const summaries = new Map<string, Summary>();
  for (const [key, runs] of groups) {
    const rps = runs.map((run) => run.requestsPerSecond);
    summaries.set(key, {
      rps: median(rps),
      rpsMin: Math.min(...rps),
      rpsMax: Math.max(...rps),
      p50: median(runs.map((run) => run.p50Ms)),
      p99: median(runs.map((run) => run.p99Ms)),
      non2xx: runs.reduce((sum, run) => sum + run.non2xx + run.errors, 0),
      cpu: median(runs.map((run) => run.cpuMicrosPerRequest)),
    });
  }
  return summaries;
}

interface Goal {
  readonly goal: string;
  readonly ratio: number;
  /** Null for a comparison shown side by side, without a target. */
  readonly target: string | null;
  readonly met: boolean;
}

function goals(report: Report, summaries: Map<string, Summary>): Goal[] {
  const rps = (scenario: string, variant: Variant) =>
    summaries.get(`${scenario}|${variant}`)?.rps ?? NaN;
  const ratio = (scenario: string, peer: Variant, peerScenario = scenario) =>
    rps(scenario, 'project') / rps(peerScenario, peer);
  const p99 = (scenario: string) => summaries.get(`${scenario}|project`)?.p99 ?? NaN;
  const atLeast = (goal: string, value: number, target: number): Goal => ({
    goal,
    ratio: value,
    target: `≥ ${target}`,
    met: value >= target,
  });
  const atMost = (goal: string, value: number, target: number): Goal => ({
    goal,
    ratio: value,
    target: `≤ ${target}`,
    met: value <= target,
  });
  const beside = (goal: string, value: number): Goal => ({
    goal,
    ratio: value,
    target: null,
    met: false,
  });
  const capacity = (report.argon2.serverCores * 1000) / report.argon2.hashCpuMs;
  const logins = Math.max(
    rps('login-c1', 'project'),
    rps('login-c2', 'project'),
    rps('login-c16', 'project'),
  );
  const rss = report.peakRssKb;
  return [
    atLeast('authenticated `userOnly`, project / fastapi', ratio('user-only', 'fastapi'), 2),
    atLeast('public field, project / fastapi', ratio('public', 'fastapi'), 1),
    atLeast('`me`, project / yoga', ratio('me', 'yoga'), 1.2),
    atLeast(
      '`me`, project / apollo-standalone on `{ __typename }`',
      ratio('me', 'apollo-standalone', 'typename'),
      0.8,
    ),
    atLeast('`me`, project / floor', ratio('me', 'floor'), 0.5),
    atLeast('50-row list, project / shield', ratio('list-50', 'shield'), 1.5),
    atLeast(
      `sign-ins per second at the default argon2 parameters (best of 1, 2, 16 at once; the cores hold ${fixed(capacity, 1)})`,
      logins,
      40,
    ),
    atMost(
      '`me` p99 during a sign-in storm / idle (2 connections)',
      p99('me-c2-during-login-storm') / p99('me-c2-idle'),
      2,
    ),
    atMost('peak RSS under load, project / bare', (rss.project ?? NaN) / (rss.bare ?? NaN), 1.3),
    // Earlier goals the list above does not replace.
    atLeast('public field, project / bare', ratio('public', 'bare'), 0.95),
    atLeast('`me`, project / bare', ratio('me', 'bare'), 0.8),
    atLeast('`me`, project / shield', ratio('me', 'shield'), 1.1),
    atLeast('50-row list, project / bare', ratio('list-50', 'bare'), 0.85),
    atLeast(
      'refused admin field / own `me`',
      rps('admin-refused', 'project') / rps('me', 'project'),
      0.6,
    ),
    atLeast(`sign-ins / argon2 capacity (${fixed(capacity, 1)}/s)`, logins / capacity, 0.85),
    // What naming a trusted document by hash saves over sending its text: no target.
    beside('`me`, trusted document / text', rps('me-trusted', 'project') / rps('me', 'project')),
    beside(
      '50-row list, trusted document / text',
      rps('list-50-trusted', 'project') / rps('list-50', 'project'),
    ),
    // Fastify's own GraphQL server, side by side: no target.
    beside('public field, project / mercurius', ratio('public', 'mercurius')),
    beside('`me`, project / mercurius', ratio('me', 'mercurius')),
    beside('authenticated `userOnly`, project / mercurius', ratio('user-only', 'mercurius')),
    beside('50-row list, project / mercurius', ratio('list-50', 'mercurius')),
  ];
}

/** Prints the tables (Markdown, as the README shows them) and writes them beside the JSON. */
export function printReport(report: Report): void {
  const summaries = summarize(report);
  const lines: string[] = [];
  const { machine, argon2 } = report;
  lines.push(
    `${report.when}: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
      `server ${machine.pinned ? 'pinned to core 0, load generator to the last core' : 'not pinned'}; ` +
      `${report.rounds} round(s) of ${report.durationSeconds} s per scenario; argon2 m=${argon2.memoryCost} t=${argon2.timeCost} p=${argon2.parallelism}, ` +
      `${fixed(argon2.hashCpuMs, 1)} ms CPU per hash.`,
    '',
    '| scenario | variant | req/s median (min–max) | p50 ms | p99 ms | non-2xx | server CPU µs/req |',
    '|---|---|---|---|---|---|---|',
  );
  for (const [key, s] of summaries) {
    const [scenario, variant] = key.split('|');
    lines.push(
      `| ${scenario} | ${variant} | ${fixed(s.rps)} (${fixed(s.rpsMin)}–${fixed(s.rpsMax)}) | ${fixed(s.p50, 1)} | ${fixed(s.p99, 1)} | ${s.non2xx} | ${fixed(s.cpu)} |`,
    );
  }
  lines.push(
    '',
    '| peak RSS | ' +
      Object.entries(report.peakRssKb)
        .map(([v, kb]) => `${v} ${fixed((kb ?? 0) / 1024)} MiB`)
        .join(', ') +
      ' |',
    '|---|',
    '',
  );
  // Medians of this run; every row a ratio except sign-ins per second.
  lines.push('| goal | ratio | target | met |', '|---|---|---|---|');
  for (const goal of goals(report, summaries)) {
    const met = goal.target === null ? '–' : goal.met ? 'yes' : '**no**';
    lines.push(`| ${goal.goal} | ${fixed(goal.ratio, 2)} | ${goal.target ?? '–'} | ${met} |`);
  }
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  writeFileSync(join(__dirname, 'results', 'latest.md'), `${text}\n`);
}
