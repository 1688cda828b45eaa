import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileShare {
  name: string;
  percent: number;
}

export interface ProfileSummary {
  app: string;
  file: string;
  wallSeconds: number;
  /** Seconds the main thread was not idle. */
  busySeconds: number;
  /** Where the busy time went, by package (or app code, node internals, GC), largest first. */
  byOrigin: ProfileShare[];
  /** The functions with the most self time, largest first. */
  topFunctions: ProfileShare[];
}

function origin(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') {
    return functionName === '' ? '(native)' : functionName;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) {
    return pkg[1];
  }
  if (url.startsWith('node:')) {
    return 'node internals';
  }
  return /\/dist\/(apps|libs)\//.test(url) ? 'pipeline code' : url;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules|dist)\//, '');
  return url === '' ? functionName || '(anonymous)' : `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

function top(totals: Map<string, number>, busy: number, count: number): ProfileShare[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, percent: Math.round((micros / busy) * 1000) / 10 }));
}

/** Self time per sample from `samples` and `timeDeltas`, grouped by origin and by function; idle time left out. */
export function summarizeProfile(app: string, file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    const micros = profile.timeDeltas[index + 1] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') {
      return;
    }
    busy += micros;
    byOrigin.set(origin(node), (byOrigin.get(origin(node)) ?? 0) + micros);
    byFunction.set(label(node), (byFunction.get(label(node)) ?? 0) + micros);
  });
  return {
    app,
    file,
    wallSeconds: (profile.endTime - profile.startTime) / 1e6,
    busySeconds: busy / 1e6,
    byOrigin: top(byOrigin, busy, 8),
    topFunctions: top(byFunction, busy, 12),
  };
}

/** Every `*.cpuprofile` under `dir/<app>/`. */
export function summarizeProfiles(dir: string): ProfileSummary[] {
  const summaries: ProfileSummary[] = [];
  for (const app of readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const file of readdirSync(join(dir, app.name)).filter((name) => name.endsWith('.cpuprofile'))) {
      summaries.push(summarizeProfile(app.name, join(dir, app.name, file)));
    }
  }
  return summaries;
}

export function formatProfileSummary(summary: ProfileSummary): string {
  const share = (items: ProfileShare[]) => items.map((item) => `    ${item.percent}%  ${item.name}`).join('\n');
  return [
    `${summary.app}: busy ${summary.busySeconds.toFixed(1)} s of ${summary.wallSeconds.toFixed(1)} s`,
    '  by origin:',
    share(summary.byOrigin),
    '  top self time:',
    share(summary.topFunctions),
  ].join('\n');
}
