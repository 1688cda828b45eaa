export type PrometheusType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PrometheusSample {
  /** The sample's own name: a histogram family `x` has samples `x_bucket`, `x_sum` and `x_count`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PrometheusFamily {
  name: string;
  type: PrometheusType;
  help: string;
  samples: PrometheusSample[];
}

const SAMPLE_SUFFIXES: Record<PrometheusType, string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

const ESCAPES: Record<string, string> = { n: '\n', '\\': '\\', '"': '"' };

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  while (pattern.lastIndex < text.length) {
    const match = pattern.exec(text);
    if (!match) {
      throw new Error(`bad labels in sample line: ${line}`);
    }
    labels[match[1]] = match[2].replace(/\\(.)/g, (_escape, char: string) => ESCAPES[char] ?? char);
  }
  return labels;
}

function parseSample(line: string): PrometheusSample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/.exec(line);
  if (!match) {
    throw new Error(`bad sample line: ${line}`);
  }
  // Like Go's ParseFloat, which Prometheus uses: NaN and Inf in any case (prom-client writes `Nan`).
  const raw = match[3].toLowerCase();
  const value = /^[+-]?inf$/.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw);
  if (Number.isNaN(value) && raw !== 'nan') {
    throw new Error(`bad sample value: ${line}`);
  }
  return { name: match[1], labels: parseLabels(match[2] ?? '', line), value };
}

/**
 * Parses the Prometheus text exposition format (version 0.0.4) into metric families keyed by name, as a scraper
 * would see them: HELP and TYPE lines, samples grouped under their family (histogram `_bucket`/`_sum`/`_count`
 * under the histogram's name). Throws on a line a scraper would reject.
 */
export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  const families = new Map<string, PrometheusFamily>();
  const family = (name: string): PrometheusFamily => {
    let found = families.get(name);
    if (!found) {
      found = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, found);
    }
    return found;
  };
  let current: PrometheusFamily | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      continue;
    }
    const meta = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s?(.*)$/.exec(line);
    if (meta) {
      current = family(meta[2]);
      if (meta[1] === 'HELP') {
        current.help = meta[3];
      } else {
        current.type = meta[3].trim() as PrometheusType;
      }
      continue;
    }
    if (line.startsWith('#')) {
      continue;
    }
    const sample = parseSample(line);
    const owner: PrometheusFamily =
      current !== null && SAMPLE_SUFFIXES[current.type].some((suffix) => sample.name === current!.name + suffix)
        ? current
        : family(sample.name);
    owner.samples.push(sample);
  }
  return families;
}

/** The label names of a sample other than the ones a family type adds by itself (`le`, `quantile`). */
export function ownLabelNames(sample: PrometheusSample): string[] {
  return Object.keys(sample.labels)
    .filter((name) => name !== 'le' && name !== 'quantile')
    .sort();
}

/**
 * The sum of the samples named `name` (a histogram's `x_count` too) whose labels include `labels`, over the
 * `/metrics` of every base URL given; 0 when no series matches. Tests compare it with a count they know, not merely that the series exists.
 */
export async function scrapeMetric(
  baseUrls: string[],
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  let total = 0;
  for (const baseUrl of baseUrls) {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    for (const sample of [...parsePrometheusText(text).values()].flatMap((family) => family.samples)) {
      if (sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) {
        total += sample.value;
      }
    }
  }
  return total;
}
