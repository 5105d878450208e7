import { InvalidParameterCombinationException, InvalidParameterValueException, MissingRequiredParameterException, type CloudWatchError } from "./errors.js";
import type { Dimension, MetricDatum, PutMetricDataInput, StatisticSet } from "./generated/model.js";
import { shapes } from "./generated/model.js";

/** CloudWatch's limits on one PutMetricData call (its API reference). */
export const MAX_METRIC_DATA = 1000;
export const MAX_DIMENSIONS = 30;
export const MAX_VALUES = 150;
const MAX_NAME_LENGTH = 255;
const MAX_DIMENSION_VALUE_LENGTH = 1024;
/** Values outside ±2^360 (other than 0, beneath 2^-360 in size) are refused, as are NaN and the infinities. */
const MAX_MAGNITUDE = 2 ** 360;
const MIN_MAGNITUDE = 2 ** -360;
const MAX_AGE_MS = 14 * 24 * 3600 * 1000;
const MAX_AHEAD_MS = 2 * 3600 * 1000;
const STORAGE_RESOLUTIONS = new Set([1, 60]);
const UNITS: readonly string[] = shapes.StandardUnit.enum;
const UNIT_SET: ReadonlySet<string> = new Set(UNITS);
const RESERVED_NAMESPACE = "AWS/";

/** One MetricDatum, checked, as the series store takes it. */
export interface DataPoint {
  readonly metricName: string;
  readonly unit: string;
  /** Sorted by name: CloudWatch names a metric by its set of dimensions, in any order. */
  readonly dimensions: readonly Dimension[];
  /** How many samples the datum stands for (1 for a Value, the sum of Counts, SampleCount). */
  readonly samples: number;
  readonly sum: number;
  /** The latest value it carries: Value, the last of Values, or a statistic set's mean. */
  readonly last: number;
}

type Kind = "value" | "missing" | "combination";
const ERRORS: Readonly<Record<Kind, new (message: string) => CloudWatchError>> = {
  value: InvalidParameterValueException,
  missing: MissingRequiredParameterException,
  combination: InvalidParameterCombinationException,
};

/**
 * What is wrong with a request. CloudWatch reports every problem of the kind it meets first, one
 * per line (every bad Unit of a batch, say), under that kind's error code.
 */
class Problems {
  private readonly found: { kind: Kind; message: string }[] = [];

  add(kind: Kind, message: string): void {
    this.found.push({ kind, message });
  }
  invalid(value: unknown, path: string): void {
    this.add("value", `The value ${String(value)} for parameter ${path} is invalid.`);
  }
  missing(path: string): void {
    this.add("missing", `The parameter ${path} is required.`);
  }
  exclusive(path: string, a: string, b: string): void {
    this.add("combination", `The parameters ${path}.${a} and ${path}.${b} are mutually exclusive and you have specified both.`);
  }
  throwIfAny(): void {
    const first = this.found[0];
    if (!first) return;
    const messages = this.found.filter((p) => p.kind === first.kind).map((p) => p.message);
    throw new ERRORS[first.kind](messages.join("\n"));
  }
}

const isAsciiText = (text: string): boolean => /^[\x20-\x7e]*$/.test(text) && text.trim() !== "";

function checkNamespace(namespace: string | undefined, problems: Problems): void {
  if (namespace === undefined) return problems.missing("Namespace");
  const valid = namespace.length <= MAX_NAME_LENGTH && isAsciiText(namespace) && !namespace.startsWith(":") && !namespace.startsWith(RESERVED_NAMESPACE);
  if (!valid) problems.invalid(namespace, "Namespace");
}

function checkNumber(value: number, path: string, problems: Problems): boolean {
  const size = Math.abs(value);
  const ok = Number.isFinite(value) && (size === 0 || (size >= MIN_MAGNITUDE && size <= MAX_MAGNITUDE));
  if (!ok) problems.invalid(value, path);
  return ok;
}

function checkDimensions(dimensions: readonly (Dimension | undefined)[], path: string, problems: Problems): void {
  if (dimensions.length > MAX_DIMENSIONS) {
    problems.add("value", `The collection ${path} must not have a size greater than ${MAX_DIMENSIONS}.`);
    return;
  }
  const names = new Set<string>();
  dimensions.forEach((dimension, i) => {
    const at = `${path}.member.${i + 1}`;
    const { Name: name, Value: value } = dimension ?? {};
    if (name === undefined) problems.missing(`${at}.Name`);
    else if (name.length > MAX_NAME_LENGTH || !isAsciiText(name) || name.startsWith(":")) problems.invalid(name, `${at}.Name`);
    if (value === undefined) problems.missing(`${at}.Value`);
    else if (value.length > MAX_DIMENSION_VALUE_LENGTH || !isAsciiText(value)) problems.invalid(value, `${at}.Value`);
    if (name !== undefined && names.has(name)) problems.add("value", "No metric may specify the same dimension name twice.");
    if (name !== undefined) names.add(name);
  });
}

function checkTimestamp(timestamp: Date, path: string, now: number, problems: Problems): void {
  const at = timestamp.getTime();
  if (at < now - MAX_AGE_MS) problems.add("value", `The parameter ${path} must specify a time within the past two weeks.`);
  else if (at > now + MAX_AHEAD_MS) problems.add("value", `The parameter ${path} must specify a time no more than two hours in the future.`);
}

const STATISTICS = ["SampleCount", "Sum", "Minimum", "Maximum"] as const;

/** Samples, sum and latest value of a datum whose values are all valid; undefined when one is not. */
function aggregateOf(datum: MetricDatum, path: string, problems: Problems): Pick<DataPoint, "samples" | "sum" | "last"> | undefined {
  const { Value: value, StatisticValues: set, Values: values, Counts: counts } = datum;
  if (value !== undefined && set !== undefined) problems.exclusive(path, "Value", "StatisticValues");
  if (value !== undefined && values !== undefined) problems.exclusive(path, "Value", "Values");
  if (set !== undefined && values !== undefined) problems.exclusive(path, "StatisticValues", "Values");
  if (value !== undefined) return checkNumber(value, `${path}.Value`, problems) ? { samples: 1, sum: value, last: value } : undefined;
  if (set !== undefined) return statisticSetOf(set, `${path}.StatisticValues`, problems);
  if (values !== undefined || counts !== undefined) return valuesOf(values ?? [], counts, path, problems);
  problems.add("combination", `At least one of the parameters ${path}.Value and ${path}.StatisticValues must be specified.`);
  return undefined;
}

function statisticSetOf(set: Partial<StatisticSet>, path: string, problems: Problems): Pick<DataPoint, "samples" | "sum" | "last"> | undefined {
  let ok = true;
  for (const name of STATISTICS) {
    const statistic = set[name];
    if (statistic === undefined) {
      problems.missing(`${path}.${name}`);
      ok = false;
    } else ok = checkNumber(statistic, `${path}.${name}`, problems) && ok;
  }
  if (ok && set.SampleCount! <= 0) {
    problems.invalid(set.SampleCount, `${path}.SampleCount`);
    ok = false;
  }
  return ok ? { samples: set.SampleCount!, sum: set.Sum!, last: set.Sum! / set.SampleCount! } : undefined;
}

function valuesOf(
  values: readonly number[],
  counts: readonly number[] | undefined,
  path: string,
  problems: Problems,
): Pick<DataPoint, "samples" | "sum" | "last"> | undefined {
  if (values.length > MAX_VALUES) {
    problems.add("value", `The collection ${path}.Values must not have a size greater than ${MAX_VALUES}.`);
    return undefined;
  }
  if (counts !== undefined && counts.length !== values.length) {
    problems.add("combination", `The parameters ${path}.Values and ${path}.Counts must be of the same size.`);
    return undefined;
  }
  let ok = values.length > 0;
  if (!ok) problems.add("combination", `At least one of the parameters ${path}.Value and ${path}.StatisticValues must be specified.`);
  let samples = 0;
  let sum = 0;
  values.forEach((value, i) => {
    ok = checkNumber(value, `${path}.Values.member.${i + 1}`, problems) && ok;
    const count = counts?.[i] ?? 1;
    if (!(Number.isFinite(count) && count >= 0)) {
      problems.invalid(count, `${path}.Counts.member.${i + 1}`);
      ok = false;
    }
    samples += count;
    sum += value * count;
  });
  return ok ? { samples, sum, last: values[values.length - 1]! } : undefined;
}

function checkDatum(datum: MetricDatum | undefined, path: string, now: number, problems: Problems): DataPoint | undefined {
  if (datum === undefined) return undefined;
  const { MetricName: name, Unit: unit, Dimensions: dimensions = [], Timestamp: timestamp, StorageResolution: resolution } = datum;
  if (name === undefined) problems.missing(`${path}.MetricName`);
  else if (name.length === 0 || name.length > MAX_NAME_LENGTH) problems.invalid(name, `${path}.MetricName`);
  checkDimensions(dimensions, `${path}.Dimensions`, problems);
  if (unit !== undefined && !UNIT_SET.has(unit)) problems.add("value", `The parameter ${path}.Unit must be a value in the set [ ${UNITS.join(", ")} ].`);
  if (timestamp !== undefined) checkTimestamp(timestamp, `${path}.Timestamp`, now, problems);
  if (resolution !== undefined && !STORAGE_RESOLUTIONS.has(resolution)) problems.invalid(resolution, `${path}.StorageResolution`);
  const aggregate = aggregateOf(datum, path, problems);
  if (name === undefined || !aggregate) return undefined;
  const sorted = [...dimensions].filter((d): d is Dimension => d !== undefined).sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  return { metricName: name, unit: unit ?? "None", dimensions: sorted, ...aggregate };
}

/**
 * Checks a PutMetricData input as CloudWatch does, in its words (the parameters named by their
 * query-protocol paths in every wire form), and returns its data points: those of MetricData and
 * of each EntityMetricData. Throws the first kind of problem found, with every instance of it.
 */
export function checkPutMetricData(input: Partial<PutMetricDataInput>, now: number): DataPoint[] {
  const problems = new Problems();
  checkNamespace(input.Namespace, problems);
  const groups: [path: string, data: readonly (MetricDatum | undefined)[]][] = [["MetricData", input.MetricData ?? []]];
  (input.EntityMetricData ?? []).forEach((entity, i) => groups.push([`EntityMetricData.member.${i + 1}.MetricData`, entity?.MetricData ?? []]));
  const total = groups.reduce((n, [, data]) => n + data.length, 0);
  if (total > MAX_METRIC_DATA) problems.add("value", `The collection MetricData must not have a size greater than ${MAX_METRIC_DATA}.`);
  problems.throwIfAny();
  const points: DataPoint[] = [];
  for (const [path, data] of groups) {
    data.forEach((datum, i) => {
      const point = checkDatum(datum, `${path}.member.${i + 1}`, now, problems);
      if (point) points.push(point);
    });
  }
  problems.throwIfAny();
  return points;
}
