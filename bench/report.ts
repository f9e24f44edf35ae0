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
  readonly target: string;
  readonly met: boolean;
}

function goals(report: Report, summaries: Map<string, Summary>): Goal[] {
  const rps = (scenario: string, variant: Variant) =>
    summaries.get(`${scenario}|${variant}`)?.rps ?? NaN;
  const p99 = (scenario: string) => summaries.get(`${scenario}|project`)?.p99 ?? NaN;
  const atLeast = (goal: string, ratio: number, target: number): Goal => ({
    goal,
    ratio,
    target: `≥ ${target}`,
    met: ratio >= target,
  });
  const atMost = (goal: string, ratio: number, target: number): Goal => ({
    goal,
    ratio,
    target: `≤ ${target}`,
    met: ratio <= target,
  });
  const capacity = (report.argon2.serverCores * 1000) / report.argon2.hashCpuMs;
  const logins = Math.max(
    rps('login-c1', 'project'),
    rps('login-c2', 'project'),
    rps('login-c16', 'project'),
  );
  const rss = report.peakRssKb;
  return [
    atLeast('public field, project / bare', rps('public', 'project') / rps('public', 'bare'), 0.95),
    atLeast('`me`, project / bare', rps('me', 'project') / rps('me', 'bare'), 0.8),
    atLeast('`me`, project / shield', rps('me', 'project') / rps('me', 'shield'), 1.1),
    atLeast(
      '50-row list, project / bare',
      rps('list-50', 'project') / rps('list-50', 'bare'),
      0.85,
    ),
    atLeast(
      '50-row list, project / shield',
      rps('list-50', 'project') / rps('list-50', 'shield'),
      1.5,
    ),
    atLeast(
      'refused admin field / own `me`',
      rps('admin-refused', 'project') / rps('me', 'project'),
      0.6,
    ),
    atLeast(
      `login throughput / argon2 capacity (${fixed(capacity, 1)}/s)`,
      logins / capacity,
      0.85,
    ),
    atMost(
      '`me` p99 during a login storm / `me` p99 idle (2 connections)',
      p99('me-c2-during-login-storm') / p99('me-c2-idle'),
      2,
    ),
    atLeast('project / floor on `me`', rps('me', 'project') / rps('me', 'floor'), 0.4),
    atMost('peak RSS under load, project / bare', (rss.project ?? NaN) / (rss.bare ?? NaN), 1.3),
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
  lines.push('| goal | ratio | target | met |', '|---|---|---|---|');
  for (const goal of goals(report, summaries)) {
    lines.push(
      `| ${goal.goal} | ${fixed(goal.ratio, 2)} | ${goal.target} | ${goal.met ? 'yes' : '**no**'} |`,
    );
  }
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  writeFileSync(join(__dirname, 'results', 'latest.md'), `${text}\n`);
}
